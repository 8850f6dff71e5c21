import { randomUUID } from "node:crypto";
import { describeError } from "../errors";
import type { NewSecret, SecretMeta, SecretsPort } from "../rotation/ports";
import type { CopyLedger, CopyPlace, CopyRecord } from "./copy-ledger";
import { type CopyRefusal, copyHazard, copyStanding } from "./copy-standing";
import { DeliveryError } from "./types";

/** What finding (or making) keyrotor's copy at a place needs. */
export interface CopyClaim {
  readonly secrets: Pick<SecretsPort, "describeSecret" | "createSecret">;
  readonly copies: CopyLedger;
  readonly place: CopyPlace;
  /** Whose key the copy holds, `<accountId>/<userName>`. */
  readonly owner: string;
  /** How the copy reads in a message: `secret <name> in account <id> (<region>)`. */
  readonly what: string;
  readonly now: () => number;
  /** The secret to create, tagged with the nonce of the intent recorded before it. */
  readonly secretFor: (nonce: string) => NewSecret;
}

/** Looks taken again when the ledger's record changed under this delivery (another one at the same copy). */
const TURNS = 3;

const RETRY_FIX = "nothing: keyrotor retries on its next run";

/**
 * The ARN of keyrotor's copy at the place, fit to be written: the secret keyrotor recorded, or its own
 * creation whose answer was lost (then recorded), or one it creates now, its intent recorded first.
 * Each delivery reads the record and describes the secret again, since either can change behind
 * keyrotor's back.
 * @throws DeliveryError `rejected` naming the secret, why and the fix, for a secret keyrotor did not
 *   create or that someone made unfit; `unavailable` while another delivery is creating it or when the
 *   ledger cannot be reached. AWS failures are thrown as they come, for the writer to tell.
 */
export async function claimCopy(c: CopyClaim): Promise<string> {
  let record = await ledger(c, () => c.copies.getCopy(c.place));
  let meta = await c.secrets.describeSecret(c.place.name);
  for (let turn = 0; turn < TURNS; turn++) {
    const standing = copyStanding(record, meta, c.owner, c.now());
    switch (standing.kind) {
      case "refused":
        throw refusal(c, standing);
      case "busy":
        throw new DeliveryError(
          `${c.what} is being created by another delivery of keyrotor (since ${standing.since})`,
          "unavailable",
          RETRY_FIX,
        );
      case "recorded":
        return arnIfFit(c, standing.meta);
      case "adoptable": {
        const adopted = recordOf(c, standing.meta);
        if (await ledger(c, () => c.copies.putCopy(c.place, adopted, record)))
          return arnIfFit(c, standing.meta);
        break;
      }
      case "absent": {
        const intent: CopyRecord = {
          state: "creating",
          owner: c.owner,
          nonce: randomUUID(),
          since: new Date(c.now()).toISOString(),
        };
        if (!(await ledger(c, () => c.copies.putCopy(c.place, intent, record)))) break;
        const made = await c.secrets.createSecret(c.secretFor(intent.nonce));
        if (made === null) {
          // Someone's secret is there now (or a racing delivery's, carrying this nonce): judge it.
          record = intent;
          meta = await c.secrets.describeSecret(c.place.name);
          continue;
        }
        const created = recordOf(c, made);
        if (await ledger(c, () => c.copies.putCopy(c.place, created, intent))) return made.arn;
        break;
      }
    }
    record = await ledger(c, () => c.copies.getCopy(c.place));
    meta = await c.secrets.describeSecret(c.place.name);
  }
  throw new DeliveryError(
    `${c.what} is being changed by another delivery of keyrotor at the same time`,
    "unavailable",
    RETRY_FIX,
  );
}

function recordOf(c: CopyClaim, meta: SecretMeta): CopyRecord {
  const createdAt = (meta.createdAt ?? new Date(c.now())).toISOString();
  return { state: "created", owner: c.owner, arn: meta.arn, createdAt };
}

/** The copy's ARN unless someone made the secret unfit since keyrotor created it. */
function arnIfFit(c: CopyClaim, meta: SecretMeta): string {
  const hazard = copyHazard(meta);
  if (hazard) throw refusal(c, hazard);
  return meta.arn;
}

function refusal(c: CopyClaim, r: CopyRefusal): DeliveryError {
  return new DeliveryError(`${c.what} ${r.why}: keyrotor does not write into it`, "rejected", r.fix);
}

/** A ledger call; its failure is an unavailable delivery (nothing was written to the secret). */
async function ledger<T>(c: CopyClaim, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw new DeliveryError(
      `keyrotor's ledger could not be read or written for ${c.what} (${describeError(error).message})`,
      "unavailable",
      RETRY_FIX,
      { cause: error },
    );
  }
}
