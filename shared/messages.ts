import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";
import { describeError } from "./errors";

// zod/mini loads no locale (classic zod loads English on its own): without it a malformed message
// would be reported with only "Invalid input" for each problem.
z.config(en());

/**
 * The two queue messages, a rotation job and a notice (docs/architecture.md, "From schedule to
 * email"). Both are validated when received; neither ever holds a secret, a secret access key or
 * session credentials.
 */

/** An AWS-style error for a message that cannot be processed: it names the queue and the problem. */
export class MessageFormatError extends Error {
  override readonly name = "MessageFormatError";
}

const iso = z.iso.datetime({ offset: true });
/** Text that may reach a mail header or body: control characters (CR/LF among them) are refused. */
const text = z.string().check(z.regex(/^\P{Cc}*$/u, "must not contain control characters"));
const accountRef = z.strictObject({
  id: z.string().check(z.regex(/^\d{12}$/, "must be a 12-digit account id")),
  name: text,
  email: text,
});

/** An IAM user's long-term access key id: never a temporary (ASIA) one, never anything else. */
export const accessKeyIdSchema = z
  .string()
  .check(
    z.regex(/^AKIA[A-Z0-9]{16}$/, "must be an IAM user's access key id (AKIA and 16 letters or digits)"),
  );

/**
 * One account's turn in one run: `rotation-jobs` FIFO, MessageGroupId = account id. With `incident`,
 * the turn answers one exposed key AWS Health reported in that account. A queued incident can only
 * ask for the revocation an event may ask for: never a deletion, never a user, never another account
 * (the rotator re-checks in IAM that the key is that account's).
 */
export const rotationJobSchema = z.strictObject({
  version: z.literal(1),
  runId: z.string().check(z.minLength(1), z.maxLength(64)),
  /** The run's instant: the scheduled event's `time`. */
  asOf: iso,
  account: accountRef,
  incident: z.optional(
    z.strictObject({
      trigger: z.literal("health"),
      keyId: accessKeyIdSchema,
      /** The Health event's ARN. */
      source: text.check(z.minLength(1), z.maxLength(512)),
    }),
  ),
});
export type RotationJob = z.infer<typeof rotationJobSchema>;

