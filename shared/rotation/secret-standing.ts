import type { SecretRecord, UserRecord } from "../ledger/records";
import type { KeyFacts, SecretMark } from "../lifecycle";
import type { SecretMeta } from "./ports";
import { requestTokenFor } from "./secret-name";

/**
 * Where the user's secret stands, judged by the ledger and not by anything in the member account:
 * - `none`: no secret, none recorded: the first rotation creates one.
 * - `ours`: the secret keyrotor created (or adopted), live.
 * - `gone`: keyrotor created it and it no longer exists.
 * - `deleting`: keyrotor created it and someone scheduled its deletion.
 * - `foreign`: a secret at the user's name that keyrotor did not create.
 */
export type SecretStanding =
  | { readonly kind: "none" }
  | { readonly kind: "ours"; readonly meta: SecretMeta; readonly record: SecretRecord }
  | { readonly kind: "gone"; readonly record: SecretRecord }
  | { readonly kind: "deleting"; readonly meta: SecretMeta; readonly record: SecretRecord }
  | { readonly kind: "foreign"; readonly meta: SecretMeta };

/**
 * Judges the secret found at the user's name against the ledger's record. A secret whose ARN differs
 * from the recorded one (deleted and re-created by someone) is foreign. One created after keyrotor
 * announced a creation that was never recorded is keyrotor's own, its record lost with a failed write.
 */
export function standingOf(meta: SecretMeta | undefined, record: UserRecord | undefined): SecretStanding {
  const recorded = record?.secret ?? lostRecord(meta, record);
  if (meta === undefined) return recorded ? { kind: "gone", record: recorded } : { kind: "none" };
  if (recorded === undefined || recorded.arn !== meta.arn) return { kind: "foreign", meta };
  return meta.deletionDate
    ? { kind: "deleting", meta, record: recorded }
    : { kind: "ours", meta, record: recorded };
}

function lostRecord(meta: SecretMeta | undefined, record: UserRecord | undefined): SecretRecord | undefined {
  // Secrets Manager dates have whole seconds: compare from the second the creation was announced in.
  const since = record?.pending
    ? Math.floor(new Date(record.pending.since).getTime() / 1000) * 1000
    : Number.NaN;
  if (!meta?.createdAt || Number.isNaN(since) || meta.createdAt.getTime() < since) return undefined;
  // keyrotor creates its secrets under the AWS managed key with no rotation: one made again at the name
  // by someone else before the record was written is not vouched for when it differs.
  if (meta.kmsKeyId !== null || meta.rotation?.enabled || meta.rotation?.lambdaArn) return undefined;
  return {
    arn: meta.arn,
    name: meta.name,
    kmsKeyId: meta.kmsKeyId,
    policyDigest: "",
    createdAt: meta.createdAt.toISOString(),
    adopted: false,
  };
}

/**
 * The record of keyrotor's own secret when the ledger does not hold it: one a run created and whose
 * outcome write was lost (its creation still announced). The next write that settles the user's pending
 * creation records it, so the secret never turns foreign once the announcement is gone.
 */
export function unrecordedSecret(
  standing: SecretStanding,
  record: UserRecord | undefined,
): SecretRecord | undefined {
  return standing.kind === "ours" && record?.secret === undefined ? standing.record : undefined;
}

/** What the lifecycle is told about the user's secret, and whether the ledger must learn a recorded key. */
export interface SecretView {
  /** `null`: keyrotor has never managed this user. */
  readonly mark: SecretMark | null;
  /**
   * A key the secret holds under the version keyrotor writes for it, created after the pending mark,
   * that the ledger does not know: its value was written but the answer or the ledger write was lost.
   */
  readonly healedKey?: KeyFacts;
  /** The secret's current value is a version keyrotor did not write (someone's PutSecretValue). */
  readonly foreignVersion?: string;
}

/**
 * The replacement key counts only while it is usable: the secret is live and its current version is
 * the one the ledger recorded for that key. Otherwise the mark names no recorded key, so no older key
 * is retired in its favour.
 */
export function secretView(
  standing: SecretStanding,
  record: UserRecord | undefined,
  keys: readonly KeyFacts[],
): SecretView {
  const pendingSince = record?.pending ? new Date(record.pending.since) : null;
  if (standing.kind === "none" && record?.recorded === undefined && pendingSince === null)
    return { mark: null };
  if (standing.kind !== "ours") return { mark: { recordedKeyId: null, pendingSince } };
  const current = standing.meta.currentVersionId;
  const recorded = record?.recorded;
  if (recorded && current === recorded.versionId && keys.some((k) => k.id === recorded.keyId)) {
    return { mark: { recordedKeyId: recorded.keyId, pendingSince } };
  }
  const healedKey =
    pendingSince && current
      ? keys.find((k) => k.createdAt >= pendingSince && requestTokenFor(k.id) === current)
      : undefined;
  if (healedKey) return { mark: { recordedKeyId: healedKey.id, pendingSince }, healedKey };
  const known = current === null || current === recorded?.versionId;
  return {
    mark: { recordedKeyId: null, pendingSince },
    ...(known || current === null ? {} : { foreignVersion: current }),
  };
}
