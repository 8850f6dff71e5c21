import type { AccountReport, UserReport } from "../rotation/report";

const DAY_MS = 86_400_000;

/**
 * One account's figures after a run, as the metrics carry them. Exempt users are left out: keyrotor
 * never touches their keys, so their age would say nothing about keyrotor's work.
 */
export interface AccountFigures {
  /** Whole days since the oldest Active key of a managed user was created; 0 without one. */
  readonly oldestActiveKeyAgeDays: number;
  /** Active keys whose rotation fell due and that still have no replacement after the run. */
  readonly keysPastRotation: number;
  /** Whole days the longest-overdue of those has been due; 0 without one. */
  readonly mostDaysPastRotation: number;
  /** Keys whose deactivation fell due and that are still Active after the run (held back, failed or planned). */
  readonly keysPastDeactivationActive: number;
  /** Users keyrotor holds back: a deactivation held, or a key it made that it could not record. */
  readonly heldUsers: number;
  /** Users whose rotation is due and cannot go on without a person. */
  readonly blockedUsers: number;
  /** Deliveries of a user's key to a destination that failed in the run. */
  readonly failedDeliveries: number;
  /** Users whose facts could not be read or whose actions failed. */
  readonly failedUsers: number;
}

const wholeDays = (fromIso: string, now: number) =>
  Math.max(0, Math.floor((now - Date.parse(fromIso)) / DAY_MS));

/** When the user's rotation fell due, if it did and no replacement was made in the run. */
function rotationDueSince(user: UserReport, now: number): string | undefined {
  const pending = user.actions
    .filter((a) => a.kind === "create" && a.outcome !== "done" && Date.parse(a.dueOn) <= now)
    .map((a) => a.dueOn);
  const since = [...pending, ...(user.status === "blocked" && user.blockedSince ? [user.blockedSince] : [])];
  return since.sort((a, b) => Date.parse(a) - Date.parse(b))[0];
}

/** The keys whose deactivation is due and that the run left Active. */
function pastDeactivation(user: UserReport): Set<string> {
  const left = user.actions
    .filter((a) => a.kind === "deactivate" && a.outcome !== "done")
    .map((a) => a.keyId);
  return new Set([...left, ...(user.holds ?? []).map((h) => h.keyId)]);
}

/** The figures of one account's run, from its report alone. */
export function accountFigures(report: AccountReport): AccountFigures {
  const now = Date.parse(report.now);
  const managed = report.users.filter((u) => u.status !== "exempt");
  const activeAges = managed.flatMap((u) =>
    u.keys.filter((k) => k.status === "Active").map((k) => wholeDays(k.createdAt, now)),
  );
  const overdue = managed.flatMap((u) => {
    const since = rotationDueSince(u, now);
    return since ? [wholeDays(since, now)] : [];
  });
  return {
    oldestActiveKeyAgeDays: Math.max(0, ...activeAges),
    keysPastRotation: overdue.length,
    mostDaysPastRotation: Math.max(0, ...overdue),
    keysPastDeactivationActive: managed.reduce((n, u) => n + pastDeactivation(u).size, 0),
    heldUsers: managed.filter((u) => u.status === "held" || (u.holds ?? []).length > 0).length,
    blockedUsers: managed.filter((u) => u.status === "blocked").length,
    failedDeliveries: managed.flatMap((u) => u.deliveries ?? []).filter((d) => d.outcome === "failed").length,
    failedUsers: report.failedUsers,
  };
}
