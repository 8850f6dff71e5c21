import { reconcilePasswordPolicy } from "../compliance/reconcile-password-policy";
import type { Config } from "../config";
import type { AccountLedger, LedgerPort } from "../ledger/records";
import type { RotationJob } from "../messages";
import type { ResolvedPolicy } from "../policies/fields";
import { accountPolicies, needsOuChain } from "../policies/resolve";
import type { Policy } from "../policies/schema";
import type { AccountPorts, KeyPorts, Log } from "./ports";
import { reconcileAccount } from "./reconcile";
import type { AccountReport } from "./report";
import type { RotationSettings } from "./settings";

/** Opens a member account: assumes its role and returns adapters acting inside it. */
export type AccountOpener = (accountId: string, runId: string) => Promise<Omit<AccountPorts, "log">>;

export interface RotateAccountPorts {
  readonly openAccount: AccountOpener;
  readonly ledger: LedgerPort;
  readonly log: Log;
  /** Verification of new keys and their delivery; absent, nothing is verified or delivered. */
  readonly keys?: KeyPorts;
  /**
   * The account's OUs, nearest first, as Organizations tells keyrotor's own account; asked only when a
   * policy names an OU. Absent then, the job is refused rather than run under a guessed policy.
   */
  readonly ancestorsOf?: (accountId: string) => Promise<readonly string[]>;
}

/** A policy names an OU, and the caller gave no way to read the account's OUs. */
export class PolicyScopeError extends Error {
  override readonly name = "PolicyScopeError";
}

/** The job stopped before the invocation's time ran out; its remaining users need another attempt. */
export class TimeBudgetError extends Error {
  override readonly name = "TimeBudgetError";
}

export interface RotateAccountOptions {
  /** `true` when there is no longer time to start another user. */
  readonly shouldStop?: () => boolean;
  /** `keyrotor plan`: nothing is written anywhere. */
  readonly readOnly?: boolean;
  /** An incident: only this user is reconciled, and the password policy is left to the daily run. */
  readonly onlyUser?: string;
}

/** What one job's rotation found and did, for the notice that follows it. */
export interface RotatedAccount {
  readonly report: AccountReport;
  /** The account's ledger as reconcile read it: its users' announcements tell the notice what was already said. */
  readonly loaded?: AccountLedger;
  /** The account's policy: how often its notice repeats what it already said. */
  readonly policy?: ResolvedPolicy;
}

/**
 * The rotation use case for one job: find the account's policies (from its id and, when a policy names
 * an OU, its OUs: never from the job or anything the account holds), open the account, reconcile its
 * users at the run's instant, then its password policy when its policy sets one. It returns the facts and tells no one: composing
 * and queuing the notice is the caller's next step (`shared/jobs/rotate-job.ts`). An account that
 * cannot be opened or listed throws; a failing user is in the report.
 */
export async function rotateAccount(
  ports: RotateAccountPorts,
  settings: RotationSettings & Pick<Config, "passwordPolicy"> & { readonly policies?: readonly Policy[] },
  job: RotationJob,
  { shouldStop, readOnly, onlyUser }: RotateAccountOptions = {},
): Promise<RotatedAccount> {
  const policies = await policiesFor(ports, settings, job.account.id);
  const account = await ports.openAccount(job.account.id, job.runId);
  let loaded: AccountLedger | undefined;
  const ledger = capturing(ports.ledger, (seen) => {
    loaded = seen;
  });
  const accountPorts = { ...account, ledger, log: ports.log, ...(ports.keys ? { keys: ports.keys } : {}) };
  const keys = await reconcileAccount(
    accountPorts,
    settings,
    {
      accountId: job.account.id,
      runId: job.runId,
      now: new Date(job.asOf),
      ...(shouldStop ? { shouldStop } : {}),
      ...(readOnly ? { readOnly } : {}),
      ...(onlyUser ? { onlyUser } : {}),
    },
    policies,
  );
  const passwordPolicy = onlyUser
    ? null
    : await reconcilePasswordPolicy(
        account.iam,
        { mode: policies.account.mode, passwordPolicy: policies.account.passwordPolicy ?? null },
        ports.log,
      );
  const report: AccountReport = passwordPolicy ? { ...keys, passwordPolicy } : keys;
  return { report, policy: policies.account, ...(loaded ? { loaded } : {}) };
}

/** The account's policies; its OUs are read only when some policy names one. */
async function policiesFor(
  ports: RotateAccountPorts,
  settings: Parameters<typeof accountPolicies>[0],
  accountId: string,
) {
  const configured = settings.policies ?? [];
  if (!needsOuChain(configured)) return accountPolicies(settings, accountId, []);
  if (!ports.ancestorsOf) {
    throw new PolicyScopeError(
      `account ${accountId}: a policy names an OU and this run cannot read the account's OUs`,
    );
  }
  return accountPolicies(settings, accountId, await ports.ancestorsOf(accountId));
}

/**
 * Throws `TimeBudgetError` when the report left users for another attempt, so the job is delivered
 * again for them. Called after the notice for what was done is recorded.
 */
export function throwIfDeferred(report: AccountReport): void {
  if (report.deferredUsers === 0) return;
  throw new TimeBudgetError(
    `account ${report.accountId}: stopped before the time limit with ${report.deferredUsers} of ${report.users.length} users left; the job will run again for them`,
  );
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
