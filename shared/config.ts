import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";
import { channelsSchema } from "./channels/config";
import { configProblems, problemText } from "./config-problems";
import { bindingSchema, TOKEN_SECRET_PREFIX } from "./destinations/schema";
import { deliveryProblems } from "./destinations/validate";
import { ConfigError } from "./errors";
import { lifecycleEventsSchema } from "./events/config";
import { validateThresholds } from "./lifecycle/thresholds";
import type { Thresholds } from "./lifecycle/types";
import { passwordPolicySchema, policySchema } from "./policies/schema";
import { policyProblems } from "./policies/validate";

// zod/mini loads no locale (classic zod loads English on its own): without it every built-in check
// would say only "Invalid input", and the enum and type errors here would no longer name what is allowed.
z.config(en());

const pattern = (regex: RegExp, message: string) => z.string().check(z.regex(regex, message));
const accountId = pattern(/^\d{12}$/, "must be a 12-digit AWS account id");
const ouId = pattern(/^ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}$/, "must be an OU id such as ou-ab12-cd34ef56");
/** IAM user or role ARNs: the principals a secret's resource policy may name. */
export const principalArn = pattern(
  /^arn:aws(-[a-z]+)*:iam::\d{12}:(user|role)\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,128}$/,
  "must be an IAM user or role ARN such as arn:aws:iam::123456789012:role/app",
);
/** An IAM principal ARN, possibly with `*` wildcards: what the readers-tag allowlist holds. */
const arnPattern = pattern(
  /^arn:aws(-[a-z]+)*:iam::(\d{12}|\*):(user|role|\*)\/[\w+=,.@*/-]{1,512}$/,
  "must be an IAM user or role ARN pattern such as arn:aws:iam::123456789012:role/ci-*",
);
const region = pattern(/^[a-z]{2}(-[a-z]+)+-\d$/, "must be an AWS region such as eu-west-1");
const tagKey = pattern(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u, "must be a valid IAM tag key");
const KMS_KEY_ID = "(mrk-[0-9a-f]{32}|[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12})";
const KMS_ALIAS = "alias/[\\w/-]{1,250}";
/** A KMS key as KMS's Encrypt takes it: key id, key ARN, `alias/name` or alias ARN. */
const kmsKey = pattern(
  new RegExp(
    `^(arn:aws(-[a-z]+)*:kms:[a-z]{2}(-[a-z]+)+-\\d:\\d{12}:(key/${KMS_KEY_ID}|${KMS_ALIAS})|${KMS_KEY_ID}|${KMS_ALIAS})$`,
  ),
  "must be a KMS key id, key ARN, alias/name or alias ARN",
);
const days = z.number().check(z.int("must be a whole number of days"));
/** A whole number within `[min, max]`. */
const between = (min: number, max: number) => z.number().check(z.int(), z.minimum(min), z.maximum(max));

/**
 * The key lifecycle's default thresholds (docs/lifecycle.md says why each): rotate at 90 days as IAM.3
 * and CIS ask, deactivate the superseded key 10 days later, delete it 10 days after that, warn a week
 * ahead. The only copy in the code: the schema's defaults and the tests read it from here.
 */
export const DEFAULT_THRESHOLDS: Thresholds = {
  rotateAfterDays: 90,
  deactivateAfterDays: 100,
  deleteAfterDays: 110,
  warnBeforeDays: 7,
};

export { type PasswordRequirements, passwordPolicySchema } from "./policies/schema";

const list = <T extends z.ZodMiniType>(item: T) => z._default(z.array(item), []);

/**
 * The member roles may write secrets `<secretPrefix>*`; the destinations' tokens are under
 * `keyrotor-tokens/` in keyrotor's own account, where a member role is deployed too. A prefix of that
 * name, or a name under it, would let that role rewrite the tokens: refused, in any case (nothing is
 * lost by refusing `Keyrotor-` too). The character set leaves out `*` and `?`, IAM's wildcards.
 */
