import { mapWithConcurrency } from "../concurrency";
import { describeError } from "../errors";
import type { LedgerPort } from "../ledger/records";
import type { Log } from "../log";
import { accountChains } from "../policies/ou-chain";
import { type AccountPolicies, accountPolicies, needsOuChain } from "../policies/resolve";
import { PolicyScopeError } from "../rotation/rotate-account";
import type { OrganizationPort } from "../scheduling/schedule-run";
import { type AccountInfo, type Scope, type Selection, selectAccounts } from "../scheduling/select";
import { aggregate } from "./aggregate";
import { type AccountFacts, accountFacts, type ReportSettings, unreadableAccount } from "./facts";
import { listFailingKeyIds } from "./failing-iam3";
import { incidentsOf } from "./incidents";
import { type ReportIam, readIam } from "./read-iam";
import type { AccountSummary, OrgReport } from "./types";

/**
 * What the report reads: the organization's accounts, each member account's credential report and
 * directory (through the member role, as the rotator opens it), and the ledger. It writes nothing.
 */
export interface ReportPorts {
  /** `accountDepthsUnder` is asked once per OU a policy names, only when one does; absent then, the report fails. */
  readonly organization: Pick<
    OrganizationPort,
    "listAccounts" | "listAccountIdsUnder" | "accountDepthsUnder"
  >;
  /**
   * The rotation's `AccountOpener` fits: the two account-wide IAM reads are used, and the per-user
   * key reads only for an account whose credential report cannot be read for certain.
   */
  readonly openAccount: (accountId: string, runId: string) => Promise<{ readonly iam: ReportIam }>;
  readonly ledger: Pick<LedgerPort, "loadAccount">;
  readonly log: Log;
}

/**
 * The settings a report needs: the thresholds and exemption it judges by, the destinations bound to
 * users (for the advice), and the accounts in scope.
 */
export type ReportConfig = ReportSettings & Scope;

export interface ReportOptions {
  /** How many accounts are read at once (default `REPORT_CONCURRENCY`). */
  readonly concurrency?: number;
  /** The digest of the configuration the report is made under, shown in its header (`OrgReport.configDigest`). */
  readonly configDigest?: string | null;
  /** Called as each account is read, in completion order. */
  readonly onAccount?: (done: number, total: number, account: AccountSummary) => void;
}

/**
 * Accounts read at once: each costs a handful of calls that mostly wait on IAM building its credential
 * report, so many can be in flight; each reads its own account's IAM, so they do not share a rate limit.
 */
export const REPORT_CONCURRENCY = 32;

/**
 * The organization-wide report at `now`: the accounts in scope (the same selection as the scheduler),
 * each read with a few account-wide calls (AssumeRole, the credential report, the directory, one ledger
 * query; never a call per user) at most `concurrency` at once, then summed up. An account that cannot
 * be read is in the report with its error, never a failure of the whole; only listing the organization
 * can fail it. What the weekly digest and `keyrotor report` both call.
 *
 * @param ports the organization, the member account opener and the ledger (read only).
 * @param config thresholds, exemption settings, deliveries and scope (a full `Config` fits).
 * @param now the report's instant: key ages, the next 14 days and the history end here.
 * @throws AwsCallError when the organization's accounts cannot be listed.
 */
export async function buildOrgReport(
  ports: ReportPorts,
  config: ReportConfig,
  now: Date,
  options: ReportOptions = {},
): Promise<OrgReport> {
  const started = Date.now();
  const [{ selected: accounts, skipped }, policiesOf] = await Promise.all([
    accountsInScope(ports.organization, config),
    policiesByAccount(ports.organization, config),
  ]);
  const runId = `report-${now.toISOString().replace(/[-:.]/g, "")}`;
  let done = 0;
  const facts = await mapWithConcurrency(
    accounts,
    options.concurrency ?? REPORT_CONCURRENCY,
    async (account) => {
      const read = await readAccount(ports, config, account, runId, now, policiesOf(account.id));
      options.onAccount?.(++done, accounts.length, read.summary);
      return read;
    },
  );
  const outOfScope = skipped.map(({ account, reason }) => ({
    accountId: account.id,
    name: account.name,
    reason,
  }));
  const aggregated = { ...aggregate(facts, config, now), outOfScope };
  const report = options.configDigest ? { ...aggregated, configDigest: options.configDigest } : aggregated;
  ports.log.info("report built", {
    accounts: report.totals.accounts,
    unreadableAccounts: report.totals.unreadableAccounts,
    activeKeys: report.totals.activeKeys,
    attention: report.attention.length,
    ms: Date.now() - started,
  });
  return report;
}