export const noticeEventSchema = z.strictObject({
  kind: z.enum([
    "created",
    "deactivated",
    "deleted",
    "would-create",
    "would-deactivate",
    "would-delete",
    "warning",
    "blocked",
    "held",
    "failed",
    "secret",
    "delivered",
    "delivery-failed",
    "in-use",
    "still-used",
    "reactivated",
    "advice",
    "incident",
  ]),
  keyId: z.optional(text),
  secretName: z.optional(text),
  secretArn: z.optional(text),
  detail: z.optional(text),
  /** ISO instant the event refers to (a warning's rotation date). */
  on: z.optional(iso),
  /** A warning's step: a rotation, or a deactivation of a key unused too long. */
  step: z.optional(z.enum(["rotate", "deactivate"])),
  /** What will stop a warned rotation: two keys, or a secret keyrotor did not create. */
  blocker: z.optional(z.enum(["two-keys", "foreign-secret"])),
  /** For a new key: the principals besides the user that may read its secret. */
  readers: z.optional(z.array(text)),
  /** For a deactivated key: its replacement is the key stored in the user's secret. */
  replacementStored: z.optional(z.boolean()),
  /** For `failed`: the step that failed (`read`: the user's facts could not be read). */
  action: z.optional(z.enum(["create", "deactivate", "delete", "read"])),
  /** For `secret`: what was found about the secret or tags, and what became of it. */
  finding: z.optional(z.string().check(z.regex(/^[a-z-]{1,40}$/))),
  outcome: z.optional(z.enum(["noted", "planned", "done", "failed", "skipped"])),
  /** For `created` and `delivered`: the destinations that confirmed the key in this run; `would-create`: where it would go. */
  destinations: z.optional(z.array(text)),
  /** For `delivery-failed`: where, since when, how many attempts, what a person can do, and the key it keeps Active. */
  destination: z.optional(text),
  since: z.optional(iso),
  attempts: z.optional(z.number().check(z.int(), z.minimum(1))),
  fix: z.optional(text),
  replaces: z.optional(text),
  /** For `delivery-failed`: the destination's API token failed, which only keyrotor's operators can fix. */
  tokenFault: z.optional(z.boolean()),
  /** For a warning of an unused key's deactivation: the exemption tag and group the configuration names. */
  exemptTag: z.optional(text),
  exemptGroup: z.optional(text),
  /** For `still-used`: the key that replaced the one still used. */
  replacement: z.optional(text),
  /** For `in-use` and `still-used`: the old key's last use (`on` is its deactivation date). */
  lastUsedAt: z.optional(iso),
  service: z.optional(text),
  region: z.optional(text),
  /**
   * For `advice`: how to get rid of the keys (`detail` is its one line), the keys it is about (ids, or
   * `created <date>` for a key only the credential report knows), and why.
   */
  advice: z.optional(z.enum(["remove", "oidc", "scoped-role", "roles-anywhere-or-identity-center"])),
  keys: z.optional(z.array(text)),
  why: z.optional(text),
  /**
   * For `incident` (an exposed key, `keyId`): where its answer stands, what set it off and what was
   * asked; `replacement` is the new key, `since` when it was reported, `detail` what a person must do
   * now, `destinations` where the new key did not arrive.
   */
  incident: z.optional(z.enum(["handled", "open", "blocked"])),
  trigger: z.optional(z.enum(["cli", "health"])),
  response: z.optional(z.enum(["revoke", "delete", "grace"])),
  revokedAt: z.optional(iso),
  deletedAt: z.optional(iso),
});
export type NoticeEvent = z.infer<typeof noticeEventSchema>;

export const noticeUserSchema = z.strictObject({
  userName: text,
  events: z.array(noticeEventSchema).check(z.minLength(1)),
  upcoming: z.array(
    z.strictObject({ keyId: text, action: z.enum(["rotate", "deactivate", "delete"]), on: iso }),
  ),
});
export type NoticeUser = z.infer<typeof noticeUserSchema>;

