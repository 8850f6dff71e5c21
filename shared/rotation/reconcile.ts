import { mapWithConcurrency } from "../concurrency";
import { type AccountLedger, HISTORY_LENGTH, type LedgerPort } from "../ledger/records";
import { addDays } from "../lifecycle";
import { type AccountPolicies, defaultPolicies } from "../policies/resolve";
import { discoverAll, discoverFromReport, discoverOne, secretSettingsDigest } from "./discovery";
import type { AccountPorts, KeyPorts } from "./ports";
import { deferred } from "./reconcile-user";
import type { AccountReport } from "./report";
import type { AccountContext, AccountRun, RotationSettings } from "./settings";
import { hasFailed, summarize } from "./summary";
import { policyReport, reconcileUnderPolicy, thresholdsOf } from "./user-policy";

/**
 * The run before this one: the caller's word, else the ledger's last run (or, for a retry of that very
 * run, the one before it), else a day ago as a daily schedule would have it.
 */
function previousRunOf(run: AccountRun, account: AccountLedger["account"]): Date {
  if (run.previousRunAt) return run.previousRunAt;
  const last = account?.lastRunId === run.runId ? account.previousRunAt : account?.lastRunAt;
  const at = last ? new Date(last) : null;
  return at && at.getTime() < run.now.getTime() ? at : addDays(run.now, -1);
}

/**
 * Reconciles one account, in steps: read the ledger, discover the users with anything to say, then
 * for each user read its facts, keep its secret, decide (the pure lifecycle) and, in enforce mode,
 * act in a safe order, each user under the policy that applies to it (`policies`; the top-level
 * settings when none is given). A user that fails is reported and the others go on; a failure to read
 * the ledger or list the account's users throws, since nothing could then be decided safely.
 */
export async function reconcileAccount(
  ports: AccountPorts & { readonly ledger: LedgerPort; readonly keys?: KeyPorts },
  settings: RotationSettings,
  run: AccountRun,
  policies: AccountPolicies = defaultPolicies(settings),
): Promise<AccountReport> {
  const ledger = await ports.ledger.loadAccount(run.accountId);
  const previousRunAt = previousRunOf(run, ledger.account);
  const discovery = run.onlyUser
    ? await discoverOne(ports, run.onlyUser)
    : settings.discovery === "full"
      ? await discoverAll(ports, settings, run.accountId)
      : await discoverFromReport(ports, settings, run, ledger, previousRunAt, discoveryThresholds(policies));
  const ctx: AccountContext = {
    ports,
    settings,
    thresholds: settings,
    policies,
    run,
    ledger,
    previousRunAt,
    ...discovery,
  };
  // A user is either untouched or reconciled whole: stopping only between users keeps the account consistent.
  const reports = await mapWithConcurrency(discovery.users, settings.userConcurrency, async (user) =>
    run.shouldStop?.() ? deferred(ctx, user) : reconcileUnderPolicy(ctx, user),
  );
  const report: AccountReport = {
    accountId: run.accountId,
    runId: run.runId,
    mode: policies.account.mode,
    policy: policyReport(policies.account),
    now: run.now.toISOString(),
    previousRunAt: previousRunAt.toISOString(),
    users: reports,
    unexaminedUsers: discovery.unexamined,
    failedUsers: reports.filter(hasFailed).length,
    deferredUsers: reports.filter((u) => u.status === "deferred").length,
    ...(discovery.fallback ? { reportFallback: discovery.fallback } : {}),
  };
  // An incident's run looked at one user: the account's run, its settings and key counts are the daily run's.
  if (!run.readOnly && !run.onlyUser) {
    await ports.ledger.recordRun(run.accountId, {
      lastRunId: run.runId,
      lastRunAt: run.now.toISOString(),
      previousRunAt: previousRunAt.toISOString(),
      // A run cut short has not yet brought every secret to the new settings: the retry must see the change.
      ...(report.deferredUsers === 0
        ? { settingsDigest: secretSettingsDigest(settings) }
        : keptDigest(ledger.account)),
      ...activeKeysByMonth(ledger.account, run.now, discovery.activeKeys ?? activeKeysOf(report)),
    });
  }
  ports.log.info("account reconciled", { ...summarize(report) });
  return report;
}

/** Each user's thresholds for discovery; `null` for a user two policies match (looked at to be reported). */
const discoveryThresholds = (policies: AccountPolicies) => (userName: string) => {
  const applies = policies.forUser(userName);
  return applies.kind === "tie" ? null : thresholdsOf(applies.policy);
};

/** Active keys of the users a full discovery looked at (every user). */
const activeKeysOf = (report: AccountReport) =>
  report.users.reduce((n, u) => n + u.keys.filter((k) => k.status === "Active").length, 0);

/** This month's count of Active keys set, the last `HISTORY_LENGTH` months kept. */
function activeKeysByMonth(account: AccountLedger["account"], now: Date, count: number) {
  const months = { ...(account?.activeKeysByMonth ?? {}), [now.toISOString().slice(0, 7)]: count };
  const kept = Object.keys(months).sort().slice(-HISTORY_LENGTH);
  return { activeKeysByMonth: Object.fromEntries(kept.map((m) => [m, months[m] ?? 0])) };
}

const keptDigest = (account: AccountLedger["account"]) =>
  account?.settingsDigest ? { settingsDigest: account.settingsDigest } : {};
