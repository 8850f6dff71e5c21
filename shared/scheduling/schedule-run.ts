import type { Log } from "../log";
import type { JobSink, RotationJob } from "../messages";
import { type AccountInfo, type Scope, selectAccounts } from "./select";

export interface OrganizationPort {
  listAccounts(): Promise<AccountInfo[]>;
  describeAccount(accountId: string): Promise<AccountInfo>;
  listAccountIdsUnder(ouId: string): Promise<Set<string>>;
  /** The OUs above an account, nearest first, up to (not including) the root. */
  ancestorsOf(accountId: string): Promise<string[]>;
  /**
   * The accounts under an OU, nested OUs included, with their depth under it (1: directly in it): what
   * the report resolves OU policies from. Optional: only a report under a policy naming an OU needs it.
   */
  accountDepthsUnder?(ouId: string): Promise<ReadonlyMap<string, number>>;
}

export interface SchedulePorts {
  readonly organization: OrganizationPort;
  readonly jobs: JobSink;
  readonly log: Log;
}

/** One run: its id (the scheduled event's id) and instant (the event's `time`). */
export interface Run {
  readonly runId: string;
  readonly asOf: Date;
}

export interface ScheduleSummary {
  readonly runId: string;
  readonly asOf: string;
  readonly accounts: number;
  readonly jobs: number;
  readonly skipped: { accountId: string; reason: string }[];
}

/** Lists the organization's accounts, keeps those in scope and enqueues one job per account. */
export async function scheduleRun(ports: SchedulePorts, scope: Scope, run: Run): Promise<ScheduleSummary> {
  return schedule(ports, scope, run, await ports.organization.listAccounts());
}

/**
 * One account right away (a Config rule found its keys non-compliant): the same scope rules and the
 * same job as the daily run, for that account alone.
 */
export async function scheduleAccount(
  ports: SchedulePorts,
  scope: Scope,
  run: Run,
  accountId: string,
): Promise<ScheduleSummary> {
  return schedule(ports, scope, run, [await ports.organization.describeAccount(accountId)]);
}

/**
 * One job per exposed key AWS Health reported in an account, for that account alone and under the same
 * scope rules: an account keyrotor does not manage gets none (the summary says why). Each job's run id
 * is the event's id and the key, so a redelivered event queues nothing new.
 */
export async function scheduleExposure(
  ports: SchedulePorts,
  scope: Scope,
  run: Run & { readonly source: string },
  accountId: string,
  keyIds: readonly string[],
): Promise<ScheduleSummary> {
  const incidents = keyIds.map((keyId) => ({ trigger: "health" as const, keyId, source: run.source }));
  return schedule(ports, scope, run, [await ports.organization.describeAccount(accountId)], incidents);
}

async function schedule(
  ports: SchedulePorts,
  scope: Scope,
  run: Run,
  accounts: readonly AccountInfo[],
  incidents?: readonly NonNullable<RotationJob["incident"]>[],
): Promise<ScheduleSummary> {
  const ous = [...new Set([...scope.includeOus, ...scope.excludeOus])];
  const members = await Promise.all(
    ous.map(async (ou) => [ou, await ports.organization.listAccountIdsUnder(ou)] as const),
  );
  const { selected, skipped } = selectAccounts(accounts, new Map(members), scope);
  const job = (a: AccountInfo, runId: string): RotationJob => ({
    version: 1,
    runId,
    asOf: run.asOf.toISOString(),
    account: { id: a.id, name: a.name, email: a.email },
  });
  // An exposure's jobs: one per key, each its own run (and SQS deduplication id) within the event.
  const jobs: RotationJob[] = selected.flatMap((a) =>
    incidents
      ? incidents.map((incident) => ({ ...job(a, `${run.runId}#${incident.keyId}`), incident }))
      : [job(a, run.runId)],
  );
  await ports.jobs.sendJobs(jobs);
  const summary: ScheduleSummary = {
    runId: run.runId,
    asOf: run.asOf.toISOString(),
    accounts: accounts.length,
    jobs: jobs.length,
    skipped: skipped.map((s) => ({ accountId: s.account.id, reason: s.reason })),
  };
  ports.log.info("run scheduled", { ...summary });
  return summary;
}
