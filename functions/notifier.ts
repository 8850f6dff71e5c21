import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import sqsPartialBatchFailure from "@middy/sqs-partial-batch-failure";
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import { clientOptionsOf } from "../shared/aws/client-config";
import { LedgerAdapter } from "../shared/aws/ledger";
import { OrganizationsAdapter } from "../shared/aws/organizations";
import { SecretsAdapter } from "../shared/aws/secrets";
import { SesAdapter } from "../shared/aws/ses";
import { settleEach } from "../shared/concurrency";
import { startWithConfig } from "../shared/deployed-config";
import { DEFAULT_HTTP_DEPS } from "../shared/destinations/types";
import { createLogger, recordFailureLogger } from "../shared/logger";
import { noticeSchema, parseMessage, sqsEventOf } from "../shared/messages";
import { noticeDirectory } from "../shared/notices/deliver";
import { deliverFromOutbox } from "../shared/notices/deliver-outbox";

const logger = createLogger();
const { config } = startWithConfig(process.env, logger);
const aws = clientOptionsOf(config);
// Not a setting: the stack names the SES configuration set whose bounces and complaints raise alarms.
const ses = SesAdapter.create(aws, process.env.SES_CONFIGURATION_SET || undefined);
const ledger = LedgerAdapter.create(config.ledgerTable, aws);
const channels = {
  secrets: SecretsAdapter.create(aws),
  http: DEFAULT_HTTP_DEPS,
  // Not a setting: only the tests' local chat servers listen on plain http, and only they set it.
  allowLoopbackHttp: process.env.CHANNELS_ALLOW_LOOPBACK_HTTP === "true",
  nowSeconds: () => Math.floor(Date.now() / 1000),
};
const organization = OrganizationsAdapter.create(aws);
/** The ports of one batch: its directory reads each account's name and OUs once, for this batch only. */
const portsOfBatch = () => ({
  ledger,
  mail: ses,
  directory: noticeDirectory(organization, ledger),
  channels,
});

/**
 * One queued notice -> its emails through SES, from the ledger's outbox: the account's owner and each
 * user owner, looked up here rather than read from the message; marked sent once SES took them all. A
 * refusal throws: retried, then dead-lettered, and the next run queues the notice again.
 */
async function notifyRecord(ports: ReturnType<typeof portsOfBatch>, record: SQSRecord) {
  const notice = parseMessage(noticeSchema, "notices", record.body);
  logger.appendKeys({ accountId: notice.account.id, runId: notice.runId });
  try {
    const sent = await deliverFromOutbox(ports, config, notice, new Date());
    // A channel refused for good is not retried: an operator must fix it, so it is said loudly.
    if (sent.refused.length > 0) logger.error("channel refused the notice", { refused: sent.refused });
    logger.info(sent.alreadySent ? "notice already sent" : "notice sent", {
      noticeId: notice.noticeId,
      users: notice.users.length,
      ...sent,
    });
    return sent;
  } finally {
    logger.removeKeys(["accountId", "runId"]);
  }
}

const processBatch = middy((event: SQSEvent) => {
  const ports = portsOfBatch();
  return settleEach(event.Records, (record) => notifyRecord(ports, record));
})
  .use(injectLambdaContext(logger))
  .use(sqsPartialBatchFailure({ logger: recordFailureLogger(logger) }));

export const handler = async (event: unknown, context: Context) =>
  processBatch(sqsEventOf<SQSEvent>(event, "notifier"), context);
