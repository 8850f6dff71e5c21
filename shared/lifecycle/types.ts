/** The facts and decisions of the key lifecycle (docs/lifecycle.md). Plain data, no AWS types. */

import type { Verification } from "./own-use";

/**
 * An access key's status as IAM's ListAccessKeys reports it. Only an `Active` key can authenticate;
 * an `Inactive` or `Expired` one cannot, so the lifecycle treats those two alike.
 */
export type KeyStatus = "Active" | "Inactive" | "Expired";

/** One access key as IAM describes it. Never holds the secret access key. */
export interface KeyFacts {
  readonly id: string;
  readonly status: KeyStatus;
  readonly createdAt: Date;
  /** When the key was last used: `null` never used, `undefined` not looked up. */
  readonly lastUsedAt?: Date | null;
  /** With what and where it was last used, when IAM said (GetAccessKeyLastUsed, the credential report). */
  readonly lastUsedService?: string;
  readonly lastUsedRegion?: string;
  /** keyrotor's own verification of the key, as its ledger records it: a last use that is only that is none. */
  readonly verified?: Verification;
}

/**
 * What the user's keyrotor secret says, read from its metadata (never its value).
 * `recordedKeyId` is the key whose value is the secret's current version; `pendingSince` is the
 * instant keyrotor announced it was about to create a key and had not yet recorded one.
 */
export interface SecretMark {
  readonly recordedKeyId: string | null;
  readonly pendingSince: Date | null;
}

export type ExemptReason = "group" | "tag" | "account";

export interface UserFacts {
  readonly userName: string;
  readonly keys: readonly KeyFacts[];
  readonly exempt: ExemptReason | null;
  /** `null` when the user has no keyrotor secret yet. */
  readonly secret: SecretMark | null;
  /**
   * Destinations that have not confirmed the recorded key: until none is left, the key it replaces
   * stays Active (whatever its age), so nothing that still uses it breaks.
   */
  readonly undelivered?: readonly string[];
  /** Keys keyrotor deactivated that are Active again: a person re-activated them, keyrotor leaves them be. */
  readonly reactivated?: readonly string[];
  /** A key someone said was exposed, and what is to become of it (docs/lifecycle.md, "Exposed keys"). */
  readonly exposed?: Exposure;
}

/**
 * What becomes of an exposed key once its replacement is stored: `revoke` deactivates it at once (no
 * hold for destinations or use), `delete` deactivates and deletes it, `grace` lets it follow the usual
 * grace from its replacement (deactivated D - R days after it, deleted X - R days after it).
 */
export type ExposureResponse = "revoke" | "delete" | "grace";

export interface Exposure {
  readonly keyId: string;
  readonly response: ExposureResponse;
  /** When it was reported: the replacement's due date. */
  readonly since: Date;
  /**
   * A person asked (not an event): an Inactive older key may be deleted early to free the slot the
   * replacement needs. An event never deletes a key it did not name.
   */
  readonly mayFreeSlot: boolean;
}

export interface Thresholds {
  readonly rotateAfterDays: number;
  readonly deactivateAfterDays: number;
  readonly deleteAfterDays: number;
  readonly warnBeforeDays: number;
  /**
   * CIS 1.12 / IAM.22: an Active key unused this many days (never used: since creation) is
   * deactivated, then deleted by the delete rule. `null` or absent: off.
   */
  readonly deactivateUnusedAfterDays?: number | null;
  /**
   * A superseded key used within the last day is not deactivated yet: it waits until it has been idle
   * a day, at most until its delete date (when it is deactivated whatever its use).
   */
  readonly holdWhileInUse?: boolean;
}

/** The stand-in id of the key a plan creates, until the act knows the real one. */
export const NEW_KEY = "(new key)";

export type Action =
  /**
   * Delete a key that cannot authenticate (Inactive or Expired) past the delete threshold, or an
   * unrecorded key keyrotor made and nobody used.
   */
  | {
      readonly kind: "delete";
      readonly keyId: string;
      readonly reason: "expired" | "unrecorded" | "exposed" | "slot";
      readonly dueOn: Date;
    }
  /** Create a replacement for `replacesKeyId` and store it in the user's secret. */
  | { readonly kind: "create"; readonly replacesKeyId: string; readonly dueOn: Date }
  | {
      readonly kind: "deactivate";
      readonly keyId: string;
      /** The replacement consumers should have switched to; absent when the key is retired as unused. */
      readonly replacedByKeyId?: string;
      /** For a key retired as unused: when it was last used (its creation, if never). */
      readonly unusedSince?: Date;
      readonly dueOn: Date;
    };

export type ActionKind = Action["kind"];

/**
 * - `exempt`: reported, never touched.
 * - `no-keys`: nothing to do.
 * - `inactive`: only keys that cannot authenticate (Inactive or Expired); never gets a new key.
 * - `ok`: nothing due this run.
 * - `due`: the plan has actions.
 * - `blocked`: rotation is due but keyrotor may not free a slot (two keys, none deletable).
 * - `held`: a key keyrotor created could not be recorded and has been used: a person must look.
 */
export type UserStatus = "exempt" | "no-keys" | "inactive" | "ok" | "due" | "blocked" | "held";

/** A step of a key's life and the first instant it is due (`dueOn` of an action, `on` of what comes). */
export interface Upcoming {
  readonly keyId: string;
  readonly action: "rotate" | "deactivate" | "delete";
  readonly on: Date;
}

/**
 * A superseded key whose deactivation is due and keyrotor holds back:
 * - `undelivered`: some destinations have not confirmed the replacement (`destinations`);
 * - `in-use`: the key was used within the last day (`holdWhileInUse`), held at most `until`;
 * - `reactivated`: keyrotor deactivated it once and a person made it Active again.
 */
export interface Hold {
  readonly keyId: string;
  readonly reason: "undelivered" | "in-use" | "reactivated";
  /** When the deactivation fell due. */
  readonly dueOn: Date;
  readonly until?: Date;
  readonly destinations?: readonly string[];
}

export interface UserPlan {
  readonly userName: string;
  readonly status: UserStatus;
  /** In the order they must be applied: deletions (freeing a slot), creation, deactivations. */
  readonly actions: readonly Action[];
  /**
   * Steps announced `warnBeforeDays` ahead, each on the one run in which its warning date passes:
   * the newest Active key's rotation, an unused key's deactivation.
   */
  readonly warnings: readonly Upcoming[];
  readonly upcoming: readonly Upcoming[];
  /** Deactivations that are due and held back (empty when none). */
  readonly holds: readonly Hold[];
  /** Why the user is `blocked`, `held` or `exempt`. */
  readonly reason?: string;
  /** For `blocked`: when the rotation that cannot happen fell due. */
  readonly blockedSince?: Date;
}
