import type { Attention } from "./types";

/** IAM.3's own limit, whatever keyrotor's thresholds: Security Hub fails an Active key this many days old. */
export const IAM3_DAYS = 90;

/**
 * Whether a user on the report's attention list needs a person: every kind does (blocked, failing,
 * held, undelivered, old key in use: keyrotor cannot finish without someone), except an exempt user
 * whose oldest Active key is younger than `IAM3_DAYS`. Exempting is a choice someone made; it needs a
 * person again only once the key fails IAM.3, because keyrotor will never rotate it. The one rule the
 * HTML report, its JSON and CSV and the weekly digest count by.
 */
export function needsAPerson(entry: Attention): boolean {
  return entry.kind !== "exempt" || (entry.oldestKeyDays ?? 0) >= IAM3_DAYS;
}

/** How many of `attention` need a person (`needsAPerson`). */
export function needingAPerson(attention: readonly Attention[]): number {
  return attention.reduce((n, entry) => n + (needsAPerson(entry) ? 1 : 0), 0);
}
