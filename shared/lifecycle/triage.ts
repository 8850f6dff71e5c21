import { addDays } from "./time";
import type { KeyStatus, Thresholds } from "./types";

/** A key as the IAM credential report summarises it: no id, possibly hours old. */
export interface ReportedKey {
  readonly status: KeyStatus;
  readonly createdAt: Date;
  /** `null`: never used (or unknown to the report). */
  readonly lastUsedAt: Date | null;
  /** Where it was last used, when the report says: the service's endpoint name and the region. */
  readonly lastUsedService?: string;
  readonly lastUsedRegion?: string;
}

/** The dates on which something about a user's keys falls due, as far as the report can tell. */
export interface StepDates {
  /** When an action (rotate, deactivate, delete) becomes due; it stays due until it is done. */
  readonly actions: readonly Date[];
  /** When a warning is announced: only the run in which the date passes announces it. */
  readonly warnings: readonly Date[];
}

const later = (a: Date, b: Date) => (a.getTime() >= b.getTime() ? a : b);

/**
 * Every step date of a user's keys from the report alone. Where the report cannot tell (which key the
 * secret records, whether the user is exempt) the earliest possible date is taken: looking at a user
 * a little early costs a few reads, skipping one that is due would be a bug.
 */
export function stepDates(keys: readonly ReportedKey[], t: Thresholds): StepDates {
  const { rotateAfterDays: r, deactivateAfterDays: d, deleteAfterDays: x, warnBeforeDays: w } = t;
  const newest = keys.reduce<ReportedKey | undefined>(
    (n, k) => (n === undefined || k.createdAt.getTime() > n.createdAt.getTime() ? k : n),
    undefined,
  );
  const actions: Date[] = [];
  const warnings: Date[] = [];
  if (newest === undefined) return { actions, warnings };
  for (const key of keys) {
    const active = key.status === "Active";
    if (key === newest && active) {
      actions.push(addDays(key.createdAt, r));
      if (w > 0) warnings.push(addDays(key.createdAt, r - w));
    } else if (key === newest) {
      actions.push(addDays(key.createdAt, x));
    } else if (active && newest.status === "Active") {
      actions.push(later(addDays(key.createdAt, d), addDays(newest.createdAt, d - r)));
    } else if (!active) {
      actions.push(later(addDays(key.createdAt, x), addDays(newest.createdAt, x - r)));
    }
    const unused = t.deactivateUnusedAfterDays;
    if (active && unused != null) {
      const since = key.lastUsedAt ?? key.createdAt;
      actions.push(addDays(since, unused));
      if (w > 0) warnings.push(addDays(since, unused - w));
    }
  }
  return { actions, warnings };
}

/**
 * Whether a user must be looked at in this run: an action is due by `now`, or a warning date passed
 * since the previous run. Step dates follow from creation dates, which a report hours old shows as they
 * are; a key changed since the report (deleted, deactivated) only makes a look come early, never late,
 * except a key re-activated by hand, which the next run's report shows. A user for whom this is false
 * would get no action and no warning from a full look (the differential test proves it), so it costs no
 * per-user call.
 */
export function needsLook(
  keys: readonly ReportedKey[],
  t: Thresholds,
  now: Date,
  previousRunAt: Date = addDays(now, -1),
): boolean {
  const { actions, warnings } = stepDates(keys, t);
  const at = now.getTime();
  const since = previousRunAt.getTime();
  return (
    actions.some((on) => on.getTime() <= at) ||
    warnings.some((on) => on.getTime() > since && on.getTime() <= at)
  );
}

/** Whether any step of the keys (action or warning) falls due in (`from`, `to`]: what ends a quiet period early. */
export function stepFallsDue(keys: readonly ReportedKey[], t: Thresholds, from: Date, to: Date): boolean {
  const { actions, warnings } = stepDates(keys, t);
  return [...actions, ...warnings].some(
    (on) => on.getTime() > from.getTime() && on.getTime() <= to.getTime(),
  );
}

/** What a quiet period is bound to: the user's keys as the report shows them. A change ends it. */
export function keysFingerprint(keys: readonly ReportedKey[]): string {
  return keys
    .map((k) => `${k.status}:${k.createdAt.toISOString()}:${k.lastUsedAt?.toISOString() ?? "-"}`)
    .sort()
    .join("|");
}

/**
 * Whether a superseded Active key was used after its replacement was created and its deactivation
 * comes within `warnBeforeDays`: the owner must hear, before it happens, that something still uses it.
 */
export function supersededInUse(keys: readonly ReportedKey[], t: Thresholds, now: Date): boolean {
  const newest = keys.reduce<ReportedKey | undefined>(
    (n, k) => (n === undefined || k.createdAt.getTime() > n.createdAt.getTime() ? k : n),
    undefined,
  );
  if (newest === undefined || newest.status !== "Active") return false;
  return keys.some((key) => {
    if (key === newest || key.status !== "Active") return false;
    const usedAfter = key.lastUsedAt !== null && key.lastUsedAt.getTime() > newest.createdAt.getTime();
    const deactivateOn = later(
      addDays(key.createdAt, t.deactivateAfterDays),
      addDays(newest.createdAt, t.deactivateAfterDays - t.rotateAfterDays),
    );
    return usedAfter && now.getTime() >= addDays(deactivateOn, -t.warnBeforeDays).getTime();
  });
}
