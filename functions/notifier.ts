import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import sqsPartialBatchFailure from "@middy/sqs-partial-batch-failure";
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import { clientOptionsOf } from "../shared/aws/client-config";
import { LedgerAdapter } from "../shared/aws/ledger";
import { OrganizationsAdapter } from "../shared/aws/organizations";
import { SesAdapter } from "../shared/aws/ses";
import { settleEach } from "../shared/concurrency";
import { configFromEnv } from "../shared/config";
import { createLogger, recordFailureLogger } from "../shared/logger";
import { noticeSchema, parseMessage, sqsEventOf } from "../shared/messages";
import { deliverNotice, noticeDirectory } from "../shared/notices/deliver";

const logger = createLogger();
const config = configFromEnv(process.env);
const aws = clientOptionsOf(config);
const ses = SesAdapter.create(aws);
const directory = noticeDirectory(
  OrganizationsAdapter.create(aws),
  LedgerAdapter.create(config.ledgerTable, aws),
);

/**
 * One notice -> its emails through SES: the account's owner and each user owner, looked up here rather
 * than read from the message. A refusal throws: retried, then dead-lettered.
 */
async function notifyRecord(record: SQSRecord) {
  const notice = parseMessage(noticeSchema, "notices", record.body);
  logger.appendKeys({ accountId: notice.account.id, runId: notice.runId });
  try {
    const sent = await deliverNotice(ses, directory, config, notice);
    logger.info("notice sent", { users: notice.users.length, ...sent });
    return sent;
  } finally {
    logger.removeKeys(["accountId", "runId"]);
  }
}

const processBatch = middy((event: SQSEvent) => settleEach(event.Records, notifyRecord))
  .use(injectLambdaContext(logger))
  .use(sqsPartialBatchFailure({ logger: recordFailureLogger(logger) }));

export const handler = async (event: unknown, context: Context) =>
  processBatch(sqsEventOf<SQSEvent>(event, "notifier"), context);
