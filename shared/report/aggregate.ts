import {
  type AccountFacts,
  emptyCounts,
  type MonthTally,
  type ReportSettings,
  UNUSED_DEFAULT_DAYS,
} from "./facts";
import {
  AGE_BANDS,
  type Attention,
  type KeyCounts,
  type MonthlyRotations,
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

/** How many months of rotations the report shows, the current one included. */
export const HISTORY_MONTHS = 24;

/** `part` of `whole` (0 to 1), or `null` when there is nothing to measure. */
export function shareOf(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

/** The median of values counted in a histogram (value → count); `null` when it is empty. */
export function median(histogram: ReadonlyMap<number, number>): number | null {
  const values = [...histogram].filter(([, n]) => n > 0).sort(([a], [b]) => a - b);
  const total = values.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return null;
  // The two middle positions (the same one for an odd count), 0-based.
  const lowAt = Math.floor((total - 1) / 2);
  const highAt = Math.floor(total / 2);
  let low: number | undefined;
  let seen = 0;
  for (const [value, n] of values) {
    seen += n;
    if (low === undefined && seen > lowAt) low = value;
    if (seen > highAt) return ((low ?? value) + value) / 2;
  }
  return null;
}

/**
 * The whole organization from its accounts' facts: totals, the next 14 days, everyone who needs a
 * person (blocked and failing first, the longest stuck first within a kind) and rotations per month.
 * One pass over the accounts, then one sort of the attention list.
 */
export function aggregate(accounts: readonly AccountFacts[], settings: ReportSettings, now: Date): OrgReport {
  const totals = emptyCounts();
  const upcoming = { rotations: 0, deactivations: 0, deletions: 0 };
  const attention: Attention[] = [];
  const months = new Map<string, MonthTally>();
  let unreadableAccounts = 0;
  for (const { summary, rotations } of accounts) {
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
    totals: { ...totals, accounts: accounts.length, unreadableAccounts },
    upcoming,
    accounts: accounts.map((a) => a.summary),
    attention: attention.sort(byUrgency),
    history: monthlyRotations(months, now),
  };
}

function addCounts(into: ReturnType<typeof emptyCounts>, from: KeyCounts): void {
  into.users += from.users;
  into.usersWithKeys += from.usersWithKeys;
  into.keys += from.keys;
  into.activeKeys += from.activeKeys;
  for (const band of AGE_BANDS) into.byAge[band] += from.byAge[band];
  for (const band of USE_BANDS) into.byUse[band] += from.byUse[band];
  into.rotationCompliant += from.rotationCompliant;
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

/**
 * One entry per month, oldest first, from the first month with a rotation (at most `HISTORY_MONTHS`
 * back) to the month of `now`: months without rotations are there with zero, so a chart shows gaps.
 * Empty when the ledger recorded none.
 */
export function monthlyRotations(months: ReadonlyMap<string, MonthTally>, now: Date): MonthlyRotations[] {
  const last = now.toISOString().slice(0, 7);
  const window = monthsBack(now, HISTORY_MONTHS);
  const first = [...months.keys()].filter((m) => m <= last).sort()[0];
  if (first === undefined) return [];
  return window
    .filter((month) => month >= first)
    .map((month) => {
      const tally = months.get(month);
      return { month, rotations: tally?.rotations ?? 0, medianDaysLate: tally ? median(tally.late) : null };
    });
}

/** The `count` months up to and including `now`'s, oldest first, as `YYYY-MM`. */
function monthsBack(now: Date, count: number): string[] {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  return Array.from({ length: count }, (_, i) =>
    new Date(Date.UTC(year, month - (count - 1 - i), 1)).toISOString().slice(0, 7),
  );
}
