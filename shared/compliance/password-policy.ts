import type { PasswordRequirements } from "../config";

/** An account password policy, as IAM holds it (camelCase). */
export interface AccountPasswordPolicy {
  readonly minimumPasswordLength: number;
  readonly requireSymbols: boolean;
  readonly requireNumbers: boolean;
  readonly requireUppercaseCharacters: boolean;
  readonly requireLowercaseCharacters: boolean;
  readonly allowUsersToChangePassword: boolean;
  /** Days; absent: passwords never expire. */
  readonly maxPasswordAge?: number;
  /** How many previous passwords cannot be reused; absent: none. */
  readonly passwordReusePrevention?: number;
  readonly hardExpiry: boolean;
}

/** CIS AWS Foundations 1.8-1.9 (v1.4+): length 14, every character class, no reuse of the last 24. */
export const CIS_PASSWORD_POLICY: PasswordRequirements = {
  minimumPasswordLength: 14,
  requireSymbols: true,
  requireNumbers: true,
  requireUppercaseCharacters: true,
  requireLowercaseCharacters: true,
  passwordReusePrevention: 24,
};

/** What an account without a policy starts from: IAM's own defaults. */
const IAM_DEFAULTS: AccountPasswordPolicy = {
  minimumPasswordLength: 8,
  requireSymbols: false,
  requireNumbers: false,
  requireUppercaseCharacters: false,
  requireLowercaseCharacters: false,
  allowUsersToChangePassword: true,
  hardExpiry: false,
};

export function requirementsOf(setting: "cis" | PasswordRequirements): PasswordRequirements {
  return setting === "cis" ? CIS_PASSWORD_POLICY : setting;
}

const larger = (a: number | undefined, b: number | undefined) =>
  a === undefined ? b : b === undefined ? a : Math.max(a, b);
const shorterExpiry = (a: number | undefined, b: number | undefined) =>
  a === undefined ? b : b === undefined ? a : Math.min(a, b);

/**
 * The policy that meets every requirement without weakening anything the account already has: the
 * longer minimum length, the larger reuse window, the shorter expiry, every class either requires.
 * Pure; `changes` names each setting that moves, for the report and the notice.
 */
export function strengthen(
  existing: AccountPasswordPolicy | null,
  required: PasswordRequirements,
): { policy: AccountPasswordPolicy; changes: string[] } {
  const base = existing ?? IAM_DEFAULTS;
  const reuse = larger(base.passwordReusePrevention, required.passwordReusePrevention);
  const expiry = shorterExpiry(base.maxPasswordAge, required.maxPasswordAge);
  const policy: AccountPasswordPolicy = {
    minimumPasswordLength: larger(base.minimumPasswordLength, required.minimumPasswordLength) ?? 8,
    requireSymbols: base.requireSymbols || required.requireSymbols === true,
    requireNumbers: base.requireNumbers || required.requireNumbers === true,
    requireUppercaseCharacters:
      base.requireUppercaseCharacters || required.requireUppercaseCharacters === true,
    requireLowercaseCharacters:
      base.requireLowercaseCharacters || required.requireLowercaseCharacters === true,
    allowUsersToChangePassword: base.allowUsersToChangePassword,
    hardExpiry: base.hardExpiry,
    ...(expiry === undefined ? {} : { maxPasswordAge: expiry }),
    ...(reuse === undefined ? {} : { passwordReusePrevention: reuse }),
  };
  const changes = (Object.keys(policy) as (keyof AccountPasswordPolicy)[])
    .filter((field) => existing === null || policy[field] !== existing[field])
    .filter((field) => existing !== null || policy[field] !== IAM_DEFAULTS[field])
    .map(
      (field) =>
        `${field}: ${existing?.[field] ?? (existing === null ? "no policy" : "unset")} -> ${policy[field]}`,
    );
  if (existing === null && changes.length === 0) changes.push("create the policy with IAM's defaults");
  return { policy, changes };
}
