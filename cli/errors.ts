import { AwsCallError, ConfigError, describeError, LedgerMissingError } from "../shared/errors";

/** The command's exit codes; the help text and the README list them. */
export const EXIT = {
  ok: 0,
  /** Some account, user or notice failed, or an AWS call failed for another reason than the set-up. */
  failed: 1,
  /** Usage, configuration or environment error: nothing was attempted, or the set-up must change. */
  setup: 2,
} as const;

/** Bad command-line usage: unknown command or option, missing or malformed value. Exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
  /** The usage text of the command that was given, shown after the message. */
  readonly usage: string;
  constructor(message: string, usage: string, options?: { cause?: unknown }) {
    super(message, options);
    this.usage = usage;
  }
}

/**
 * The machine is not set up to run the command: no credentials or region, a credential_process that
 * would start keyrotor again, a secret that does not exist or may not be read. Exit code 2.
 */
export class EnvironmentError extends Error {
  override readonly name = "EnvironmentError";
}

/** AWS error codes that mean the caller's own credentials were refused, not that AWS failed. */
const REFUSED_CREDENTIALS =
  /^(ExpiredToken|ExpiredTokenException|InvalidClientTokenId|UnrecognizedClientException|InvalidSignatureException|SignatureDoesNotMatch|CredentialsProviderError)$/;

/** The exit code and the one-line message for an error that ended a command. */
export function failureOf(error: unknown): { code: number; message: string } {
  const { name, message } = describeError(error);
  if (error instanceof UsageError) return { code: EXIT.setup, message: `${message}\n\n${error.usage}` };
  if (
    error instanceof ConfigError ||
    error instanceof EnvironmentError ||
    error instanceof LedgerMissingError
  ) {
    return { code: EXIT.setup, message };
  }
  if (error instanceof AwsCallError && REFUSED_CREDENTIALS.test(error.code)) {
    return {
      code: EXIT.setup,
      message: `AWS refused the credentials: ${message} (check the profile, or refresh its session)`,
    };
  }
  return { code: EXIT.failed, message: `${name}: ${message}` };
}
