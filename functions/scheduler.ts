import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { clientOptionsOf } from "../shared/aws/client-config";
import { OrganizationsAdapter } from "../shared/aws/organizations";
import { jobQueue, SqsAdapter } from "../shared/aws/sqs";
import { configFromEnv, requireEnv } from "../shared/config";
import { createLogger } from "../shared/logger";
import { parseMessage, scheduledEventSchema } from "../shared/messages";
import { type ScheduleSummary, scheduleRun } from "../shared/scheduling/schedule-run";

const logger = createLogger();
// Validated once, at cold start: a bad setting fails the deployment's first run with its name.
const config = configFromEnv(process.env);
const aws = clientOptionsOf(config);
const ports = {
  organization: OrganizationsAdapter.create(aws),
  jobs: jobQueue(SqsAdapter.create(aws), requireEnv(process.env, "JOBS_QUEUE_URL")),
  log: logger,
};

/** EventBridge schedule -> one rotation job per in-scope account. The run's instant is the event's `time`. */
async function schedule(event: unknown): Promise<ScheduleSummary> {
  const scheduled = parseMessage(scheduledEventSchema, "schedule event", JSON.stringify(event));
  return scheduleRun(ports, config, { runId: scheduled.id, asOf: new Date(scheduled.time) });
}

export const handler = middy(schedule).use(injectLambdaContext(logger));
