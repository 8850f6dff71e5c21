import type { ChannelPorts } from "../shared/channels/deliver";
import { mapWithConcurrency } from "../shared/concurrency";
import type { Config } from "../shared/config";
import { describeError, type ErrorReport } from "../shared/errors";
import type { EventsPort } from "../shared/events/publish";
import type { IncidentRequest } from "../shared/incidents/request";
import { rotateJob } from "../shared/jobs/rotate-job";
import type { LedgerPort, OutboxPort } from "../shared/ledger/records";
import type { Notice, RotationJob } from "../shared/messages";
import { type MailPort, noticeDirectory } from "../shared/notices/deliver";
import { deliverFromOutbox } from "../shared/notices/deliver-outbox";
import { ouChainOnce } from "../shared/policies/ou-chain";
import type { AccountOpener, Log } from "../shared/rotation";
import type { KeyPorts } from "../shared/rotation/ports";
import type { AccountReport } from "../shared/rotation/report";
import { type OrganizationPort, type Run, scheduleRun } from "../shared/scheduling/schedule-run";

export interface SweepPorts {
  readonly organization: OrganizationPort;
  readonly openAccount: AccountOpener;
  readonly ledger: LedgerPort & OutboxPort;
  /** `null`: notices are composed but not sent, and nothing is written (plan). */
  readonly mail: MailPort | null;
  readonly log: Log;
  /** Verification and delivery of new keys (enforce runs). */
  readonly keys?: KeyPorts;
  /** EventBridge, for the lifecycle events of enforce and audit runs (`lifecycleEvents`); never plan's. */
  readonly events?: EventsPort;
  /** The configured channels' secrets and HTTP: a run posts to them as the notifier would. */
  readonly channels?: ChannelPorts;
}

/**
 * What delivers a run's notices: the emails, and the channels when they are wired, from the outbox
 * as the notifier delivers them (each channel once per notice, the same routes).
 */
export function noticeDelivery(ports: SweepPorts & { readonly mail: MailPort }) {
  return {
    ledger: ports.ledger,
    mail: ports.mail,
    directory: noticeDirectory(ports.organization, ports.ledger),
    ...(ports.channels ? { channels: ports.channels } : {}),
  };
}

export interface AccountOutcome {
  readonly job: RotationJob;
  readonly report?: AccountReport;
  readonly error?: ErrorReport;
  readonly notice: "sent" | "none" | "not-sent" | "failed";
  readonly noticeError?: ErrorReport;
}

export interface SweepResult {
  readonly runId: string;
  readonly asOf: string;
  readonly mode: Config["mode"];
  readonly skipped: { accountId: string; reason: string }[];
  readonly accounts: AccountOutcome[];
}

/** True when any account, user, action or notice of the sweep failed: the CLI's exit code 1. */
export function sweepFailed(result: SweepResult): boolean {
  return result.accounts.some(
    (a) =>
      a.error !== undefined ||
      a.notice === "failed" ||
      (a.report?.failedUsers ?? 0) > 0 ||
      a.report?.passwordPolicy?.outcome === "failed",
  );
}

/**
 * One full sweep in-process, through the same use cases the Lambdas run: `scheduleRun` (jobs kept
 * in memory instead of SQS), `rotateJob` per account, `deliverFromOutbox` per notice it queued (the
 * account's notice of this run, and any earlier one not yet delivered).
 */
export async function sweep(
  ports: SweepPorts,
  config: Config,
  run: Run,
  onProgress: (done: number, total: number, outcome: AccountOutcome) => void = () => undefined,
  accountConcurrency = 4,
): Promise<SweepResult> {
  const jobs: RotationJob[] = [];
  const scheduled = await scheduleRun(
    {
      organization: ports.organization,
      jobs: { sendJobs: async (batch) => void jobs.push(...batch) },
      log: ports.log,
    },
    config,
    run,
  );
  let done = 0;
  const accounts = await mapWithConcurrency(jobs, accountConcurrency, async (job) => {
    const outcome = await sweepAccount(ports, config, job);
    onProgress(++done, jobs.length, outcome);
    return outcome;
  });
  return {
    runId: run.runId,
    asOf: run.asOf.toISOString(),
    mode: config.mode,
    skipped: scheduled.skipped,
    accounts,
  };
}

/** One account's job, its notice delivered; with `incident`, the job answers that exposed key alone. */
export async function sweepAccount(
  ports: SweepPorts,
  config: Config,
  job: RotationJob,
  incident?: IncidentRequest,
): Promise<AccountOutcome> {
  const composed: Notice[] = [];
  let report: AccountReport;
  try {
    const notices = { sendNotice: async (n: Notice) => void composed.push(n) };
    ({ report } = await rotateJob(
      {
        openAccount: ports.openAccount,
        ledger: ports.ledger,
        notices,
        log: ports.log,
        ancestorsOf: ouChainOnce((id) => ports.organization.ancestorsOf(id)),
        ...(ports.keys ? { keys: ports.keys } : {}),
        ...(ports.events ? { events: ports.events } : {}),
      },
      config,
      job,
      { readOnly: ports.mail === null, ...(incident ? { incident } : {}) },
    ));
  } catch (error) {
    ports.log.error("account failed", { accountId: job.account.id, error: describeError(error) });
    return { job, error: describeError(error), notice: "none" };
  }
  if (composed.length === 0) return { job, report, notice: "none" };
  if (ports.mail === null) return { job, report, notice: "not-sent" };
  const delivery = noticeDelivery({ ...ports, mail: ports.mail });
  try {
    for (const notice of composed) await deliverFromOutbox(delivery, config, notice, new Date(job.asOf));
    return { job, report, notice: "sent" };
  } catch (error) {
    ports.log.error("notice failed", { accountId: job.account.id, error: describeError(error) });
    return { job, report, notice: "failed", noticeError: describeError(error) };
  }
}
