import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { clientOptionsOf } from "../shared/aws/client-config";
import { OrganizationsAdapter } from "../shared/aws/organizations";
import { jobQueue, SqsAdapter } from "../shared/aws/sqs";
import { requireEnv } from "../shared/config";
import { startWithConfig } from "../shared/deployed-config";
import { MessageRefusedError } from "../shared/errors";
import { createLogger } from "../shared/logger";
import {
  configComplianceEventSchema,
  healthEventSchema,
  parseMessage,
  scheduledEventSchema,
} from "../shared/messages";
import { checkMessageTime } from "../shared/scheduling/admit";
import { exposureAsked } from "../shared/scheduling/health-event";
import {
  type ScheduleSummary,
  scheduleAccount,
  scheduleExposure,
  scheduleRun,
} from "../shared/scheduling/schedule-run";

const logger = createLogger();
// Validated once, at cold start: a bad setting fails the deployment's first run with its name.
const { config } = startWithConfig(process.env, logger);
const aws = clientOptionsOf(config);
const ports = {
  organization: OrganizationsAdapter.create(aws),
  jobs: jobQueue(SqsAdapter.create(aws), requireEnv(process.env, "JOBS_QUEUE_URL")),
  log: logger,
};

/**
 * EventBridge schedule -> one rotation job per in-scope account; an `access-keys-rotated` rule turning
 * NON_COMPLIANT -> a job for that account now; AWS Health's exposed-credentials event -> a job per
 * exposed key for that account now. The run's instant is the event's `time`.
 */
async function schedule(event: unknown): Promise<ScheduleSummary | { ignored: string }> {
  const body = JSON.stringify(event);
  const kind = (event as { "detail-type"?: unknown } | null)?.["detail-type"];
  if (kind === "AWS Health Event") return exposure(body);
  if (kind !== "Config Rules Compliance Change") {
    const scheduled = parseMessage(scheduledEventSchema, "schedule event", body);
    const asOf = new Date(scheduled.time);
    checkMessageTime(`schedule event ${scheduled.id}`, asOf, new Date(), config.maxJobAgeHours);
    return scheduleRun(ports, config, { runId: scheduled.id, asOf });
  }
  const change = parseMessage(configComplianceEventSchema, "Config compliance event", body);
  const run = { runId: change.id, asOf: new Date(change.time) };
  checkMessageTime(`Config event ${change.id}`, run.asOf, new Date(), config.maxJobAgeHours);
  const { awsAccountId, configRuleName, newEvaluationResult } = change.detail;
  // The detail is the sender's to write: an account may ask only for its own run.
  if (awsAccountId !== change.account) {
    throw new MessageRefusedError(
      `Config event ${change.id} from account ${change.account} names account ${awsAccountId}: refused`,
    );
  }
  if (
    newEvaluationResult.complianceType !== "NON_COMPLIANT" ||
    !configRuleName.includes("access-keys-rotated")
  ) {
    const ignored = `${configRuleName} is ${newEvaluationResult.complianceType} for ${awsAccountId}`;
    logger.info("config event ignored", { ignored });
    return { ignored };
  }
  return scheduleAccount(ports, config, run, awsAccountId);
}

/** AWS Health found an access key exposed: a job per key for that account now, which revokes it once replaced. */
async function exposure(body: string): Promise<ScheduleSummary | { ignored: string }> {
  const event = parseMessage(healthEventSchema, "Health event", body);
  const asOf = new Date(event.time);
  checkMessageTime(`Health event ${event.id}`, asOf, new Date(), config.maxJobAgeHours);
  const asked = exposureAsked(event);
  if (!("keyIds" in asked)) {
    logger.info("health event ignored", { ignored: asked.ignored });
    return { ignored: asked.ignored };
  }
  if (asked.ignored.length > 0) logger.warn("health event entities ignored", { ignored: asked.ignored });
  const run = { runId: event.id, asOf, source: event.detail.eventArn };
  return scheduleExposure(ports, config, run, asked.accountId, asked.keyIds);
}

export const handler = middy(schedule).use(injectLambdaContext(logger));
