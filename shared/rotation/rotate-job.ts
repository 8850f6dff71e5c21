import { reconcilePasswordPolicy } from "../compliance/reconcile-password-policy";
import type { Config } from "../config";
import type { LedgerPort } from "../ledger/records";
import type { NoticeSink, RotationJob } from "../messages";
import { composeNotice } from "../notices/compose";
import type { AccountPorts, Log } from "./ports";
import { reconcileAccount } from "./reconcile";
import type { AccountReport } from "./report";
import type { RotationSettings } from "./settings";

/** Opens a member account: assumes its role and returns adapters acting inside it. */
export type AccountOpener = (accountId: string, runId: string) => Promise<Omit<AccountPorts, "log">>;

export interface RotatorPorts {
  readonly openAccount: AccountOpener;
  readonly ledger: LedgerPort;
  readonly notices: NoticeSink;
  readonly log: Log;
}

/** The job stopped before the invocation's time ran out; its remaining users need another attempt. */
export class TimeBudgetError extends Error {
  override readonly name = "TimeBudgetError";
}

export interface JobAttempt {
  /** 1 for the first delivery of the job (SQS's ApproximateReceiveCount). */
  readonly attempt?: number;
  /** `true` when there is no longer time to start another user. */
  readonly shouldStop?: () => boolean;
  /** `keyrotor plan`: nothing is written anywhere. */
  readonly readOnly?: boolean;
}

/**
 * The rotator's use case for one job: open the account, reconcile it at the run's instant, and
 * send the owner one notice if there is anything to say. An account that cannot be opened or
 * listed throws (its job is retried, then dead-lettered); a failing user is in the report and notice.
 * When time runs short it stops between users, reports what it did, then throws `TimeBudgetError` so
 * the job is delivered again for the rest.
 */
export async function rotateJob(
  ports: RotatorPorts,
  settings: RotationSettings & Pick<Config, "passwordPolicy">,
  job: RotationJob,
  { attempt = 1, shouldStop, readOnly }: JobAttempt = {},
): Promise<{ report: AccountReport; noticeSent: boolean }> {
  const account = await ports.openAccount(job.account.id, job.runId);
  const keys = await reconcileAccount({ ...account, ledger: ports.ledger, log: ports.log }, settings, {
    accountId: job.account.id,
    runId: job.runId,
    now: new Date(job.asOf),
    ...(shouldStop ? { shouldStop } : {}),
    ...(readOnly ? { readOnly } : {}),
  });
  const passwordPolicy = await reconcilePasswordPolicy(account.iam, settings, ports.log);
  const report: AccountReport = passwordPolicy ? { ...keys, passwordPolicy } : keys;
  const notice = composeNotice(job, report, attempt);
  if (notice) await ports.notices.sendNotice(notice);
  if (report.deferredUsers > 0) {
    throw new TimeBudgetError(
      `account ${job.account.id}: stopped before the time limit with ${report.deferredUsers} of ${report.users.length} users left; the job will run again for them`,
    );
  }
  return { report, noticeSent: notice !== null };
}
