import { addDays } from "./time";
import type { KeyStatus, Thresholds } from "./types";

/** A key as the IAM credential report summarises it: no id, possibly hours old. */
export interface ReportedKey {
  readonly status: KeyStatus;
  readonly createdAt: Date;
  /** `null`: never used (or unknown to the report). */
  readonly lastUsedAt: Date | null;
}

/** A day of slack on every threshold: a report hours old, or a run a little early, never hides a step. */
const SLACK_DAYS = 1;

/**
 * Whether a user's keys, as the credential report shows them, could have anything to say this run:
 * a warning, a rotation, a deactivation or a deletion. Every one of those needs some key at least
 * `R - W` days old (the earliest threshold), or, with the unused-key rule on, an Active key unused for
 * `U - W` days. Users for whom this is false are not looked at further: a full look would decide nothing
 * for them (the differential test proves it). Users with a pending mark are looked at regardless.
 */
export function needsAttention(keys: readonly ReportedKey[], t: Thresholds, now: Date): boolean {
  const horizon = addDays(now, t.warnBeforeDays + SLACK_DAYS).getTime();
  const earliest = Math.min(t.rotateAfterDays, t.deactivateAfterDays, t.deleteAfterDays);
  return keys.some((k) => {
    if (addDays(k.createdAt, earliest).getTime() <= horizon) return true;
    const unused = t.deactivateUnusedAfterDays;
    return (
      k.status === "Active" &&
      unused != null &&
      addDays(k.lastUsedAt ?? k.createdAt, unused).getTime() <= horizon
    );
  });
}
