import { AnswerTooLargeError, MAX_ANSWER_BYTES, readBounded } from "./bounded-body";
import { type RedirectTarget, transportWords } from "./failure-words";
import type { HttpDeps } from "./types";

/** One request to a provider's API. `body` is sent as JSON (the caller reveals secrets into it, nowhere else). */
export interface ApiRequest {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** Sent as `content-type`; `application/json` by default. */
  readonly contentType?: string;
}

/** A provider's answer: status and parsed JSON body (`null` when empty or not JSON). */
export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Headers;
  /** The body as text, as received (within `MAX_ANSWER_BYTES`): what a plain-text answer says. */
  readonly text?: string;
}

/** What became of one request: an answer, or why there is none keyrotor takes, in keyrotor's words. */
export type Sent =
  | { readonly kind: "answer"; readonly response: ApiResponse }
  | { readonly kind: "redirect"; readonly to: RedirectTarget }
  | { readonly kind: "too-large" }
  | { readonly kind: "unreachable"; readonly reason: string };

/** Where a redirect leads, told only as whether it leaves the request's origin. */
function targetOf(location: string | null, url: string): RedirectTarget {
  if (location === null) return "unknown";
  try {
    return new URL(location, url).origin === new URL(url).origin ? "same-origin" : "other-origin";
  } catch {
    return "unknown";
  }
}

function parsed(text: string): unknown {
  try {
    return text === "" ? null : JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * Sends one request, its timeout bounding the answer's body as well as its headers. No redirect is
 * followed, to any origin: a followed redirect would carry the token, and a write's body, to wherever
 * the answer says. An answer over `MAX_ANSWER_BYTES` is refused unread. Never throws.
 */
export async function send(deps: HttpDeps, request: ApiRequest): Promise<Sent> {
  const signal = AbortSignal.timeout(deps.timeoutMs);
  try {
    const response = await deps.fetch(request.url, {
      method: request.method,
      headers: {
        ...request.headers,
        ...(request.body === undefined ? {} : { "content-type": request.contentType ?? "application/json" }),
      },
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      signal,
      redirect: "manual",
    });
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel().catch(() => undefined);
      return { kind: "redirect", to: targetOf(response.headers.get("location"), request.url) };
    }
    const text = await readBounded(response, MAX_ANSWER_BYTES, signal);
    return {
      kind: "answer",
      response: { status: response.status, body: parsed(text), headers: response.headers, text },
    };
  } catch (error) {
    if (error instanceof AnswerTooLargeError) return { kind: "too-large" };
    return { kind: "unreachable", reason: transportWords(error, deps.timeoutMs) };
  }
}
