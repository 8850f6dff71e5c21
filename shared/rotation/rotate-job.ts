import { reconcilePasswordPolicy } from "../compliance/reconcile-password-policy";
import type { Config } from "../config";
import type { AccountLedger, LedgerPort, OutboxPort } from "../ledger/records";
import type { NoticeSink, RotationJob } from "../messages";
import { type ComposeSettings, composeNotice } from "../notices/compose";
import { postNotice } from "../notices/outbox";
import type { AccountPorts, Log } from "./ports";
import { reconcileAccount } from "./reconcile";
import type { AccountReport } from "./report";
import type { RotationSettings } from "./settings";

/** Opens a member account: assumes its role and returns adapters acting inside it. */
export type AccountOpener = (accountId: string, runId: string) => Promise<Omit<AccountPorts, "log">>;

export interface RotatorPorts {
  readonly openAccount: AccountOpener;
  readonly ledger: LedgerPort & OutboxPort;
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
 * record in the ledger's outbox one notice if there is anything new to say, then queue it (and any
 * notice of an earlier run not yet delivered). An account that cannot be opened or
 * listed throws (its job is retried, then dead-lettered); a failing user is in the report and notice.
 * When time runs short it stops between users, reports what it did, then throws `TimeBudgetError` so
 * the job is delivered again for the rest.
 */
export async function rotateJob(
  ports: RotatorPorts,
  settings: RotationSettings & ComposeSettings & Pick<Config, "passwordPolicy">,
  job: RotationJob,
  { attempt = 1, shouldStop, readOnly }: JobAttempt = {},
): Promise<{ report: AccountReport; noticeSent: boolean }> {
  const account = await ports.openAccount(job.account.id, job.runId);
  // The ledger as reconcile read it: its users' announcements tell the notice what was already said.
  let loaded: AccountLedger | undefined;
  const ledger = capturing(ports.ledger, (seen) => {
    loaded = seen;
  });
  const keys = await reconcileAccount({ ...account, ledger, log: ports.log }, settings, {
    accountId: job.account.id,
    runId: job.runId,
    now: new Date(job.asOf),
    ...(shouldStop ? { shouldStop } : {}),
    ...(readOnly ? { readOnly } : {}),
  });
  const passwordPolicy = await reconcilePasswordPolicy(account.iam, settings, ports.log);
  const report: AccountReport = passwordPolicy ? { ...keys, passwordPolicy } : keys;
  const { notice } = readOnly
    ? composeNotice(job, report, settings, undefined, attempt)
    : await postNotice(ports, settings, job, report, { attempt, ...(loaded ? { loaded } : {}) });
  if (readOnly && notice) await ports.notices.sendNotice(notice);
  if (report.deferredUsers > 0) {
    throw new TimeBudgetError(
      `account ${job.account.id}: stopped before the time limit with ${report.deferredUsers} of ${report.users.length} users left; the job will run again for them`,
    );
  }
  return { report, noticeSent: notice !== null };
}

/** The ledger, remembering what `loadAccount` returned; every other call goes straight through. */
function capturing(ledger: LedgerPort, seen: (loaded: AccountLedger) => void): LedgerPort {
  return new Proxy(ledger, {
    get(target, property) {
      if (property === "loadAccount") {
        return async (accountId: string) => {
          const loaded = await target.loadAccount(accountId);
          seen(loaded);
          return loaded;
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
