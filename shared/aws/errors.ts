import { AwsCallError } from "../errors";

interface SdkErrorShape {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
}

/**
 * The AWS error code of an SDK v3 error (`NoSuchEntity`, `ThrottlingException` ...), or a Node
 * network error code (`ECONNREFUSED`).
 */
export function awsErrorCode(error: unknown): string {
  const e = (error ?? {}) as SdkErrorShape;
  for (const candidate of [e.Code, e.code, e.name]) {
    if (typeof candidate === "string" && candidate !== "" && candidate !== "Error") return candidate;
  }
  return "UnknownError";
}

/** True when the SDK error is the named AWS error; SDK class names may add an `Exception` suffix. */
export function isAwsError(error: unknown, code: string): boolean {
  const e = (error ?? {}) as SdkErrorShape;
  return [e.Code, e.code, e.name].some((c) => c === code || c === `${code}Exception`);
}

/**
 * Runs one SDK call and maps its failure to an `AwsCallError` naming service and operation.
 * Retries are the SDK's (adaptive mode); this only gives the failure a name.
 */
export async function call<T>(service: string, operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof AwsCallError) throw error;
    const message = (error as SdkErrorShape | undefined)?.message ?? String(error);
    throw new AwsCallError(service, operation, awsErrorCode(error), message, { cause: error });
  }
}

/**
 * An AWS call that did not end within its deadline, its attempts and the waits between them together
 * (`awsCallDeadlineSeconds`). Its code, `CallTimeout`, makes it what any timed-out call is: a failure,
 * retryable, never an answer.
 */
export class AwsDeadlineError extends AwsCallError {
  constructor(
    service: string,
    operation: string,
    readonly deadlineMs: number,
    options?: { cause?: unknown },
  ) {
    super(
      service,
      operation,
      "CallTimeout",
      `no answer within the call's deadline of ${deadlineMs / 1000} s, all attempts together`,
      options,
    );
  }
}
