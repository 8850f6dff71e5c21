/**
 * keyrotor's named errors. Every one carries a message that names the problem and, where it wraps
 * another failure, that failure as `cause`. None ever carries a secret.
 */

/** Configuration that cannot be used: unknown keys, bad values, inverted thresholds. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/**
 * Error codes that say nothing of the request: AWS throttling or failing for a moment, an answer that
 * did not come in time (the SDK's request timeout is `TimeoutError` with code `ETIMEDOUT`, the call's
 * deadline `CallTimeout`), a connection that failed or dropped.
 */
const TRANSIENT =
  /Throttl|TooManyRequests|RequestLimitExceeded|ServiceUnavailable|InternalFailure|InternalServiceError|InternalError|Timeout|ETIMEDOUT|ECONNREFUSED|ECONNRESET|EPIPE|NetworkingError|socket hang up/i;

/** True when an AWS or network error code is one of a moment's failure, worth asking again. */
export function isTransientCode(code: string): boolean {
  return TRANSIENT.test(code);
}

/** An AWS call failed after the SDK's own retries. `code` is the AWS error code when there is one. */
export class AwsCallError extends Error {
  override readonly name = "AwsCallError";
  constructor(
    readonly service: string,
    readonly operation: string,
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${service} ${operation} failed (${code}): ${message}`, options);
  }

  /** Throttling, server faults, timeouts, dropped connections: worth retrying later, not a verdict on the input. */
  get retryable(): boolean {
    return isTransientCode(this.code);
  }
}

/** Input about one user that keyrotor refuses to act on, such as a malformed reader ARN in a tag. */
export class UserInputError extends Error {
  override readonly name = "UserInputError";
}

/** The new key's secret could not be written; the key was (or could not be) rolled back. */
export class SecretWriteError extends Error {
  override readonly name = "SecretWriteError";
}

/** A failure as reports, notices and logs carry it: its name and message, never its cause or stack. */
export interface ErrorReport {
  readonly name: string;
  readonly message: string;
}

/** A short, secret-free description of any thrown value, for reports and logs. */
export function describeError(error: unknown): ErrorReport {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "Error", message: String(error) };
}

/** The ledger table does not exist: the stack was not deployed here, or the CLI's ledger was never created. */
export class LedgerMissingError extends Error {
  override readonly name = "LedgerMissingError";
}

/** A queue message or event keyrotor refuses to act on: out of scope, from the future, or too old. */
export class MessageRefusedError extends Error {
  override readonly name = "MessageRefusedError";
}

/** A new access key did not sign in as its user within the time IAM takes to make keys usable. */
export class KeyVerificationError extends Error {
  override readonly name = "KeyVerificationError";
}

/** A row of a credential report that could not be read for certain: its line (the header is 1) and why. */
export interface UnreadableRow {
  readonly line: number;
  readonly problem: string;
}

/**
 * Rows of an account's credential report could not be read for certain, so the report cannot be
 * trusted to show every user and key: whoever reads it lists the account's users through IAM instead.
 */
export class CredentialReportError extends Error {
  override readonly name = "CredentialReportError";
  constructor(
    readonly accountId: string,
    readonly rows: readonly UnreadableRow[],
  ) {
    super(`the credential report of account ${accountId} could not be read: ${describeRows(rows)}`);
  }
}

/** "2 rows (line 3: why; line 7: why)", the first three named: the words a report or a notice shows. */
export function describeRows(rows: readonly UnreadableRow[]): string {
  const named = rows.slice(0, 3).map((r) => `line ${r.line}: ${r.problem}`);
  const more = rows.length > named.length ? `; ${rows.length - named.length} more` : "";
  return `${rows.length} ${rows.length === 1 ? "row" : "rows"} (${named.join("; ")}${more})`;
}
