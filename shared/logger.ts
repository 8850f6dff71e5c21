import { Logger } from "@aws-lambda-powertools/logger";
import type { SQSRecord } from "aws-lambda";
import { describeError } from "./errors";

/** The structured JSON logger every function shares: `serviceName: keyrotor`. */
export function createLogger(): Logger {
  return new Logger({ serviceName: "keyrotor" });
}

/** For `@middy/sqs-partial-batch-failure`: logs a failed record by id and error, never its body. */
export function recordFailureLogger(logger: Logger) {
  return (reason: unknown, record: SQSRecord) =>
    logger.error("record failed", { messageId: record.messageId, error: describeError(reason) });
}
