import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import sqsPartialBatchFailure from "@middy/sqs-partial-batch-failure";
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import { clientOptionsOf } from "../shared/aws/client-config";
import { keyPorts } from "../shared/aws/destination-writers";
import { EventBridgeAdapter } from "../shared/aws/eventbridge";
import { LedgerAdapter } from "../shared/aws/ledger";
import { memberAccountOpener } from "../shared/aws/member-account";
import { OrganizationsAdapter } from "../shared/aws/organizations";
import { SecurityHubAdapter } from "../shared/aws/securityhub";
import { noticeQueue, SqsAdapter } from "../shared/aws/sqs";
import { StsAdapter } from "../shared/aws/sts";
import { settleEach } from "../shared/concurrency";
import { requireEnv } from "../shared/config";
import { startWithConfig } from "../shared/deployed-config";
import { rotateJob } from "../shared/jobs/rotate-job";
import { createLogger, recordFailureLogger } from "../shared/logger";
import { parseMessage, type RotationJob, rotationJobSchema, sqsEventOf } from "../shared/messages";
import { createMetrics } from "../shared/metrics/emit";
import { jobMetricsSettings, recordJobDone, recordJobFailed } from "../shared/metrics/job-metrics";
import { ouChainOnce } from "../shared/policies/ou-chain";
import { summarize } from "../shared/rotation";
import { admitJob } from "../shared/scheduling/admit";

const logger = createLogger();
const { config } = startWithConfig(process.env, logger);
const aws = clientOptionsOf(config);
const sts = StsAdapter.create(aws);
const memberRole = { partition: process.env.AWS_PARTITION ?? "aws", roleName: config.memberRoleName };
const ledger = LedgerAdapter.create(config.ledgerTable, aws);
const ports = {
  openAccount: memberAccountOpener(sts, memberRole, aws),
  keys: keyPorts(sts, memberRole, aws, ledger),
  ledger,
  notices: noticeQueue(SqsAdapter.create(aws), requireEnv(process.env, "NOTICES_QUEUE_URL")),
  log: logger,
  ...(config.securityHubFindings ? { findings: SecurityHubAdapter.create(() => sts.whoAmI(), aws) } : {}),
  ...(config.lifecycleEvents.enabled ? { events: EventBridgeAdapter.create(aws) } : {}),
};
const organization = OrganizationsAdapter.create(aws);
const metrics = createMetrics(process.env);
const metricsSettings = jobMetricsSettings(process.env);

/**
 * Time kept back when the rotator stops starting users: enough for the users in flight to finish the
 * call each is making and for the notice to be queued, each call ending within awsCallDeadlineSeconds
 * however AWS answers.
 */
const RESERVE_MS = Math.max(60_000, config.awsCallDeadlineSeconds * 1000 * 2);

/**
 * One rotation job: checked against the clock, Organizations and the scope (a queue message is never
 * trusted), its account's users reconciled, its owner's notice queued. Throws to retry.
 */
async function rotateRecord(record: SQSRecord, context: Context) {
  const startedAt = Date.now();
  const attempt = Number(record.attributes?.ApproximateReceiveCount ?? 1) || 1;
  const received = parseMessage(rotationJobSchema, "rotation-jobs", record.body);
  logger.appendKeys({ accountId: received.account.id, runId: received.runId });
  let admitted: RotationJob | undefined;
  try {
    const ancestorsOf = ouChainOnce((id) => organization.ancestorsOf(id));
    const job = await admitJob(
      { describeAccount: (id) => organization.describeAccount(id), ancestorsOf },
      config,
      received,
      new Date(),
    );
    admitted = job;
    const { report, noticeSent, events } = await rotateJob({ ...ports, ancestorsOf }, config, job, {
      attempt,
      shouldStop: () => context.getRemainingTimeInMillis() < RESERVE_MS,
    });
    logger.info("job done", { ...summarize(report), noticeSent, ...(events ? { events } : {}) });
    recordJobDone(metrics, metricsSettings, job, report, startedAt);
    return report.failedUsers;
  } catch (error) {
    recordJobFailed(metrics, metricsSettings, admitted, attempt, error);
    throw error;
  } finally {
    logger.removeKeys(["accountId", "runId"]);
  }
}

const processBatch = middy((event: SQSEvent, context: Context) =>
  settleEach(event.Records, (record) => rotateRecord(record, context)),
)
  .use(injectLambdaContext(logger))
  .use(sqsPartialBatchFailure({ logger: recordFailureLogger(logger) }));

export const handler = async (event: unknown, context: Context) =>
  processBatch(sqsEventOf<SQSEvent>(event, "rotator"), context);
