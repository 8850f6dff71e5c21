import type { ApiResponse } from "./http-send";

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
export function isRateLimit(response: ApiResponse): boolean {
  if (response.status === 429) return true;
  return (
    response.status === 403 &&
    (response.headers.get("x-ratelimit-remaining") === "0" || response.headers.get("retry-after") !== null)
  );
}
