import type { RecordedKey, UserRecord } from "../ledger/records";
import { DAY_MS } from "../lifecycle";
import type { MonthlyKeys, MonthlyRotations } from "./types";

/** How many months the report shows, the current one included: the ledger keeps as many. */
export const HISTORY_MONTHS = 24;

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** Rotations recorded in one month: how many, and how many days late each came (by days late). */
export interface MonthTally {
  rotations: number;
  readonly late: Map<number, number>;
}

/** The `count` months up to and including `now`'s, oldest first, as `YYYY-MM`. */
export function monthsBack(now: Date, count: number): string[] {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  return Array.from({ length: count }, (_, i) =>
    new Date(Date.UTC(year, month - (count - 1 - i), 1)).toISOString().slice(0, 7),
  );
}

/**
 * Adds the user's recorded keys (its history, then the current one) to the account's months. The
 * history holds the keys recorded before the current one; one of them repeated is counted once.
 */
export function tallyRotations(record: UserRecord, months: Map<string, MonthTally>): void {
  const current = record.recorded;
  for (const entry of record.history ?? []) {
    if (entry.keyId !== current?.keyId) tallyOne(entry, months);
  }
  if (current) tallyOne(current, months);
}

function tallyOne(entry: RecordedKey, months: Map<string, MonthTally>): void {
  const month = entry.at.slice(0, 7);
  let tally = months.get(month);
  if (tally === undefined) {
    tally = { rotations: 0, late: new Map<number, number>() };
    months.set(month, tally);
  }
  tally.rotations++;
  if (entry.dueOn === undefined) return;
  const late = Math.max(0, Math.floor((Date.parse(entry.at) - Date.parse(entry.dueOn)) / DAY_MS));
  tally.late.set(late, (tally.late.get(late) ?? 0) + 1);
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
 * One entry per month, oldest first, from the first month with a rotation (at most `HISTORY_MONTHS`
 * back) to the month of `now`: months without rotations are there with zero, so a chart shows gaps.
 * Empty when the ledger recorded none.
 */
export function monthlyRotations(months: ReadonlyMap<string, MonthTally>, now: Date): MonthlyRotations[] {
  const last = now.toISOString().slice(0, 7);
  const first = [...months.keys()].filter((m) => m <= last).sort()[0];
  if (first === undefined) return [];
  return monthsBack(now, HISTORY_MONTHS)
    .filter((month) => month >= first)
    .map((month) => {
      const tally = months.get(month);
      return { month, rotations: tally?.rotations ?? 0, medianDaysLate: tally ? median(tally.late) : null };
    });
}

/**
 * The organization's Active keys in each of the `HISTORY_MONTHS` months up to `now`'s (oldest first),
 * from each account's counts by month (`AccountRecord.activeKeysByMonth`). An account without a count
 * for a month adds its latest earlier one, from before the window too (keyrotor did not run there that
 * month, or not yet this month; its keys are still there as far as anyone knows); an account with no
 * earlier one adds nothing. A month no account has a count for, then or before, is `null`: unknown,
 * not zero. One pass over each account's at most 24 months.
 */
export function monthlyKeys(accounts: readonly Readonly<Record<string, number>>[], now: Date): MonthlyKeys[] {
  const window = monthsBack(now, HISTORY_MONTHS);
  const sums = window.map(() => ({ activeKeys: 0, accounts: 0, carried: 0 }));
  for (const byMonth of accounts) {
    const months = Object.keys(byMonth)
      .filter((m) => MONTH.test(m) && Number.isSafeInteger(byMonth[m]) && (byMonth[m] ?? -1) >= 0)
      .sort();
    let next = 0;
    let latest: number | undefined;
    window.forEach((month, i) => {
      let recorded = false;
      for (let m = months[next]; m !== undefined && m <= month; m = months[++next]) {
        latest = byMonth[m];
        recorded = m === month;
      }
      const sum = sums[i];
      if (latest === undefined || sum === undefined) return;
      sum.activeKeys += latest;
      sum.accounts++;
      if (!recorded) sum.carried++;
    });
  }
  return window.map((month, i) => {
    const sum = sums[i] ?? { activeKeys: 0, accounts: 0, carried: 0 };
    return {
      month,
      activeKeys: sum.accounts > 0 ? sum.activeKeys : null,
      accounts: sum.accounts,
      carried: sum.carried,
    };
  });
}
