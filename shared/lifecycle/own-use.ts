/**
 * keyrotor proves each new key with STS GetCallerIdentity signed by the key itself, and IAM records
 * that call as the key's last use (service `sts`, the region of the STS endpoint). That use is
 * keyrotor's, not a consumer's: every rule that asks whether a key is used asks it of the last use
 * with keyrotor's own call taken out (docs/lifecycle.md, "keyrotor's own use").
 */

/** keyrotor's verification of one key, as its ledger records it: when STS answered, and where. */
export interface Verification {
  readonly at: Date;
  readonly region: string;
}

/** A key's last use as IAM reports it: when (`null` never, `undefined` not looked up), with what, where. */
export interface LastUse {
  readonly lastUsedAt?: Date | null;
  readonly lastUsedService?: string;
  readonly lastUsedRegion?: string;
}

/**
 * How much later than the verification IAM may date keyrotor's own call. The verification's instant
 * is STS's own clock (its answer's `Date`, whole seconds), so clock skew between keyrotor and AWS plays
 * no part; IAM dates a last use to the minute and records it minutes late at most, which moves when it
 * appears, not the date it shows. Five minutes covers the rounding with room to spare, and is short
 * enough that a consumer's call must come within minutes of the key being stored, be an STS call in
 * that same region, and be the key's last use ever, to be taken for keyrotor's.
 */
export const OWN_USE_TOLERANCE_MS = 5 * 60_000;

/**
 * Whether `use` is keyrotor's own verification `verified` of the key: an STS call in the verification's
 * region dated no later than the verification plus `OWN_USE_TOLERANCE_MS`. Nothing earlier can be a
 * consumer's: until it was verified the key was nowhere but in keyrotor's memory. Anything later, with
 * another service or in another region, is a real use; without a verification there is no own use.
 */
export function isOwnUse(use: LastUse, verified: Verification | undefined): boolean {
  if (!verified || !use.lastUsedAt) return false;
  return (
    use.lastUsedService === "sts" &&
    use.lastUsedRegion === verified.region &&
    use.lastUsedAt.getTime() <= verified.at.getTime() + OWN_USE_TOLERANCE_MS
  );
}

/**
 * The key as its consumers have used it: when its last use is keyrotor's own verification, never used
 * (`lastUsedAt: null`, no service, no region); otherwise the key as it is.
 */
export function withoutOwnUse<K extends LastUse>(key: K, verified: Verification | undefined): K {
  if (!isOwnUse(key, verified)) return key;
  const { lastUsedService: _service, lastUsedRegion: _region, ...rest } = key;
  return { ...rest, lastUsedAt: null } as K;
}

/** A key's verification, named by the key it proved. */
export interface KeyVerification extends Verification {
  readonly keyId: string;
}

/**
 * How long after a key's creation keyrotor's verification of it may come: the verifier's waits for
 * IAM's propagation and each attempt's deadline, with room. Only the credential report, which has no
 * key ids, needs it: it tells which key a verification proved by the key's creation instant.
 */
export const VERIFIED_WITHIN_MS = 15 * 60_000;

/**
 * The verification of `key` among `verifications`: by id when the key has one, else (a credential
 * report's key) the one that came within `VERIFIED_WITHIN_MS` after the key's creation, to the second.
 */
export function verificationOf(
  key: { readonly id?: string; readonly createdAt: Date },
  verifications: readonly KeyVerification[],
): Verification | undefined {
  if (key.id !== undefined) return verifications.find((v) => v.keyId === key.id);
  const created = Math.floor(key.createdAt.getTime() / 1000) * 1000;
  return verifications.find((v) => {
    // A few seconds before: IAM and STS each date to the second on clocks of their own.
    const after = v.at.getTime() - created;
    return after >= -5_000 && after <= VERIFIED_WITHIN_MS;
  });
}

/** When the key's consumers last used it: its last use, unless that is keyrotor's own (`verified`). */
export function consumerLastUsedAt(
  key: LastUse & { readonly verified?: Verification },
): Date | null | undefined {
  return withoutOwnUse(key, key.verified).lastUsedAt;
}
