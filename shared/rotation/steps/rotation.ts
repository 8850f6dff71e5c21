import type { DeliveryRecord, SecretRecord } from "../../ledger/records";
import type { Verification } from "../../lifecycle";
import type { IamUser, NewAccessKey, SecretMeta } from "../ports";
import type { SecretStanding } from "../secret-standing";

/*
 * The stages one rotation passes through, each the outcome of one step. Where a key stands in the
 * ledger's terms: `due` (the newest key is old enough), `created` (announced, pending, the key may exist
 * unrecorded), `verified`, `stored` (in the secret and recorded), `delivered` (every bound destination
 * confirmed), then `superseded`, `deactivated` and `deleted` as the plan retires the old key.
 */

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