/** What one account's owner is told about one run: `notices` FIFO, dedup id = run id + account id. */
export const noticeSchema = z.strictObject({
  version: z.literal(1),
  runId: z.string().check(z.minLength(1)),
  mode: z.enum(["audit", "enforce"]),
  asOf: iso,
  account: accountRef,
  users: z.array(noticeUserSchema),
  /** Users left out to keep the message within SQS's size limit. */
  omittedUsers: z.number().check(z.int(), z.minimum(0)),
  /** CIS 1.8-1.9: the account password policy was strengthened, or could not be. */
  passwordPolicy: z.optional(
    z.strictObject({
      outcome: z.enum(["done", "failed"]),
      changes: z.array(text),
      error: z.optional(text),
    }),
  ),
  /**
   * The account's credential report had rows keyrotor could not read for certain (how many, which,
   * why), so every user was looked at through IAM instead.
   */
  credentialReport: z.optional(
    z.strictObject({ rows: z.number().check(z.int(), z.minimum(1)), detail: text }),
  ),
  /**
   * Which attempt at the job this notice reports (1 unless the job ran out of time and was retried):
   * each attempt tells only what it did, so every part is delivered and none twice.
   */
  part: z.number().check(z.int(), z.minimum(1)),
  /**
   * The notice's id in keyrotor's outbox (the ledger). The notifier delivers the ledger's copy of the
   * notice with this id, once; a message naming no notice the ledger holds is refused.
   */
  noticeId: z.optional(z.string().check(z.regex(/^[\w:.#-]{1,120}$/))),
});
export type Notice = z.infer<typeof noticeSchema>;

/**
 * Parses a queue message body against its schema.
 * @throws MessageFormatError naming the queue and every problem; such a message goes to the DLQ.
 */
export function parseMessage<T>(schema: z.ZodMiniType<T>, queue: string, body: string): T {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new MessageFormatError(`${queue} message is not JSON: ${describeError(error).message}`);
  }
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`);
  throw new MessageFormatError(`${queue} message is malformed: ${problems.join("; ")}`, {
    cause: result.error,
  });
}

/** Where the scheduler's jobs go: the `rotation-jobs` queue, or an in-process list for the CLI. */
export interface JobSink {
  sendJobs(jobs: readonly RotationJob[]): Promise<void>;
}

/** Where the rotator's notices go: the `notices` queue, or straight to the notifier in the CLI. */
export interface NoticeSink {
  sendNotice(notice: Notice): Promise<void>;
}

/**
 * AWS Config's "Config Rules Compliance Change" event for the `access-keys-rotated` managed rule
 * (or an organization rule built on it), as EventBridge delivers it. `account` is the account the
 * event came from, which EventBridge sets and a sender cannot choose.
 */
export const configComplianceEventSchema = z.looseObject({
  id: z.string().check(z.minLength(1)),
  "detail-type": z.literal("Config Rules Compliance Change"),
  source: z.literal("aws.config"),
  account: z.string().check(z.regex(/^\d{12}$/, "must be a 12-digit account id")),
  time: iso,
  detail: z.looseObject({
    awsAccountId: z.string().check(z.regex(/^\d{12}$/, "must be a 12-digit account id")),
    configRuleName: z.string(),
    newEvaluationResult: z.looseObject({ complianceType: z.string() }),
  }),
});

/**
 * AWS Health's event for an access key AWS found exposed in public (`AWS_RISK_CREDENTIALS_EXPOSED`), as
 * EventBridge delivers it: `affectedEntities` holds the key ids. `account` is the account the event
 * was raised in, which EventBridge sets and a sender cannot choose; `source: aws.health` is AWS's alone.
 */
export const healthEventSchema = z.looseObject({
  id: z.string().check(z.minLength(1), z.maxLength(64)),
  "detail-type": z.literal("AWS Health Event"),
  source: z.literal("aws.health"),
  account: z.string().check(z.regex(/^\d{12}$/, "must be a 12-digit account id")),
  time: iso,
  detail: z.looseObject({
    eventArn: z.string().check(z.minLength(1), z.maxLength(512)),
    eventTypeCode: z.string(),
    /** Present in an organizational view's events: the account the event is about. */
    affectedAccount: z.optional(z.string()),
    affectedEntities: z.optional(z.array(z.looseObject({ entityValue: z.optional(z.string()) }))),
  }),
});
export type HealthEvent = z.infer<typeof healthEventSchema>;

/** An EventBridge scheduled event, as delivered to the scheduler. */
export const scheduledEventSchema = z.looseObject({
  id: z.string().check(z.minLength(1)),
  "detail-type": z.literal("Scheduled Event"),
  source: z.literal("aws.events"),
  time: iso,
});

const sqsEventSchema = z.looseObject({
  Records: z.array(z.looseObject({ messageId: z.string(), body: z.string() })),
});

/**
 * Checks that a queue-fed function got an SQS event. Anything else (a test invocation with another
 * shape, a misrouted event) is refused whole, before per-record handling could swallow it.
 * @throws MessageFormatError naming the function and what it got.
 */
export function sqsEventOf<E>(event: unknown, functionName: string): E {
  if (sqsEventSchema.safeParse(event).success) return event as E;
  const shape =
    event !== null && typeof event === "object"
      ? `an object with keys ${Object.keys(event).join(", ") || "(none)"}`
      : typeof event;
  throw new MessageFormatError(`${functionName} expects an SQS event with Records; got ${shape}`);
}
