import type { DeliveryFailure } from "./types";

/**
 * keyrotor's own words for what went wrong with a provider's API. A delivery error is stored in the
 * ledger, logged, reported and mailed to the user's owner (whom whoever may tag the user chooses), so
 * it is built only from these words, the status, and keyrotor's configuration: never from a
 * provider's text, which may repeat the token or the value being written.
 */

export const DEFAULT_FIXES: Readonly<Record<DeliveryFailure, string>> = {
  unauthorized: "replace the API token in keyrotor's token secret with a valid one",
  forbidden: "give the token permission to write variables there",
  "not-found": "check the destination's name in keyrotor's configuration, and that the token can see it",
  "rate-limited": "nothing: keyrotor retries on its next run",
  rejected: "check the destination's settings (variable names, options) in keyrotor's configuration",
  unavailable: "nothing if the provider is having an outage: keyrotor retries on its next run",
};

const STATUS_WORDS: Readonly<Record<number, string>> = {
  400: "the request was refused as malformed",
  401: "the token was refused",
  403: "the token may not do this",
  404: "not found, or not visible to the token",
  409: "it conflicts with what is there",
  422: "the request was refused as invalid",
};

/** What an HTTP status means, in keyrotor's words. */
export function statusWords(status: number): string {
  const known = STATUS_WORDS[status];
  if (known) return known;
  if (status >= 500) return "the provider failed";
  if (status >= 400) return "the request was refused";
  return "an answer keyrotor does not expect";
}

/** The failure an HTTP status stands for. */
export function failureOf(status: number): DeliveryFailure {
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 404) return "not-found";
  if (status >= 500) return "unavailable";
  return "rejected";
}

/** Where a refused redirect led, as far as keyrotor tells: never the `Location` itself. */
export type RedirectTarget = "other-origin" | "same-origin" | "unknown";

export const REDIRECT_WORDS: Readonly<Record<RedirectTarget, string>> = {
  "other-origin": "the provider redirected to another origin (refused)",
  "same-origin": "the provider redirected within its own origin (refused)",
  unknown: "the provider answered with a redirect (refused)",
};

/** How to fix a redirect: the API's own address, which keyrotor's configuration holds. */
export function redirectFix(origin: string): string {
  return `check the destination's apiUrl (${origin}) in keyrotor's configuration: it must be the API's own address, as keyrotor follows no redirect (one would carry the token elsewhere)`;
}

/** How to fix an answer too large to be the API's. */
export function tooLargeFix(origin: string): string {
  return `check the destination's apiUrl (${origin}) in keyrotor's configuration: no answer of the API is that large; keyrotor retries on its next run`;
}

/** System error codes of a failed connection, in keyrotor's words. */
const TRANSPORT_WORDS: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection closed by the provider",
  EPIPE: "connection closed by the provider",
  UND_ERR_SOCKET: "connection closed by the provider",
  ENOTFOUND: "host name not found",
  EAI_AGAIN: "host name not resolved",
  ETIMEDOUT: "connection timed out",
  UND_ERR_CONNECT_TIMEOUT: "connection timed out",
  UND_ERR_HEADERS_OVERFLOW: "the answer's headers were too large",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
};

/**
 * Why a request got no answer, in keyrotor's words, from the error's name and system codes alone
 * (the transport's messages may hold bytes of the answer: a parser error keeps them).
 */
export function transportWords(error: unknown, timeoutMs: number): string {
  let at: unknown = error;
  for (let depth = 0; depth < 5 && at instanceof Error; depth++, at = at.cause) {
    if (at.name === "TimeoutError" || at.name === "AbortError") {
      return `no whole answer within ${timeoutMs / 1000} s`;
    }
    const code = (at as { code?: unknown }).code;
    if (typeof code !== "string") continue;
    if (Object.hasOwn(TRANSPORT_WORDS, code)) return TRANSPORT_WORDS[code] as string;
    if (code.startsWith("HPE_")) return "the answer was not valid HTTP";
    if (/CERT|SSL|TLS|UNABLE_TO_VERIFY|SELF_SIGNED/.test(code))
      return "the provider's TLS certificate was not accepted";
  }
  return "network error";
}
