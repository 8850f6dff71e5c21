import type { PasswordRequirements, Policy } from "./schema";

export { DEFAULT_POLICY } from "./schema";

/** A policy that names user patterns: it ranks above every account and OU policy. */
export const scopedByUsers = (p: Policy) => (p.users?.length ?? 0) > 0;

/** The settings a policy may set; every other setting is the organization's alone. */
export const POLICY_FIELDS = [
  "mode",
  "rotateAfterDays",
  "deactivateAfterDays",
  "deleteAfterDays",
  "warnBeforeDays",
  "deactivateUnusedAfterDays",
  "holdWhileInUse",
  "passwordPolicy",
  "repeatFailuresAfterDays",
] as const;

/**
 * Settings of the account rather than of a user: the account's password policy and how often its
 * owner is reminded. A policy scoped by users may not set them.
 */
export const ACCOUNT_FIELDS = ["passwordPolicy", "repeatFailuresAfterDays"] as const;

export const THRESHOLD_FIELDS = [
  "rotateAfterDays",
  "deactivateAfterDays",
  "deleteAfterDays",
  "warnBeforeDays",
] as const;

/** The default policy's settings: the top-level ones (the account's two absent where a caller has none). */
export interface PolicyBase {
  readonly mode: "audit" | "enforce";
  readonly rotateAfterDays: number;
  readonly deactivateAfterDays: number;
  readonly deleteAfterDays: number;
  readonly warnBeforeDays: number;
  readonly deactivateUnusedAfterDays: number | null;
  readonly holdWhileInUse: boolean;
  readonly passwordPolicy?: "cis" | PasswordRequirements | null;
  readonly repeatFailuresAfterDays?: number;
}

/** The settings in force somewhere, and the policy they come from (`default`: the top-level settings). */
export type ResolvedPolicy = PolicyBase & { readonly name: string };
