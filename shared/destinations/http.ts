import { DeliveryError, type DeliveryFailure, type HttpDeps } from "./types";

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
}

/** How a provider's failures read to a person: what was being written, and how to fix each failure. */
export interface FailureText {
  /** What was being written, e.g. `GitHub secret AWS_ACCESS_KEY_ID of repository org/app`. */
  readonly what: string;
  readonly fixes: Readonly<Partial<Record<DeliveryFailure, string>>>;
}

const DEFAULT_FIXES: Record<DeliveryFailure, string> = {
  unauthorized: "replace the API token in keyrotor's token secret with a valid one",
  forbidden: "give the token permission to write variables there",
  "not-found": "check the destination's name in keyrotor's configuration, and that the token can see it",
  "rate-limited": "nothing: keyrotor retries on its next run",
  rejected: "check the destination's settings (variable names, options) in keyrotor's configuration",
  unavailable: "nothing if the provider is having an outage: keyrotor retries on its next run",
};

/** The least keyrotor waits after a rate-limited answer, and how many answers it takes in one call. */
const MIN_WAIT_MS = 250;
const MAX_ATTEMPTS = 5;

/** Seconds until a rate limit lifts, from `Retry-After` (seconds or a date) or an epoch-seconds reset header. */
export function retryAfterSeconds(headers: Headers, now: number = Date.now()): number | undefined {
  const after = headers.get("retry-after");
  if (after !== null) {
    const seconds = Number(after);
    if (Number.isFinite(seconds)) return Math.max(0, seconds);
    const at = Date.parse(after);
    if (!Number.isNaN(at)) return Math.max(0, Math.ceil((at - now) / 1000));
  }
  for (const name of ["x-ratelimit-reset", "ratelimit-reset"]) {
    const reset = Number(headers.get(name));
    if (headers.get(name) !== null && Number.isFinite(reset)) {
      // Epoch seconds (GitHub, GitLab) or, when small, seconds from now (the IETF draft's form).
      return Math.max(0, reset > 1e9 ? Math.ceil(reset - now / 1000) : reset);
    }
  }
  return undefined;
}

/** Whether an answer is the provider asking to slow down (429, or GitHub's 403 with no requests left). */
function isRateLimit(response: ApiResponse): boolean {
  if (response.status === 429) return true;
  return (
    response.status === 403 &&
    (response.headers.get("x-ratelimit-remaining") === "0" || response.headers.get("retry-after") !== null)
  );
}

function failureOf(status: number): DeliveryFailure {
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 404) return "not-found";
  if (status >= 500) return "unavailable";
  return "rejected";
}

/** The provider's own short explanation, if its error body has one: never the request, never a value. */
function providerMessage(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const b = body as Record<string, unknown>;
  const candidates = [
    b.message,
    b.error,
    Array.isArray(b.errors) ? (b.errors[0] as Record<string, unknown> | undefined)?.detail : undefined,
  ];
  const text = candidates.find((c): c is string => typeof c === "string");
  return text?.replace(/[\r\n\t]+/g, " ").slice(0, 200);
}

async function send(deps: HttpDeps, request: ApiRequest): Promise<ApiResponse> {
  const response = await deps.fetch(request.url, {
    method: request.method,
    headers: {
      ...request.headers,
      ...(request.body === undefined ? {} : { "content-type": request.contentType ?? "application/json" }),
    },
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
    signal: AbortSignal.timeout(deps.timeoutMs),
    redirect: "error",
  });
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text === "" ? null : JSON.parse(text);
  } catch {
    body = null;
  }
  return { status: response.status, body, headers: response.headers };
}

/**
 * Sends a request, waiting out rate limits while the wait fits within `maxWaitMs` in total, and
 * returns any 2xx answer, or a 404 when `allowNotFound` (a variable that does not exist yet). Every
 * other outcome is a `DeliveryError` that names what was being written and how to fix it.
 */
export async function callApi(
  deps: HttpDeps,
  request: ApiRequest,
  text: FailureText,
  options: { allowNotFound?: boolean } = {},
): Promise<ApiResponse> {
  let waited = 0;
  for (let attempt = 1; ; attempt++) {
    let response: ApiResponse;
    try {
      response = await send(deps, request);
    } catch (error) {
      const reason = error instanceof Error ? error.name : "network error";
      throw new DeliveryError(
        `${text.what} could not be written: the provider could not be reached (${reason})`,
        "unavailable",
        text.fixes.unavailable ?? DEFAULT_FIXES.unavailable,
        { cause: error },
      );
    }
    if (response.status >= 200 && response.status < 300) return response;
    if (response.status === 404 && options.allowNotFound) return response;
    if (isRateLimit(response)) {
      const seconds = retryAfterSeconds(response.headers) ?? 60;
      // A reset of 0 (or a fraction) must not turn into a burst of requests: wait a floor, try a few times.
      const waitMs = Math.max(seconds * 1000, MIN_WAIT_MS);
      if (attempt < MAX_ATTEMPTS && waited + waitMs <= deps.maxWaitMs) {
        waited += waitMs;
        await deps.sleep(waitMs);
        continue;
      }
      throw new DeliveryError(
        `${text.what} could not be written: the provider's rate limit lifts in ${seconds} s`,
        "rate-limited",
        text.fixes["rate-limited"] ?? DEFAULT_FIXES["rate-limited"],
        { retryAfterSeconds: seconds },
      );
    }
    const failure = failureOf(response.status);
    const said = providerMessage(response.body);
    throw new DeliveryError(
      `${text.what} could not be written: HTTP ${response.status}${said ? ` (${said})` : ""}`,
      failure,
      text.fixes[failure] ?? DEFAULT_FIXES[failure],
    );
  }
}

/** Joins an API base URL (with or without a trailing slash) and a path. */
export function apiUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}${path}`;
}
