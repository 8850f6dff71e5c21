import { type KeyVerification, verificationOf, withoutOwnUse } from "../lifecycle/own-use";
import type { ReportedKey } from "../lifecycle/triage";
import type { KeyFacts } from "../lifecycle/types";
import type { UserRecord } from "./records";

/**
 * keyrotor's verifications of the user's keys, from the ledger: the recorded key's and its history's.
 * A record without one (verification off, or made before keyrotor recorded them) gives none, so its
 * key's use all counts: the safe side.
 */
export function verificationsOf(record: UserRecord | undefined): KeyVerification[] {
  const keys = [...(record?.history ?? []), ...(record?.recorded ? [record.recorded] : [])];
  return keys.flatMap((k) =>
    k.verified ? [{ keyId: k.keyId, at: new Date(k.verified.at), region: k.verified.region }] : [],
  );
}

/** The keys with keyrotor's own verification of each, where the ledger recorded one (by key id). */
export function withVerifications<K extends KeyFacts>(
  keys: readonly K[],
  record: UserRecord | undefined,
): K[] {
  const verifications = verificationsOf(record);
  if (verifications.length === 0) return [...keys];
  return keys.map((k) => {
    const v = verifications.find((x) => x.keyId === k.id);
    return v ? { ...k, verified: { at: v.at, region: v.region } } : k;
  });
}

/**
 * A credential report's keys (no ids) as their consumers used them: a last use that is keyrotor's
 * own verification of the key, as the ledger recorded it, becomes none. What every reader of the
 * report's last-use data calls (the report, discovery).
 */
export function consumersUse<K extends ReportedKey>(keys: readonly K[], record: UserRecord | undefined): K[] {
  const verifications = verificationsOf(record);
  if (verifications.length === 0) return [...keys];
  return keys.map((k) => withoutOwnUse(k, verificationOf(k, verifications)));
}
