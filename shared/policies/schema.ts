import * as z from "zod/mini";

/**
 * The `policies` setting: settings that differ per OU, account or IAM user pattern. Its own schema,
 * as the destinations have theirs, so that the configuration can validate it without a cycle.
 */

const pattern = (regex: RegExp, message: string) => z.string().check(z.regex(regex, message));
const accountId = pattern(/^\d{12}$/, "must be a 12-digit AWS account id");
const ouId = pattern(/^ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}$/, "must be an OU id such as ou-ab12-cd34ef56");
const days = z.number().check(z.int("must be a whole number of days"));
const between = (min: number, max: number) => z.number().check(z.int(), z.minimum(min), z.maximum(max));

/** The name the top-level settings go by where a policy's name is shown. */
export const DEFAULT_POLICY = "default";

/** Password requirements keyrotor enforces; each field absent means "no requirement". */
export const passwordPolicySchema = z.strictObject({
  minimumPasswordLength: z.optional(between(6, 128)),
  requireSymbols: z.optional(z.boolean()),
  requireNumbers: z.optional(z.boolean()),
  requireUppercaseCharacters: z.optional(z.boolean()),
  requireLowercaseCharacters: z.optional(z.boolean()),
  passwordReusePrevention: z.optional(between(1, 24)),
  maxPasswordAge: z.optional(between(1, 1095)),
});
export type PasswordRequirements = z.infer<typeof passwordPolicySchema>;

/** `"cis"`, explicit requirements, or `null` (off). */
export const passwordPolicySetting = z.nullable(z.union([z.literal("cis"), passwordPolicySchema]));

/** How many days a failure, block or hold waits before its owner is reminded. */
export const repeatDays = days.check(z.minimum(1), z.maximum(365));

/** Days an unused Active key is kept before keyrotor deactivates it; `null`: off. */
export const unusedDays = z.nullable(between(1, 3650));

/**
 * One policy: a scope (OUs, accounts, IAM user-name patterns) and the settings that differ there from
 * the organization's default (the top-level settings). docs/policies.md says which policy wins where.
 */
export const policySchema = z.strictObject({
  name: pattern(/^[A-Za-z0-9_.-]{1,64}$/, "must be 1-64 of A-Z a-z 0-9 _ . -").check(
    z.refine((name) => name !== DEFAULT_POLICY, `"${DEFAULT_POLICY}" is the top-level settings' name`),
  ),
  ous: z.optional(z.array(ouId)),
  accounts: z.optional(z.array(accountId)),
  users: z.optional(
    z.array(pattern(/^[\w+=,.@*-]{1,128}$/, "must be an IAM user name, `*` matching any run of characters")),
  ),
  mode: z.optional(z.enum(["audit", "enforce"])),
  rotateAfterDays: z.optional(days),
  deactivateAfterDays: z.optional(days),
  deleteAfterDays: z.optional(days),
  warnBeforeDays: z.optional(days),
  deactivateUnusedAfterDays: z.optional(unusedDays),
  holdWhileInUse: z.optional(z.boolean()),
  passwordPolicy: z.optional(passwordPolicySetting),
  repeatFailuresAfterDays: z.optional(repeatDays),
});
export type Policy = z.infer<typeof policySchema>;
