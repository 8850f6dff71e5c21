import { ADVICE_KINDS } from "../advice/types";
import { type AccountFacts, emptyCounts, type ReportSettings, UNUSED_DEFAULT_DAYS } from "./facts";
import { byAgeDescending } from "./failing-iam3";
import { byRecency } from "./incidents";
import { type MonthTally, monthlyKeys, monthlyRotations } from "./months";
import { needingAPerson } from "./needs-person";
import {
  AGE_BANDS,
  type Attention,
  type FailingKey,
  type Incident,
  type KeyCounts,
  type OrgReport,
  USE_BANDS,
} from "./types";

/** Who needs a person first: what keyrotor cannot fix, then what it is waiting on, then who it leaves be. */
export const ATTENTION_ORDER: readonly Attention["kind"][] = [
  "blocked",
  "failing",
  "held",
  "undelivered",
  "in-use",
  "exempt",
];

/** `part` of `whole` (0 to 1), or `null` when there is nothing to measure. */
export function shareOf(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

/**
 * The whole organization from its accounts' facts: totals, the next 14 days, everyone who needs a
 * person (blocked and failing first, the longest stuck first within a kind), Active keys by advice,
 * rotations and long-lived keys per month, and every incident (the most recent first). One pass over
 * the accounts, then one sort each of the attention list and the incidents.
 */
export function aggregate(accounts: readonly AccountFacts[], settings: ReportSettings, now: Date): OrgReport {
  const totals = emptyCounts();
  const upcoming = { rotations: 0, deactivations: 0, deletions: 0 };
  const attention: Attention[] = [];
  const months = new Map<string, MonthTally>();
  const incidents: Incident[] = [];
  const failingIam3: FailingKey[] = [];
  let unreadableAccounts = 0;
  for (const { summary, rotations, incidents: found, failingIam3: old } of accounts) {
    incidents.push(...found);
    failingIam3.push(...old);
    if (summary.error !== undefined) unreadableAccounts++;
    addCounts(totals, summary);
    upcoming.rotations += summary.upcoming.rotations;
    upcoming.deactivations += summary.upcoming.deactivations;
    upcoming.deletions += summary.upcoming.deletions;
    for (const entry of summary.attention) attention.push(entry);
    for (const [month, tally] of rotations) {
      const into = months.get(month) ?? { rotations: 0, late: new Map<number, number>() };
      into.rotations += tally.rotations;
      for (const [days, n] of tally.late) into.late.set(days, (into.late.get(days) ?? 0) + n);
      months.set(month, into);
    }
  }
  return {
    generatedAt: now.toISOString(),
    thresholds: {
      rotateAfterDays: settings.rotateAfterDays,
      deactivateAfterDays: settings.deactivateAfterDays,
      deleteAfterDays: settings.deleteAfterDays,
      unusedAfterDays: settings.deactivateUnusedAfterDays ?? UNUSED_DEFAULT_DAYS,
    },
    totals: {
      ...totals,
      accounts: accounts.length,
      unreadableAccounts,
      needingAPerson: needingAPerson(attention),
    },
    upcoming,
    accounts: accounts.map((a) => a.summary),
    attention: attention.sort(byUrgency),
    history: monthlyRotations(months, now),
    trend: monthlyKeys(
      accounts.map((a) => countedNow(a, now)),
      now,
    ),
    incidents: incidents.sort(byRecency),
    failingIam3: failingIam3.sort(byAgeDescending),
  };
}

/**
 * An account's Active keys by month with the current month's count the report's own: a run records
 * its count as it starts, before it deletes anything, so the ledger's figure for this month can be a
 * key or two behind IAM. What the report read is the truth for now, so the trend's last point and the
 * Active count beside it agree. An account the report could not read keeps what its runs recorded.
 */
function countedNow(account: AccountFacts, now: Date): Readonly<Record<string, number>> {
  if (account.summary.error !== undefined) return account.activeKeysByMonth;
  return { ...account.activeKeysByMonth, [now.toISOString().slice(0, 7)]: account.summary.activeKeys };
}

function addCounts(into: ReturnType<typeof emptyCounts>, from: KeyCounts): void {
  if (from.byAdvice) for (const kind of ADVICE_KINDS) into.byAdvice[kind] += from.byAdvice[kind];
  into.users += from.users;
  into.usersWithKeys += from.usersWithKeys;
  into.keys += from.keys;
  into.activeKeys += from.activeKeys;
  for (const band of AGE_BANDS) into.byAge[band] += from.byAge[band];
  for (const band of USE_BANDS) into.byUse[band] += from.byUse[band];
  into.rotationCompliant += from.rotationCompliant;
  into.iam3Compliant += from.iam3Compliant;
  into.usageCompliant += from.usageCompliant;
}

/** By kind (`ATTENTION_ORDER`), then the longest stuck first (no date last), then account and user. */
function byUrgency(a: Attention, b: Attention): number {
  const kind = ATTENTION_ORDER.indexOf(a.kind) - ATTENTION_ORDER.indexOf(b.kind);
  if (kind !== 0) return kind;
  if (a.since !== b.since) {
    if (a.since === undefined) return 1;
    if (b.since === undefined) return -1;
    return a.since < b.since ? -1 : 1;
  }
  return a.accountId.localeCompare(b.accountId) || a.userName.localeCompare(b.userName);
}
