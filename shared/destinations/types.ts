import type { Redacted } from "../redacted";

/**
 * Destinations: the places outside the member account where a user's new key is written so the
 * systems that use it (CI pipelines, Terraform runs) pick it up. Only the operator declares them,
 * in the deployment's configuration (never a tag: whoever may tag a user could otherwise send its
 * key anywhere).
 */

/** The key being delivered. The secret access key is only revealed inside a writer's request body. */
export interface KeyToDeliver {
  readonly accountId: string;
  readonly userName: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: Redacted<string>;
}

/** The two variable names a key is written under; `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` by default. */
export interface VariableNames {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export const DEFAULT_VARIABLE_NAMES: VariableNames = {
  accessKeyId: "AWS_ACCESS_KEY_ID",
  secretAccessKey: "AWS_SECRET_ACCESS_KEY",
};

/**
 * Writes a key to one destination. Idempotent: writing the same key again leaves the destination as
 * the first write did. Resolves once the provider acknowledged every write (keyrotor's "confirmed");
 * rejects with a `DeliveryError` otherwise.
 */
export interface DestinationWriter {
  deliver(key: KeyToDeliver): Promise<void>;
}

/**
 * Why a delivery failed, as the provider answered:
 * - `unauthorized`: the token is missing, wrong, expired or revoked (401);
 * - `forbidden`: the token is valid but may not write there (403 without a rate limit);
 * - `not-found`: the repository, project, context or workspace does not exist or the token cannot see it,
 *   or the configured apiUrl is not the API's own address (it answered with a redirect, refused);
 * - `rate-limited`: the provider asked to slow down for longer than keyrotor waits in one run;
 * - `rejected`: the provider refused the request itself (422, 400: a bad name, a masking rule);
 * - `unavailable`: network failure, timeout, a 5xx answer, or an answer over 1 MiB (refused unread).
 */
export type DeliveryFailure =
  | "unauthorized"
  | "forbidden"
  | "not-found"
  | "rate-limited"
  | "rejected"
  | "unavailable";

/**
 * A destination could not be written. `message` says what failed and `fix` what a person can do about
 * it; neither ever holds a token or a key (an HTTP provider's answer is told by its status in
 * keyrotor's words, never by its text). `status` is the provider's HTTP status, when it answered;
 * `refused` the names of the writer's own phrases for what the provider refused.
 */
export class DeliveryError extends Error {
  override readonly name = "DeliveryError";
  constructor(
    message: string,
    readonly failure: DeliveryFailure,
    readonly fix: string,
    options?: { cause?: unknown; retryAfterSeconds?: number; status?: number; refused?: readonly string[] },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.retryAfterSeconds = options?.retryAfterSeconds;
    this.status = options?.status;
    this.refused = options?.refused ?? [];
  }
  readonly retryAfterSeconds: number | undefined;
  readonly status: number | undefined;
  readonly refused: readonly string[];
}

/** What an HTTP destination's writer is built with: `fetch` and a clock to wait on, both replaceable in tests. */
export interface HttpDeps {
  readonly fetch: typeof globalThis.fetch;
  readonly sleep: (ms: number) => Promise<void>;
  /** The longest keyrotor waits in one run for a rate limit to lift before giving up until the next run. */
  readonly maxWaitMs: number;
  /** How long one request may take. */
  readonly timeoutMs: number;
}

export const DEFAULT_HTTP_DEPS: HttpDeps = {
  fetch: (...args) => globalThis.fetch(...args),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  maxWaitMs: 10_000,
  timeoutMs: 15_000,
};
