import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { AccountFigures } from "./figures";

/** The namespace when `POWERTOOLS_METRICS_NAMESPACE` is not set (serverless.yml sets `keyrotor-<stage>`). */
export const DEFAULT_NAMESPACE = "keyrotor";

/** Every metric keyrotor emits, by figure: its CloudWatch name and unit (docs/metrics.md). */
export const ACCOUNT_METRICS = {
  oldestActiveKeyAgeDays: { name: "OldestActiveKeyAgeDays", unit: MetricUnit.Count },
  keysPastRotation: { name: "KeysPastRotation", unit: MetricUnit.Count },
  mostDaysPastRotation: { name: "MostDaysPastRotation", unit: MetricUnit.Count },
  keysPastDeactivationActive: { name: "KeysPastDeactivationActive", unit: MetricUnit.Count },
  heldUsers: { name: "HeldUsers", unit: MetricUnit.Count },
  blockedUsers: { name: "BlockedUsers", unit: MetricUnit.Count },
  failedDeliveries: { name: "FailedDeliveries", unit: MetricUnit.Count },
  failedUsers: { name: "FailedUsers", unit: MetricUnit.Count },
} as const satisfies Record<keyof AccountFigures, { name: string; unit: string }>;

export const JOB_METRICS = {
  accountsRotated: { name: "AccountsRotated", unit: MetricUnit.Count },
  jobDuration: { name: "JobDuration", unit: MetricUnit.Seconds },
  runDuration: { name: "RunDuration", unit: MetricUnit.Seconds },
  failedJobs: { name: "FailedJobs", unit: MetricUnit.Count },
  unreadableAccounts: { name: "UnreadableAccounts", unit: MetricUnit.Count },
} as const;

/** The dimension that splits a metric by account, when the deployment asks for it. */
export const ACCOUNT_DIMENSION = "accountId";

/** The Powertools metrics of one function: `service: keyrotor` is the one dimension every record has. */
export function createMetrics(env: Record<string, string | undefined>): Metrics {
  return new Metrics({
    namespace: env.POWERTOOLS_METRICS_NAMESPACE || DEFAULT_NAMESPACE,
    serviceName: "keyrotor",
  });
}

/** Which job a record is about. Only what admission checked: the account id and run id, never a tag. */
export interface JobIdentity {
  readonly accountId: string;
  readonly runId: string;
  /** With true, each metric is also split by `accountId` (one custom metric per account and name). */
  readonly accountDimension: boolean;
}

const ACCOUNT_ID = /^\d{12}$/;

/** The account of a job that failed before admission: its message's account id is not to be trusted. */
export const UNADMITTED = "unadmitted";

/**
 * The record's dimensions: `[service]` always, so CloudWatch's Sum and Maximum over a day add the
 * accounts up to the run's totals; `[service, accountId]` besides when configured. The account id is
 * otherwise a plain property of the record, queryable in Logs Insights at no metric cost.
 */
function identify(metrics: Metrics, job: JobIdentity): void {
  metrics.addMetadata("runId", job.runId);
  const accountId = ACCOUNT_ID.test(job.accountId) ? job.accountId : UNADMITTED;
  if (!job.accountDimension) {
    metrics.addMetadata(ACCOUNT_DIMENSION, accountId);
    return;
  }
  metrics.addDimensions({});
  metrics.addDimensions({ [ACCOUNT_DIMENSION]: accountId });
}

/** Timing of a job: when the run was scheduled, when this attempt started and ended (epoch ms). */
export interface JobTiming {
  readonly runAsOf: string;
  readonly startedAt: number;
  readonly endedAt: number;
}

/** One EMF record for an account whose job finished: its figures, its duration, the run's so far. */
export function publishAccountMetrics(
  metrics: Metrics,
  job: JobIdentity,
  figures: AccountFigures,
  timing: JobTiming,
): void {
  identify(metrics, job);
  for (const [figure, { name, unit }] of Object.entries(ACCOUNT_METRICS)) {
    metrics.addMetric(name, unit, figures[figure as keyof AccountFigures]);
  }
  const seconds = (ms: number) => Math.max(0, Math.round(ms / 1000));
  metrics.addMetric(JOB_METRICS.accountsRotated.name, JOB_METRICS.accountsRotated.unit, 1);
  metrics.addMetric(
    JOB_METRICS.jobDuration.name,
    JOB_METRICS.jobDuration.unit,
    seconds(timing.endedAt - timing.startedAt),
  );
  metrics.addMetric(
    JOB_METRICS.runDuration.name,
    JOB_METRICS.runDuration.unit,
    seconds(timing.endedAt - Date.parse(timing.runAsOf)),
  );
  metrics.publishStoredMetrics();
}

/**
 * One EMF record for a job attempt that threw: `FailedJobs` always, `UnreadableAccounts` when it was
 * the job's last delivery (SQS moves it to the dead-letter queue next).
 */
export function publishFailedJob(metrics: Metrics, job: JobIdentity, lastAttempt: boolean): void {
  identify(metrics, job);
  metrics.addMetric(JOB_METRICS.failedJobs.name, JOB_METRICS.failedJobs.unit, 1);
  metrics.addMetric(
    JOB_METRICS.unreadableAccounts.name,
    JOB_METRICS.unreadableAccounts.unit,
    lastAttempt ? 1 : 0,
  );
  metrics.publishStoredMetrics();
}