const secretPrefix = pattern(
  /^[A-Za-z0-9/_+=.@-]{1,256}$/,
  "may hold only letters, digits and /_+=.@- (IAM would read * and ? in the member role's policy as wildcards)",
).check(
  z.refine((prefix) => {
    const p = prefix.toLowerCase();
    return !TOKEN_SECRET_PREFIX.startsWith(p) && !p.startsWith(TOKEN_SECRET_PREFIX);
  }, `must not overlap ${TOKEN_SECRET_PREFIX}, where the destinations' tokens are (the member role may write <secretPrefix>*)`),
);

const settings = {
  mode: z._default(z.enum(["audit", "enforce"]), "audit"),
  rotateAfterDays: z._default(days, DEFAULT_THRESHOLDS.rotateAfterDays),
  deactivateAfterDays: z._default(days, DEFAULT_THRESHOLDS.deactivateAfterDays),
  deleteAfterDays: z._default(days, DEFAULT_THRESHOLDS.deleteAfterDays),
  warnBeforeDays: z._default(days, DEFAULT_THRESHOLDS.warnBeforeDays),
  // 57, not IAM's 64: the member stack names its reader and events roles <name>-reader, <name>-events.
  memberRoleName: z._default(
    pattern(/^[\w+=,.@-]{1,57}$/, "must be a valid IAM role name of at most 57 characters"),
    "keyrotor-member",
  ),
  secretPrefix: z._default(secretPrefix, "keyrotor/"),
  senderEmail: z.email("must be an email address (an SES-verified sender)"),
  adminEmail: z._default(z.nullable(z.email("must be an email address")), null),
  exemptGroupName: z._default(
    pattern(/^[\w+=,.@-]{1,128}$/, "must be a valid IAM group name"),
    "IAMKeyRotationExemptionGroup",
  ),
  exemptTag: z._default(tagKey, "keyrotor:exempt"),
  ownerTag: z._default(tagKey, "keyrotor:owner"),
  readersTag: z._default(tagKey, "keyrotor:readers"),
  readerPrincipals: list(principalArn),
  includeAccounts: list(accountId),
  excludeAccounts: list(accountId),
  includeOus: list(ouId),
  excludeOus: list(ouId),
  replicaRegions: list(region),
  /**
   * CIS 1.12 / Security Hub IAM.22 (45) or IAM.8 (90): deactivate an Active key unused this many days
   * (never used: since creation); the delete rule then removes it. `null`: off.
   */
  deactivateUnusedAfterDays: z._default(z.nullable(between(1, 3650)), null),
  /**
   * CIS 1.8-1.9: the account password policy keyrotor keeps each account at least as strict as.
   * `"cis"` (length 14, all character classes, reuse prevention 24) or explicit fields; `null`: off.
   */
  passwordPolicy: z._default(z.nullable(z.union([z.literal("cis"), passwordPolicySchema])), null),
  /**
   * How users are found: `report` (default) reads the IAM credential report and looks only at users
   * with something due or coming; `full` looks at every user (what `keyrotor plan` does).
   */
  discovery: z._default(z.enum(["report", "full"]), "report"),
  /** How many users of one account the rotator works on at once. */
  userConcurrency: z._default(between(1, 32), 4),
  /** Attempts per AWS call, first included (the SDK's adaptive retry mode spaces them). */
  awsMaxAttempts: z._default(between(1, 10), 5),
  /** How long one attempt of an AWS call may wait for its answer to start (status and headers). */
  awsTimeoutSeconds: z._default(between(1, 300), 30),
  /**
   * How long one AWS call may take in all, its attempts and the waits between them together: an answer
   * that trickles in a byte at a time would otherwise hold the call for ever. A call at its deadline
   * fails (`CallTimeout`), as a timed-out one does.
   */
  awsCallDeadlineSeconds: z._default(between(1, 900), 60),
  /**
   * The ledger: the DynamoDB table in the management account that records what keyrotor did. The
   * deployed stack names it `keyrotor-<stage>-ledger`; the CLI creates one with `keyrotor ledger init`.
   */
  ledgerTable: z._default(
    pattern(/^[A-Za-z0-9_.-]{3,255}$/, "must be a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)"),
    "keyrotor-prod-ledger",
  ),
  /**
   * ARN patterns (`*` matches any run of characters) a user's readers tag may name. A tagged reader
   * that matches none is ignored and reported: a tag alone never grants anyone a key. Empty: the tag
   * grants nothing.
   */
  readerTagAllowlist: list(arnPattern),
  /**
   * Adopt a secret at the user's name that keyrotor did not create (its policy is reset; a secret
   * encrypted with a customer KMS key is still refused). Off: such a user is reported blocked.
   */
  adoptForeignSecrets: z._default(z.boolean(), false),
  /** A job or scheduled event older than this is refused (a replayed or long-delayed message). */
  maxJobAgeHours: z._default(between(1, 168), 24),
  /**
   * A failure, a block or a held user is told once, then again only when it changes or after this many
   * days without a change: a person is reminded, never mailed the same thing every run.
   */
  repeatFailuresAfterDays: z._default(days.check(z.minimum(1), z.maximum(365)), 7),
  /**
   * Where new keys are delivered besides the user's own secret: CI systems (GitHub, GitLab, CircleCI,
   * Terraform Cloud), SSM parameters, Secrets Manager in another account. Each binding names an account
   * (or `*`) and a user (`*` matching any run of characters) and its destinations.
   */
  deliveries: list(bindingSchema),
  /**
   * The KMS key (key id, ARN or `alias/...`) that keeps a new key encrypted while deliveries of it are
   * outstanding. Required when `deliveries` is not empty.
   */
  deliveryKmsKeyId: z._default(z.nullable(kmsKey), null),
  /**
   * Hold a superseded key that is still in use: it is not deactivated until it has been idle a day, at
   * the latest until the delete threshold.
   */
  holdWhileInUse: z._default(z.boolean(), false),
  /** Prove a new key with STS GetCallerIdentity before it is stored or delivered anywhere. */
  verifyNewKeys: z._default(z.boolean(), true),
  /**
   * Import keyrotor's findings (users blocked, failing, holding an old key, not rotatable) into
   * Security Hub in keyrotor's own account, and resolve them when the problem is gone.
   */
  securityHubFindings: z._default(z.boolean(), false),
  /** Lifecycle events on EventBridge (`shared/events/config.ts`): off, or on and which bus. */
  lifecycleEvents: lifecycleEventsSchema,
  /**
   * Settings that differ per OU, account or user pattern (the production OU rotating at 30 days, the
   * sandbox OU in audit mode); the top-level settings are the default policy. docs/policies.md.
   */
  policies: list(policySchema),
  /**
   * Slack, Teams and signed-webhook channels told what needs a person as it happens, besides the
   * emails; each URL is a secret under `keyrotor-tokens/`. docs/channels.md.
   */
  channels: channelsSchema,
};

