import { addDays, ageInDays } from "./time";
import {
  type Action,
  type KeyFacts,
  NEW_KEY,
  type Thresholds,
  type Upcoming,
  type UserFacts,
  type UserPlan,
  type UserStatus,
} from "./types";

/** The most recently created key; ties broken by id so the choice never depends on list order. */
export function newestKey<K extends KeyFacts>(keys: readonly K[]): K | undefined {
  let newest: K | undefined;
  for (const key of keys) {
    const t = key.createdAt.getTime();
    const n = newest?.createdAt.getTime();
    if (newest === undefined || n === undefined || t > n || (t === n && key.id > newest.id)) newest = key;
  }
  return newest;
}

/**
 * Keys keyrotor announced (the secret's pending mark), created, and never recorded in the secret
 * (DESIGN §3.4). They are never a replacement for anything.
 */
export function unrecordedKeys(user: UserFacts): KeyFacts[] {
  const mark = user.secret;
  if (mark?.pendingSince == null) return [];
  const since = mark.pendingSince.getTime();
  return user.keys.filter((k) => k.createdAt.getTime() >= since && k.id !== mark.recordedKeyId);
}

/**
 * Decides what to do with one user's keys at `now` (DESIGN §2). Pure: the same facts give the same
 * plan in audit and enforce mode; applying it is the caller's business.
 *
 * @param previousRunAt the instant of the previous run, for warnings that must fire exactly once;
 *   a daily schedule's previous run by default.
 */
export function decide(
  user: UserFacts,
  t: Thresholds,
  now: Date,
  previousRunAt: Date = addDays(now, -1),
): UserPlan {
  const { userName } = user;
  const quiet = { warning: null, upcoming: [] };
  if (user.exempt !== null) {
    return { userName, status: "exempt", actions: [], reason: `exempt by ${user.exempt}`, ...quiet };
  }

  const actions: Action[] = [];
  let keys: readonly KeyFacts[] = user.keys;
  for (const key of unrecordedKeys(user)) {
    if (key.lastUsedAt !== null) {
      const reason =
        `key ${key.id} was created by keyrotor but never recorded in its secret, and ` +
        `${key.lastUsedAt === undefined ? "its last use is unknown" : "it has been used"}: ` +
        "a person must check who uses it before keyrotor acts on this user again";
      return { userName, status: "held", actions: [], reason, ...quiet };
    }
    actions.push({ kind: "delete", keyId: key.id, reason: "unrecorded" });
    keys = keys.filter((k) => k !== key);
  }

  const newest = newestKey(keys);
  if (newest === undefined) {
    return { userName, status: actions.length > 0 ? "due" : "no-keys", actions, ...quiet };
  }
  const age = (k: KeyFacts) => ageInDays(k.createdAt, now);
  const { rotateAfterDays: r, deactivateAfterDays: d, deleteAfterDays: x } = t;

  const deleted = new Set<KeyFacts>();
  for (const key of keys) {
    if (key.status === "Inactive" && age(key) >= x && (key === newest || age(newest) >= x - r)) {
      actions.push({ kind: "delete", keyId: key.id, reason: "expired" });
      deleted.add(key);
    }
  }

  let reason: string | undefined;
  if (newest.status === "Active" && age(newest) >= r) {
    const remaining = keys.length - deleted.size;
    if (remaining < 2) {
      actions.push({ kind: "create", replacesKeyId: newest.id });
    } else {
      reason = `rotation of ${newest.id} is due but the user already has two keys and neither may be deleted yet`;
    }
  }

  // The replacement must be Active, old enough for consumers to have switched, and, where keyrotor
  // manages the user, the key recorded in the secret (the one consumers can actually fetch).
  const replacementReady =
    newest.status === "Active" &&
    age(newest) >= d - r &&
    (user.secret === null || user.secret.recordedKeyId === newest.id);
  if (replacementReady) {
    for (const key of keys) {
      if (key !== newest && key.status === "Active" && age(key) >= d) {
        actions.push({ kind: "deactivate", keyId: key.id, replacedByKeyId: newest.id });
      }
    }
  }

  const hasActive = keys.some((k) => k.status === "Active");
  const status: UserStatus =
    reason !== undefined ? "blocked" : actions.length > 0 ? "due" : hasActive ? "ok" : "inactive";
  return {
    userName,
    status,
    actions,
    warning: rotationWarning(newest, t, now, previousRunAt),
    upcoming: upcomingAfter(applyToFacts(keys, actions, now), t, now),
    ...(reason === undefined ? {} : { reason }),
  };
}

/** The rotation warning, on the one run in which the newest Active key reaches `rotate - warnBefore` days. */
function rotationWarning(newest: KeyFacts, t: Thresholds, now: Date, previousRunAt: Date): Upcoming | null {
  if (newest.status !== "Active" || t.warnBeforeDays === 0) return null;
  const warnAt = t.rotateAfterDays - t.warnBeforeDays;
  const crossed =
    ageInDays(newest.createdAt, now) >= warnAt && ageInDays(newest.createdAt, previousRunAt) < warnAt;
  return crossed
    ? { keyId: newest.id, action: "rotate", on: addDays(newest.createdAt, t.rotateAfterDays) }
    : null;
}

/**
 * The keys as they will be once `actions` are applied, the created key standing in as `NEW_KEY`
 * created at `now`. Used for what comes next, and by tests to walk the lifecycle.
 */
export function applyToFacts(keys: readonly KeyFacts[], actions: readonly Action[], now: Date): KeyFacts[] {
  let result = [...keys];
  for (const action of actions) {
    if (action.kind === "delete") result = result.filter((k) => k.id !== action.keyId);
    if (action.kind === "deactivate") {
      result = result.map((k) => (k.id === action.keyId ? { ...k, status: "Inactive" } : k));
    }
    if (action.kind === "create")
      result.push({ id: NEW_KEY, status: "Active", createdAt: now, lastUsedAt: null });
  }
  return result;
}

/** When each key's next step falls due if nothing else changes, later than `now`. */
function upcomingAfter(keys: readonly KeyFacts[], t: Thresholds, now: Date): Upcoming[] {
  const newest = newestKey(keys);
  if (newest === undefined) return [];
  const later = (...dates: Date[]) => new Date(Math.max(...dates.map((date) => date.getTime())));
  const upcoming: Upcoming[] = [];
  for (const key of keys) {
    if (key.status === "Active" && key === newest) {
      upcoming.push({ keyId: key.id, action: "rotate", on: addDays(key.createdAt, t.rotateAfterDays) });
    } else if (key.status === "Active" && newest.status === "Active") {
      const on = later(
        addDays(key.createdAt, t.deactivateAfterDays),
        addDays(newest.createdAt, t.deactivateAfterDays - t.rotateAfterDays),
      );
      upcoming.push({ keyId: key.id, action: "deactivate", on });
    } else if (key.status === "Inactive") {
      const on =
        key === newest
          ? addDays(key.createdAt, t.deleteAfterDays)
          : later(
              addDays(key.createdAt, t.deleteAfterDays),
              addDays(newest.createdAt, t.deleteAfterDays - t.rotateAfterDays),
            );
      upcoming.push({ keyId: key.id, action: "delete", on });
    }
  }
  return upcoming
    .filter((u) => u.on.getTime() > now.getTime())
    .sort((a, b) => a.on.getTime() - b.on.getTime());
}
