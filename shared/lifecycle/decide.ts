import { blockedExposure, exposedKey, graceDueDate, revocation, revokes, slotToFree } from "./exposure";
import { consumerLastUsedAt } from "./own-use";
import { addDays, DAY_MS } from "./time";
import {
  type Action,
  type Hold,
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

const later = (a: Date, b: Date) => (a.getTime() >= b.getTime() ? a : b);

/**
 * Whether the key can sign requests. Only an Active one can: an Inactive or an Expired key is never
 * rotated, never a replacement and never deactivated, and is deleted by the delete rule.
 */
const canAuthenticate = (key: KeyFacts) => key.status === "Active";

/**
 * The first instant a step of `key`'s life is due, given the user's `newest` key (docs/lifecycle.md).
 * "Age >= N whole days" is exactly "now >= createdAt + N days", so a rule holds when its date has come.
 * - rotate: the key is R days old.
 * - deactivate: the key is D days old and its replacement D - R days old.
 * - delete: the key is X days old and, where a newer key exists, that one X - R days old.
 */
export function dueDate(step: Upcoming["action"], key: KeyFacts, newest: KeyFacts, t: Thresholds): Date {
  const { rotateAfterDays: r, deactivateAfterDays: d, deleteAfterDays: x } = t;
  if (step === "rotate") return addDays(key.createdAt, r);
  if (step === "deactivate") return later(addDays(key.createdAt, d), addDays(newest.createdAt, d - r));
  const own = addDays(key.createdAt, x);
  return key === newest ? own : later(own, addDays(newest.createdAt, x - r));
}

/**
 * When an Active key falls due for retirement as unused (CIS 1.12): `deactivateUnusedAfterDays` after
 * its consumers' last use (its creation, if never used: keyrotor's own verification is no use), and never while it is the key keyrotor recorded and its
 * replacement window (`D - R` days) is still open. `null`: the rule is off or the last use is unknown.
 */
export function unusedDueDate(key: KeyFacts, user: UserFacts, t: Thresholds): Date | null {
  const days = t.deactivateUnusedAfterDays;
  const lastUsedAt = consumerLastUsedAt(key);
  if (days == null || !canAuthenticate(key) || lastUsedAt === undefined) return null;
  const unused = addDays(lastUsedAt ?? key.createdAt, days);
  if (user.secret?.recordedKeyId !== key.id) return unused;
  return later(unused, addDays(key.createdAt, t.deactivateAfterDays - t.rotateAfterDays));
}

/**
 * How long after its creation a key's use may be keyrotor's own verification (STS GetCallerIdentity
 * signed with the new key, which IAM records as a use): retries included, it ends within a minute.
 */
export const VERIFICATION_USE_MS = 10 * 60_000;

/**
 * Whether someone may have used an unrecorded key: its last use is unknown, or later than keyrotor's
 * own verification of it could have been. Nobody else ever had such a key before it was stored.
 */
function usedBySomeone(key: KeyFacts): boolean {
  if (key.lastUsedAt === null) return false;
  if (key.lastUsedAt === undefined) return true;
  return key.lastUsedAt.getTime() - key.createdAt.getTime() > VERIFICATION_USE_MS;
}

/**
 * Keys keyrotor announced (the secret's pending mark), created, and never recorded in the secret: a
 * run that stopped between CreateAccessKey and writing the secret leaves one behind, and nobody can
 * fetch its secret. They are never a replacement for anything.
 */
export function unrecordedKeys(user: UserFacts): KeyFacts[] {
  const mark = user.secret;
  if (mark?.pendingSince == null) return [];
  const since = mark.pendingSince.getTime();
  return user.keys.filter((k) => k.createdAt.getTime() >= since && k.id !== mark.recordedKeyId);
}

/**
 * Decides what to do with one user's keys at `now` (docs/lifecycle.md). Pure: the same facts give
 * the same plan in audit and enforce mode; applying it is the caller's business.
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
  const quiet = { warnings: [], upcoming: [], holds: [] };
  if (user.exempt !== null) {
    return { userName, status: "exempt", actions: [], reason: `exempt by ${user.exempt}`, ...quiet };
  }

  const actions: Action[] = [];
  let keys: readonly KeyFacts[] = user.keys;
  for (const key of unrecordedKeys(user)) {
    if (usedBySomeone(key)) {
      const reason =
        `key ${key.id} was created by keyrotor but never recorded in its secret, and ` +
        `${key.lastUsedAt === undefined ? "its last use is unknown" : "it has been used"}: ` +
        "a person must check who uses it before keyrotor acts on this user again";
      return { userName, status: "held", actions: [], reason, ...quiet };
    }
    actions.push({ kind: "delete", keyId: key.id, reason: "unrecorded", dueOn: key.createdAt });
    keys = keys.filter((k) => k !== key);
  }

  const newest = newestKey(keys);
  if (newest === undefined) {
    return { userName, status: actions.length > 0 ? "due" : "no-keys", actions, ...quiet };
  }
  const current = { ...user, keys };
  const exposed = exposedKey(user, keys);
  const exposure = exposed ? user.exposed : undefined;
  const due = (step: Upcoming["action"], key: KeyFacts) => {
    const on = stepDueDate(step, key, newest, t, current);
    return on.getTime() <= now.getTime() ? on : null;
  };
  const dueNow = (since: Date) => (since.getTime() <= now.getTime() ? since : now);
  const retired = new Set<KeyFacts>();
  const reactivated = new Set(user.reactivated ?? []);
  for (const key of keys) {
    // An exposed key is answered by its own rules, not retired as unused.
    const unusedOn = reactivated.has(key.id) || key === exposed ? null : unusedDueDate(key, current, t);
    if (unusedOn && unusedOn.getTime() <= now.getTime()) {
      actions.push({
        kind: "deactivate",
        keyId: key.id,
        unusedSince: consumerLastUsedAt(key) ?? key.createdAt,
        dueOn: unusedOn,
      });
      retired.add(key);
    }
  }

  // The replacement must be Active and, where keyrotor manages the user, the key recorded in the
  // secret (the one consumers can actually fetch); its age is part of the due date.
  const replacementUsable =
    canAuthenticate(newest) &&
    !retired.has(newest) &&
    (user.secret === null || user.secret.recordedKeyId === newest.id);
  // A superseded exposed key that is revoked goes at once: no hold, no waiting for its age.
  // A person who re-activated it after keyrotor revoked it is not fought.
  const revokedNow =
    exposure &&
    exposed !== newest &&
    replacementUsable &&
    revokes(exposure) &&
    !reactivated.has(exposure.keyId)
      ? exposed
      : undefined;

  let deleted = 0;
  for (const key of keys) {
    const deletedByRevocation = key === revokedNow && exposure?.response === "delete";
    const dueOn = canAuthenticate(key) || deletedByRevocation ? null : due("delete", key);
    if (dueOn) {
      actions.push({ kind: "delete", keyId: key.id, reason: "expired", dueOn });
      deleted++;
    }
  }

  // An unused newest key is retired, not replaced: nobody would fetch its successor. An exposed one is
  // replaced at once, whatever its age or status.
  const rotateOn =
    exposure && exposed === newest
      ? dueNow(exposure.since)
      : canAuthenticate(newest) && !retired.has(newest)
        ? due("rotate", newest)
        : null;
  const slot = exposure && exposed === newest ? slotToFree(exposure, newest, keys) : undefined;
  if (rotateOn && slot && keys.length - deleted >= 2 && !deletes(actions, slot.id)) {
    actions.push({ kind: "delete", keyId: slot.id, reason: "slot", dueOn: rotateOn });
    deleted++;
  }
  let blocked = false;
  if (rotateOn && keys.length - deleted < 2) {
    actions.push({ kind: "create", replacesKeyId: newest.id, dueOn: rotateOn });
    if (exposure && exposed === newest) {
      actions.push(...revocation(exposure, newest, NEW_KEY).filter((a) => !deletes(actions, a.keyId)));
    }
  } else if (rotateOn) {
    blocked = true;
  }

  const holds: Hold[] = [];
  for (const key of keys) {
    if (key === revokedNow && exposure) {
      actions.push(...revocation(exposure, key, newest.id).filter((a) => !deletes(actions, a.keyId)));
      continue;
    }
    const eligible = replacementUsable && key !== newest && canAuthenticate(key) && !retired.has(key);
    const dueOn = eligible ? due("deactivate", key) : null;
    if (!dueOn) continue;
    const hold = holdOf(user, key, stepDueDate("delete", key, newest, t, current), t, now, dueOn);
    if (hold) holds.push(hold);
    else actions.push({ kind: "deactivate", keyId: key.id, replacedByKeyId: newest.id, dueOn });
  }

  const hasActive = keys.some((k) => canAuthenticate(k) && !retired.has(k));
  const status: UserStatus = blocked ? "blocked" : actions.length > 0 ? "due" : hasActive ? "ok" : "inactive";
  return {
    userName,
    status,
    actions,
    warnings: warningsFor(current, newest, t, now, previousRunAt),
    upcoming: upcomingAfter({ ...current, keys: applyToFacts(keys, actions, now) }, t, now),
    holds,
    ...(blocked && rotateOn
      ? {
          reason:
            exposed === newest
              ? blockedExposure(newest)
              : `rotation of ${newest.id} is due but the user already has two keys and neither may be deleted yet`,
          blockedSince: rotateOn,
        }
      : {}),
  };
}

const deletes = (actions: readonly Action[], keyId: string | undefined) =>
  actions.some((a) => a.kind === "delete" && a.keyId === keyId);

/**
 * `dueDate`, except for an exposed key under `grace` once superseded: its deactivation and deletion
 * are dated from its replacement alone. (Revoked, it is deactivated at once and deleted by the usual rule.)
 */
function stepDueDate(
  step: Upcoming["action"],
  key: KeyFacts,
  newest: KeyFacts,
  t: Thresholds,
  user: UserFacts,
) {
  const graced = user.exposed?.response === "grace" && key.id === user.exposed.keyId;
  if (step !== "rotate" && key !== newest && graced) return graceDueDate(step, newest, t);
  return dueDate(step, key, newest, t);
}

/**
 * Why a superseded key whose deactivation is due is held back, or `null` to deactivate it. A person
 * re-activated it; a destination has not confirmed its replacement; or, with `holdWhileInUse`, its
 * consumers used it within the last day (keyrotor's own verification is no use) and its delete date
 * has not come.
 */
function holdOf(
  user: UserFacts,
  key: KeyFacts,
  deleteOn: Date,
  t: Thresholds,
  now: Date,
  dueOn: Date,
): Hold | null {
  if (user.reactivated?.includes(key.id)) return { keyId: key.id, reason: "reactivated", dueOn };
  if (user.undelivered && user.undelivered.length > 0) {
    return { keyId: key.id, reason: "undelivered", dueOn, destinations: user.undelivered };
  }
  const used = consumerLastUsedAt(key)?.getTime();
  const inUse = used !== undefined && now.getTime() - used < DAY_MS;
  if (t.holdWhileInUse && inUse && now.getTime() < deleteOn.getTime()) {
    return { keyId: key.id, reason: "in-use", dueOn, until: deleteOn };
  }
  return null;
}

/**
 * The warnings of this run: each step announced `warnBeforeDays` ahead falls on the one run in which
 * its warning date passes (between the previous run and this one), so none repeats daily.
 */
function warningsFor(
  user: UserFacts,
  newest: KeyFacts,
  t: Thresholds,
  now: Date,
  previousRunAt: Date,
): Upcoming[] {
  if (t.warnBeforeDays === 0) return [];
  const crossed = (on: Date) => {
    const warnAt = addDays(on, -t.warnBeforeDays).getTime();
    return warnAt > previousRunAt.getTime() && warnAt <= now.getTime();
  };
  const warnings: Upcoming[] = [];
  const rotateOn = dueDate("rotate", newest, newest, t);
  if (canAuthenticate(newest) && crossed(rotateOn))
    warnings.push({ keyId: newest.id, action: "rotate", on: rotateOn });
  for (const key of user.keys) {
    const unusedOn = unusedDueDate(key, user, t);
    if (unusedOn && unusedOn.getTime() > now.getTime() && crossed(unusedOn)) {
      warnings.push({ keyId: key.id, action: "deactivate", on: unusedOn });
    }
  }
  return warnings;
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

/** Each key's next step if nothing else changes, when it falls due after `now`. */
function upcomingAfter(user: UserFacts, t: Thresholds, now: Date): Upcoming[] {
  const newest = newestKey(user.keys);
  if (newest === undefined) return [];
  const upcoming: Upcoming[] = [];
  for (const key of user.keys) {
    const step: Upcoming["action"] | null = !canAuthenticate(key)
      ? "delete"
      : key === newest
        ? "rotate"
        : canAuthenticate(newest)
          ? "deactivate"
          : null;
    const unusedOn = key.id === user.exposed?.keyId ? null : unusedDueDate(key, user, t);
    const on = step ? stepDueDate(step, key, newest, t, user) : null;
    if (unusedOn && (on === null || unusedOn.getTime() < on.getTime())) {
      upcoming.push({ keyId: key.id, action: "deactivate", on: unusedOn });
    } else if (step && on) {
      upcoming.push({ keyId: key.id, action: step, on });
    }
  }
  return upcoming
    .filter((u) => u.on.getTime() > now.getTime())
    .sort((a, b) => a.on.getTime() - b.on.getTime());
}
