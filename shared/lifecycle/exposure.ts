import { addDays } from "./time";
import type { Action, Exposure, KeyFacts, Thresholds, UserFacts } from "./types";

/**
 * An exposed key is answered at once, whatever its age (docs/lifecycle.md, "Exposed keys"):
 * - while it is the newest key, a replacement is due from the moment it was reported, Active or not;
 * - once replaced, `revoke` and `delete` deactivate it at once, holding for nothing, and `delete`
 *   deletes it (`revoke` leaves its deletion to the usual rule: an event never brings one forward);
 *   `grace` lets it go the usual way, dated from its replacement only (D - R days to deactivation,
 *   X - R to deletion), since its own age says nothing about how long it has been known.
 */

/** The exposed key among the user's keys, or `undefined` when there is none (or it is gone). */
export function exposedKey(user: UserFacts, keys: readonly KeyFacts[]): KeyFacts | undefined {
  const id = user.exposed?.keyId;
  return id === undefined ? undefined : keys.find((k) => k.id === id);
}

/** When a step of the exposed, superseded key falls due under `grace`: counted from its replacement. */
export function graceDueDate(step: "deactivate" | "delete", newest: KeyFacts, t: Thresholds): Date {
  const days = step === "deactivate" ? t.deactivateAfterDays : t.deleteAfterDays;
  return addDays(newest.createdAt, days - t.rotateAfterDays);
}

type Retirement = Extract<Action, { kind: "deactivate" | "delete" }>;

/** Whether the exposed key is answered without waiting: deactivated (and perhaps deleted) at once. */
export const revokes = (exposure: Exposure | undefined) =>
  exposure !== undefined && exposure.response !== "grace";

/**
 * The steps that follow the replacement in the same run: the exposed key deactivated (revoke, delete)
 * and deleted (delete), in that order, so a failed deactivation never leaves a deletion behind it.
 */
export function revocation(exposure: Exposure, key: KeyFacts, replacedBy: string): Retirement[] {
  if (!revokes(exposure)) return [];
  const dueOn = exposure.since;
  const actions: Retirement[] = [];
  if (key.status === "Active")
    actions.push({ kind: "deactivate", keyId: key.id, replacedByKeyId: replacedBy, dueOn });
  if (exposure.response === "delete")
    actions.push({ kind: "delete", keyId: key.id, reason: "exposed", dueOn });
  return actions;
}

/**
 * The other key, when a person asked and it is Inactive: deleting it frees the slot the exposed key's
 * replacement needs. An Active one is never taken (something may use it), nor anything for an event.
 */
export function slotToFree(
  exposure: Exposure,
  exposed: KeyFacts,
  keys: readonly KeyFacts[],
): KeyFacts | undefined {
  if (!exposure.mayFreeSlot) return undefined;
  const others = keys.filter((k) => k !== exposed);
  return others.length === 1 && others[0]?.status !== "Active" ? others[0] : undefined;
}

export const blockedExposure = (key: KeyFacts) =>
  `key ${key.id} is exposed and must be replaced now, but the user already has two keys and keyrotor may not ` +
  "delete the other: a person must deactivate and delete it (or the exposed key), then run keyrotor rotate again";
