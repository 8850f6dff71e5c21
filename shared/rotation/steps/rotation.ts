import type { DeliveryRecord, SecretRecord } from "../../ledger/records";
import type { Verification } from "../../lifecycle";
import type { IamUser, NewAccessKey, SecretMeta } from "../ports";
import type { SecretStanding } from "../secret-standing";

/**
 * Where a key stands, as the ledger records it (docs/lifecycle.md draws the machine):
 * - `due`: the user's newest key is old enough to replace;
 * - `created`: keyrotor announced the creation (pending) and the key may exist, unrecorded;
 * - `verified`: the new key signed in as its user;
 * - `stored`: its value is in the user's secret and the ledger recorded it;
 * - `delivered`: every bound destination confirmed it;
 * - `superseded`: a newer recorded key replaced it and it is still Active;
 * - `deactivated`, `deleted`: retired, then removed.
 */
export type KeyState =
  | "due"
  | "created"
  | "verified"
  | "stored"
  | "delivered"
  | "superseded"
  | "deactivated"
  | "deleted";

/** What a rotation starts from: the user, its secret as judged, the policy the secret must carry. */
export interface RotationStart {
  readonly user: IamUser;
  /** The user's secret name. */
  readonly name: string;
  readonly standing: SecretStanding;
  readonly policy: string;
  /** When the rotation fell due: the record keeps it, so a report can say how late it came. */
  readonly dueOn: Date;
}

/** The user's secret exists; `unrecorded` is its record when the ledger does not hold it yet. */
export interface Housed extends RotationStart {
  readonly secret: SecretMeta;
  readonly unrecorded: SecretRecord | undefined;
}

/** The new key exists (state `created`). */
export interface Created extends Housed {
  readonly key: NewAccessKey;
}

/** The new key signed in (state `verified`; `verified` is absent when verification is off). */
export interface Verified extends Created {
  readonly verified: Verification | undefined;
}

/** The key's delivery has begun: its escrow is recorded; `previous` is the record it replaced. */
export interface Escrowed extends Verified {
  readonly delivery: DeliveryRecord | undefined;
  readonly previous: DeliveryRecord | undefined;
}

/** The key's value is in the secret and recorded in the ledger (state `stored`). */
export interface Stored extends Escrowed {
  readonly versionId: string;
}
