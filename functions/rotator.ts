import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import sqsPartialBatchFailure from "@middy/sqs-partial-batch-failure";
import type { SQSEvent, SQSRecord } from "aws-lambda";
import { memberAccountOpener } from "../shared/aws/member-account";
import { noticeQueue, SqsAdapter } from "../shared/aws/sqs";
import { StsAdapter } from "../shared/aws/sts";
import { settleEach } from "../shared/concurrency";
import { configFromEnv, requireEnv } from "../shared/config";
import { createLogger, recordFailureLogger } from "../shared/logger";
import { parseMessage, rotationJobSchema } from "../shared/messages";
import { summarize } from "../shared/rotation";
import { rotateJob } from "../shared/rotation/rotate-job";

const logger = createLogger();
const config = configFromEnv(process.env);
const ports = {
  openAccount: memberAccountOpener(StsAdapter.create(), {
    partition: process.env.AWS_PARTITION ?? "aws",
    roleName: config.memberRoleName,
  }),
  notices: noticeQueue(SqsAdapter.create(), requireEnv(process.env, "NOTICES_QUEUE_URL")),
  log: logger,
};

/** One rotation job: its account's users reconciled, its owner's notice queued. Throws to retry. */
async function rotateRecord(record: SQSRecord) {
  const job = parseMessage(rotationJobSchema, "rotation-jobs", record.body);
  logger.appendKeys({ accountId: job.account.id, runId: job.runId });
  try {
    const { report, noticeSent } = await rotateJob(ports, config, job);
    logger.info("job done", { ...summarize(report), noticeSent });
    return report.failedUsers;
  } finally {
    logger.removeKeys(["accountId", "runId"]);
  }
}

export const handler = middy((event: SQSEvent) => settleEach(event.Records, rotateRecord))
  .use(injectLambdaContext(logger))
  .use(sqsPartialBatchFailure({ logger: recordFailureLogger(logger) }));
