import type { SecretMeta } from "../rotation/ports";
import type { CopyRecord } from "./copy-ledger";

/** The tag keyrotor puts on a copy it creates: the nonce of the intent it recorded just before. */
export const COPY_NONCE_TAG = "keyrotor:copy-nonce";

/**
 * How long an intent to create a copy may still be followed by its CreateSecret: one call's deadline
 * (`awsCallDeadlineSeconds`, at most 15 minutes) and then some. Until then another delivery finding it
 * waits rather than replace it; after that it is abandoned and may be replaced.
 */
export const INTENT_LIFETIME_MS = 20 * 60_000;

/** How far Secrets Manager's clock may be behind keyrotor's when it dates a secret keyrotor created. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** Why keyrotor will not write into a secret, and what a person can do about it. */
export interface CopyRefusal {
  readonly why: string;
  readonly fix: string;
}

/**
 * Where the copy at a place stands, from keyrotor's record of it and what DescribeSecret says there:
 * - `recorded`: the secret keyrotor created and recorded (same ARN, same owner);
 * - `adoptable`: keyrotor's own creation whose answer was lost: it carries the recorded intent's
 *   nonce and was made within the intent's lifetime, so it may be recorded now;
 * - `absent`: no secret there and no creation in flight: keyrotor may create one;
 * - `busy`: another delivery announced it is creating one, moments ago;
 * - `refused`: a secret keyrotor did not create, or not for this user.
 */
export type CopyStanding =
  | { readonly kind: "recorded"; readonly meta: SecretMeta }
  | { readonly kind: "adoptable"; readonly meta: SecretMeta }
  | { readonly kind: "absent" }
  | { readonly kind: "busy"; readonly since: string }
  | ({ readonly kind: "refused" } & CopyRefusal);

/** The fix for a secret keyrotor will never write into. */
export const NOT_KEYROTORS_FIX =
  "delete that secret without a recovery window (aws secretsmanager delete-secret --force-delete-without-recovery): " +
  "keyrotor then creates its own copy there; or name another secret in keyrotor's configuration";

const RETRY_OR_OTHER_FIX = `nothing if this passes: keyrotor looks again on its next run; otherwise ${NOT_KEYROTORS_FIX}`;

const refused = (why: string, fix = NOT_KEYROTORS_FIX): CopyStanding => ({ kind: "refused", why, fix });

/** Where the copy stands for `owner` (`<accountId>/<userName>`) at `now` (keyrotor's clock, ms). */
export function copyStanding(
  record: CopyRecord | null,
  meta: SecretMeta | null,
  owner: string,
  now: number,
): CopyStanding {
  if (meta === null) {
    // Nothing there: keyrotor's copy (if any) was deleted for good, or is being created right now.
    if (record?.state === "creating" && now - Date.parse(record.since) < INTENT_LIFETIME_MS) {
      return { kind: "busy", since: record.since };
    }
    return { kind: "absent" };
  }
  if (record === null) {
    return refused(
      "is not a copy keyrotor created: keyrotor has no record of creating it (someone else made it, " +
        "or a keyrotor version that did not record its copies did)",
    );
  }
  if (record.state === "created") {
    if (record.arn !== meta.arn) {
      return refused(
        `is not the secret keyrotor created at that name (${record.arn}): it was deleted and made again by someone else`,
      );
    }
    if (record.owner !== owner)
      return refused(`is a copy keyrotor created for ${record.owner}, not for ${owner}`);
    return { kind: "recorded", meta };
  }
  const since = Date.parse(record.since);
  const made = meta.createdAt?.getTime();
  const ours =
    record.owner === owner &&
    meta.tags[COPY_NONCE_TAG] === record.nonce &&
    made !== undefined &&
    made >= since - CLOCK_SKEW_MS &&
    made <= since + INTENT_LIFETIME_MS;
  if (!ours) {
    return refused(
      "was made while keyrotor was creating its copy there, and keyrotor did not create it " +
        `(it does not carry the ${COPY_NONCE_TAG} keyrotor recorded, or was made too late)`,
    );
  }
  return { kind: "adoptable", meta };
}

/**
 * What makes a secret unfit to hold a key even though keyrotor created it: someone changed it since.
 * Checked on every delivery, as DescribeSecret tells it; `null` when there is nothing.
 */
export function copyHazard(meta: SecretMeta): CopyRefusal | null {
  if (meta.deletionDate) {
    return {
      why: `is scheduled for deletion on ${meta.deletionDate.toISOString()}: someone deleted it on purpose`,
      fix:
        "if the copy is still wanted, restore it (aws secretsmanager restore-secret); " +
        `otherwise ${NOT_KEYROTORS_FIX}`,
    };
  }
  if (meta.rotation === undefined) {
    return { why: "did not say whether rotation is configured on it", fix: RETRY_OR_OTHER_FIX };
  }
  if (meta.rotation !== null) {
    const lambda = meta.rotation.lambdaArn ? ` (${meta.rotation.lambdaArn})` : "";
    return {
      why: `has rotation configured on it${lambda}, which keyrotor did not set up: its rotation function would be handed every key`,
      fix: NOT_KEYROTORS_FIX,
    };
  }
  if (meta.kmsKeyId !== null) {
    return {
      why: `is encrypted with a KMS key keyrotor does not control (${meta.kmsKeyId})`,
      fix: NOT_KEYROTORS_FIX,
    };
  }
  if (meta.replicaRegions === null || meta.replicaRegions.length > 0) {
    const where = meta.replicaRegions?.join(", ") ?? "regions keyrotor was not told";
    return { why: `is replicated to ${where}, which keyrotor did not set up`, fix: NOT_KEYROTORS_FIX };
  }
  return null;
}
