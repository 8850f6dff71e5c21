import {
  DEFAULT_FIXES,
  failureOf,
  REDIRECT_WORDS,
  redirectFix,
  statusWords,
  tooLargeFix,
} from "./failure-words";
import { type ApiRequest, type ApiResponse, send } from "./http-send";
import { isRateLimit, retryAfterSeconds } from "./rate-limit";
import { DeliveryError, type DeliveryFailure, type HttpDeps } from "./types";

export type { ApiRequest, ApiResponse } from "./http-send";
export { retryAfterSeconds } from "./rate-limit";

/**
 * What a writer can tell from a refusal's body, said in keyrotor's words: `phrases` holds keyrotor's
 * phrase for each name, `recognise` names what a body shows. Only phrases of names `phrases` holds
 * reach a message, so whatever `recognise` returns, no provider text does.
 */
export interface Refusals {
  readonly phrases: Readonly<Record<string, string>>;
  recognise(body: unknown): readonly string[];
}

/** How a provider's failures read to a person: what was being written, and how to fix each failure. */
export interface FailureText {
  /** What was being written, e.g. `GitHub secret AWS_ACCESS_KEY_ID of repository org/app`. */
  readonly what: string;
  readonly fixes: Readonly<Partial<Record<DeliveryFailure, string>>>;
  readonly refusals?: Refusals;
}

/** The least keyrotor waits after a rate-limited answer, and how many answers it takes in one call. */
const MIN_WAIT_MS = 250;
const MAX_ATTEMPTS = 5;
/** A rate limit reads as lifting within a day at most: the figure is the provider's, so it is bounded. */
const MAX_SHOWN_WAIT_S = 86_400;

/** The names of `refusals` a body shows, taken from keyrotor's own table. */
function refusedIn(refusals: Refusals | undefined, body: unknown): string[] {
  if (!refusals) return [];
  const said = new Set(refusals.recognise(body));
  return Object.keys(refusals.phrases).filter((name) => said.has(name));
}

/** The error for an answer that is not a success, in keyrotor's words and the status alone. */
function refused(text: FailureText, response: ApiResponse): DeliveryError {
  const failure = failureOf(response.status);
  const names = refusedIn(text.refusals, response.body);
  const fields = names.map((name) => text.refusals?.phrases[name]).join(", ");
  return new DeliveryError(
    `${text.what} could not be written: HTTP ${response.status} (${statusWords(response.status)}${fields ? `; refused fields: ${fields}` : ""})`,
    failure,
    text.fixes[failure] ?? DEFAULT_FIXES[failure],
    { status: response.status, refused: names },
  );
}

/**
 * Sends a request, waiting out rate limits while the wait fits within `maxWaitMs` in total, and
 * returns any 2xx answer, or a 404 when `allowNotFound` (a variable that does not exist yet). Every
 * other outcome is a `DeliveryError` that names what was being written and how to fix it, in
 * keyrotor's words: no text of the provider's answer is ever part of it.
 */
export async function callApi(
  deps: HttpDeps,
  request: ApiRequest,
  text: FailureText,
  options: { allowNotFound?: boolean } = {},
): Promise<ApiResponse> {
  const failed = (why: string, failure: DeliveryFailure, fix: string) =>
    new DeliveryError(`${text.what} could not be written: ${why}`, failure, fix);
  const origin = URL.canParse(request.url) ? new URL(request.url).origin : "as configured";
  let waited = 0;
  for (let attempt = 1; ; attempt++) {
    const sent = await send(deps, request);
    if (sent.kind === "unreachable") {
      throw failed(
        `the provider could not be reached (${sent.reason})`,
        "unavailable",
        text.fixes.unavailable ?? DEFAULT_FIXES.unavailable,
      );
    }
    if (sent.kind === "too-large") {
      throw failed(
        "the provider's answer was larger than 1 MiB (refused)",
        "unavailable",
        tooLargeFix(origin),
      );
    }
    // A redirect says the apiUrl is not the API's own address: a configuration to fix, not an outage.
    if (sent.kind === "redirect") throw failed(REDIRECT_WORDS[sent.to], "not-found", redirectFix(origin));
    const { response } = sent;
    if (response.status >= 200 && response.status < 300) return response;
    if (response.status === 404 && options.allowNotFound) return response;
    if (!isRateLimit(response)) throw refused(text, response);
    const exact = Math.min(retryAfterSeconds(response.headers) ?? 60, MAX_SHOWN_WAIT_S);
    const seconds = Math.ceil(exact);
    // A reset of 0 (or a fraction) must not turn into a burst of requests: wait a floor, try a few times.
    const waitMs = Math.max(exact * 1000, MIN_WAIT_MS);
    if (attempt < MAX_ATTEMPTS && waited + waitMs <= deps.maxWaitMs) {
      waited += waitMs;
      await deps.sleep(waitMs);
      continue;
    }
    throw new DeliveryError(
      `${text.what} could not be written: the provider's rate limit lifts in ${seconds} s`,
      "rate-limited",
      text.fixes["rate-limited"] ?? DEFAULT_FIXES["rate-limited"],
      { retryAfterSeconds: seconds, status: response.status },
    );
  }
}

/** Joins an API base URL (with or without a trailing slash) and a path. */
export function apiUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}${path}`;
}