/**
 * The one configuration of keyrotor, shared by the Lambdas (from `KEYROTOR_*` variables) and the CLI
 * (from a JSON file, variables and flags): validated once at start-up, unknown keys refused.
 */
export const configSchema = z.strictObject(settings).check(
  z.superRefine((c, ctx) => {
    try {
      validateThresholds(c);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: (error as Error).message, path: ["rotateAfterDays"] });
    }
    for (const { path, message } of deliveryProblems(c.deliveries, c.secretPrefix)) {
      ctx.addIssue({ code: "custom", message, path: ["deliveries", ...path] });
    }
    for (const { path, message } of policyProblems(c)) {
      ctx.addIssue({ code: "custom", message, path: ["policies", ...path] });
    }
    if (c.deliveries.length > 0 && c.deliveryKmsKeyId === null) {
      ctx.addIssue({
        code: "custom",
        message:
          "required when deliveries are configured (the KMS key that keeps a new key encrypted until every destination has it)",
        path: ["deliveryKmsKeyId"],
      });
    }
  }),
);

export { type ConfigProblem, configProblems, pathText } from "./config-problems";
export { DEFAULT_POLICY, type Policy, policySchema } from "./policies/schema";
export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/**
 * Validates raw configuration once, at start-up.
 * @throws ConfigError listing every problem, each naming its place (`deliveries[0].destinations[1].apiUrl`).
 */