/** ACTIVE accounts within the include and exclude lists, exactly as the scheduler selects them, and the others with why. */
async function accountsInScope(
  organization: ReportPorts["organization"],
  scope: Scope,
): Promise<Selection<AccountInfo>> {
  const ous = [...new Set([...scope.includeOus, ...scope.excludeOus])];
  const [all, members] = await Promise.all([
    organization.listAccounts(),
    Promise.all(ous.map(async (ou) => [ou, await organization.listAccountIdsUnder(ou)] as const)),
  ]);
  return selectAccounts(all, new Map(members), scope);
}

/**
 * Each account's policies, resolved as the rotation resolves them: from the account's id and, only when
 * some policy names an OU, the OUs that hold it as Organizations tells keyrotor, walked down once from
 * each OU a policy names (a few calls per OU, not a `ListParents` per level per account).
 * @throws PolicyScopeError when a policy names an OU and the organization port cannot walk OUs.
 */
async function policiesByAccount(
  organization: ReportPorts["organization"],
  config: ReportConfig,
): Promise<(accountId: string) => AccountPolicies> {
  const base = { ...config, mode: config.mode ?? "audit", policies: config.policies ?? [] };
  if (!needsOuChain(base.policies)) return (id) => accountPolicies(base, id, []);
  const { accountDepthsUnder } = organization;
  if (!accountDepthsUnder) {
    throw new PolicyScopeError("a policy names an OU and this report cannot read the OUs");
  }
  const named = [...new Set(base.policies.flatMap((p) => p.ous ?? []))];
  const chainOf = accountChains(
    new Map(
      await Promise.all(
        named.map(async (ou) => [ou, await accountDepthsUnder.call(organization, ou)] as const),
      ),
    ),
  );
  return (id) => accountPolicies(base, id, chainOf(id));
}

/**
 * One account's facts, or its error. The member account and the ledger are read together, and both
 * are waited for even when one fails, so no read outlives its place among the `concurrency` slots.
 */
async function readAccount(
  ports: ReportPorts,
  settings: ReportSettings,
  account: AccountInfo,
  runId: string,
  now: Date,
  policies: AccountPolicies,
): Promise<AccountFacts> {
  const [iam, ledger] = await Promise.allSettled([
    ports.openAccount(account.id, runId).then(async ({ iam }) => {
      const read = await readIam(iam, account.id, ports.log);
      const keyIds = read.keyIds ?? (await listFailingKeyIds(iam, read.users, now, ports.log, account.id));
      return { ...read, keyIds };
    }),
    ports.ledger.loadAccount(account.id),
  ]);
  if (iam.status === "fulfilled" && ledger.status === "fulfilled") {
    const read = { accountId: account.id, name: account.name, ...iam.value, ledger: ledger.value };
    return accountFacts(read, settings, now, policies);
  }
  const error = describeError(
    iam.status === "rejected" ? iam.reason : (ledger as PromiseRejectedResult).reason,
  );
  ports.log.warn("account unreadable", { accountId: account.id, error });
  if (ledger.status === "rejected") {
    return unreadableAccount(account.id, account.name, error.message, {}, [], policies);
  }
  const { activeKeysByMonth } = ledger.value.account ?? {};
  const incidents = incidentsOf(account.id, ledger.value);
  return unreadableAccount(account.id, account.name, error.message, activeKeysByMonth, incidents, policies);
}
