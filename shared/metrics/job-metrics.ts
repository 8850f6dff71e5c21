import type { Metrics } from "@aws-lambda-powertools/metrics";
import type { RotationJob } from "../messages";
import type { AccountReport } from "../rotation/report";
import { TimeBudgetError } from "../rotation/rotate-account";
import { publishAccountMetrics, publishFailedJob, UNADMITTED } from "./emit";
import { accountFigures } from "./figures";

/**
 * How many times SQS delivers a rotation job before its dead-letter queue (the rotation jobs queue's
 * `maxReceiveCount` in serverless.yml; a package test keeps the two equal).
 */
export const JOB_DELIVERIES = 3;

export interface JobMetricsSettings {
  /** Split every metric by account as well (docs/metrics.md: one custom metric per account and name). */
  readonly accountDimension: boolean;
}

/** The deployment's metrics settings, from the variables serverless.yml gives the rotator. */
export function jobMetricsSettings(env: Record<string, string | undefined>): JobMetricsSettings {
  return { accountDimension: env.METRICS_ACCOUNT_DIMENSION === "true" };
}

/**
 * An admitted job finished: its account's figures. An incident's job is left out: its report holds the
 * exposed key's user only, and counting it would add a part of the account to the day's totals.
 */
export function recordJobDone(
  metrics: Metrics,
  settings: JobMetricsSettings,
  job: RotationJob,
  report: AccountReport,
  startedAt: number,
): void {
  if (job.incident) return;
  publishAccountMetrics(
    metrics,
    { accountId: job.account.id, runId: job.runId, ...settings },
    accountFigures(report),
    { runAsOf: job.asOf, startedAt, endedAt: Date.now() },
  );
}

/**
 * A job attempt threw. Running out of time is not a failure (the job comes back for the users left);
 * anything else is, and on the last delivery the account counts as unreadable. `job` is absent when
 * the message was refused before admission: its account id is then not used.
 */
export function recordJobFailed(
  metrics: Metrics,
  settings: JobMetricsSettings,
  job: RotationJob | undefined,
  attempt: number,
  error: unknown,
): void {
  if (error instanceof TimeBudgetError) return;
  publishFailedJob(
    metrics,
    { accountId: job?.account.id ?? UNADMITTED, runId: job?.runId ?? UNADMITTED, ...settings },
    attempt >= JOB_DELIVERIES,
  );
}