export function parseConfig(input: unknown): Config {
  const result = configSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = configProblems(result.error.issues).map(problemText);
  throw new ConfigError(`invalid keyrotor configuration: ${problems.join("; ")}`, { cause: result.error });
}

/** Every setting's name, in schema order. */
export const SETTING_NAMES = Object.keys(settings) as (keyof Config)[];

const EMAIL = z.email();

/** Whether `value` is an email address keyrotor may send to (owner tags, account emails). */
export function isEmailAddress(value: string | undefined): value is string {
  return value !== undefined && EMAIL.safeParse(value).success;
}

/** `rotateAfterDays` -> `KEYROTOR_ROTATE_AFTER_DAYS`. */
export function envNameOf(setting: string): string {
  return `KEYROTOR_${setting.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** What a setting holds, read from its schema (defaults and nullables unwrapped). */
function kindOf(setting: keyof typeof settings): "list" | "number" | "boolean" | "text" {
  let def = settings[setting].def as { type: string; innerType?: { def: unknown } };
  while (def.innerType) def = def.innerType.def as typeof def;
  if (def.type === "array") return "list";
  return def.type === "number" || def.type === "boolean" ? def.type : "text";
}

/**
 * Reads the configuration from `KEYROTOR_*` variables (how `serverless.yml` passes its params):
 * lists comma separated, empty values meaning "not set". Unknown `KEYROTOR_*` names are rejected.
 * @throws ConfigError naming each variable at fault.
 */
export function configFromEnv(
  env: Record<string, string | undefined>,
  base: Record<string, unknown> = {},
): Config {
  return parseConfig({ ...base, ...settingsFromEnv(env) });
}

/** The raw settings the `KEYROTOR_*` variables hold, not yet validated. */
export function settingsFromEnv(env: Record<string, string | undefined>): Record<string, unknown> {
  const byEnvName = new Map(SETTING_NAMES.map((name) => [envNameOf(name), name]));
  const unknown = Object.keys(env).filter((k) => k.startsWith("KEYROTOR_") && !byEnvName.has(k));
  if (unknown.length > 0) {
    throw new ConfigError(`unknown environment variable(s): ${unknown.join(", ")}`);
  }
  const raw: Record<string, unknown> = {};
  for (const [envName, setting] of byEnvName) {
    const value = env[envName]?.trim();
    if (value === undefined || value === "") continue;
    const kind = kindOf(setting);
    if (value.startsWith("{") || value.startsWith("[")) {
      try {
        raw[setting] = JSON.parse(value);
      } catch {
        throw new ConfigError(`${envName} is not valid JSON`);
      }
    } else if (kind === "list") {
      raw[setting] = value
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
    } else if (kind === "boolean") {
      if (value !== "true" && value !== "false") {
        throw new ConfigError(`${envName} must be true or false, got "${value}"`);
      }
      raw[setting] = value === "true";
    } else if (kind === "number") {
      const n = Number(value);
      if (Number.isNaN(n)) throw new ConfigError(`${envName} must be a number, got "${value}"`);
      raw[setting] = n;
    } else {
      raw[setting] = value;
    }
  }
  return raw;
}

/**
 * A variable the runtime needs (queue URLs and the like), not a setting.
 * @throws ConfigError naming the missing variable.
 */
export function requireEnv(env: Record<string, string | undefined>, name: string): string {
  const value = env[name];
  if (value === undefined || value === "") throw new ConfigError(`environment variable ${name} is not set`);
  return value;
}
