import type { NoticeSink, RotationJob } from "../messages";
import { composeNotice } from "../notices/compose";
import type { AccountPorts, Log } from "./ports";
import { type RotationSettings, reconcileAccount } from "./reconcile";
import type { AccountReport } from "./report";

/** Opens a member account: assumes its role and returns adapters acting inside it. */
export type AccountOpener = (accountId: string, runId: string) => Promise<Omit<AccountPorts, "log">>;

export interface RotatorPorts {
  readonly openAccount: AccountOpener;
  readonly notices: NoticeSink;
  readonly log: Log;
}

/**
 * The rotator's use case for one job: open the account, reconcile it at the run's instant, and
 * send the owner one notice if there is anything to say. An account that cannot be opened or
 * listed throws (its job is retried, then dead-lettered); a failing user is in the report and notice.
 */
export async function rotateJob(
  ports: RotatorPorts,
  settings: RotationSettings,
  job: RotationJob,
): Promise<{ report: AccountReport; noticeSent: boolean }> {
  const account = await ports.openAccount(job.account.id, job.runId);
  const report = await reconcileAccount({ ...account, log: ports.log }, settings, {
    accountId: job.account.id,
    runId: job.runId,
    now: new Date(job.asOf),
  });
  const notice = composeNotice(job, report);
  if (notice) await ports.notices.sendNotice(notice);
  return { report, noticeSent: notice !== null };
}
