import { mapWithConcurrency } from "../concurrency";
import { type Config, isEmailAddress } from "../config";
import { describeError, SecretWriteError } from "../errors";
import {
  type Action,
  addDays,
  decide,
  type KeyFacts,
  NEW_KEY,
  needsAttention,
  type SecretMark,
  type Thresholds,
  type Upcoming,
  type UserFacts,
  unrecordedKeys,
} from "../lifecycle";
import { Redacted } from "../redacted";
import type { AccountPorts, IamUser, NewAccessKey, SecretMeta } from "./ports";
import type { AccountReport, ActionReport, DatedKeyEvent, UserReport } from "./report";
import { encodeUserName, requestTokenFor, SECRET_TAGS, secretNameFor } from "./secret-name";
import { buildSecretPolicy, parseReaders } from "./secret-policy";

export type RotationSettings = Pick<
  Config,
  | "mode"
  | "rotateAfterDays"
  | "deactivateAfterDays"
  | "deleteAfterDays"
  | "warnBeforeDays"
  | "deactivateUnusedAfterDays"
  | "secretPrefix"
  | "exemptGroupName"
  | "exemptTag"
  | "ownerTag"
  | "readersTag"
  | "readerPrincipals"
  | "replicaRegions"
  | "userConcurrency"
  | "discovery"
>;

/** One account's turn in one run. `now` is the run's instant (the scheduled event's time). */
export interface AccountRun {
  readonly accountId: string;
  readonly runId: string;
  readonly now: Date;
  /** The previous run's instant; a day before `now` (the daily schedule) when not given. */
  readonly previousRunAt?: Date;
  /** Asked before each user is started: `true` when the time left is too short to start another. */
  readonly shouldStop?: () => boolean;
}

const previousRunOf = (run: AccountRun) => run.previousRunAt ?? addDays(run.now, -1);

/** The owner tag's address, when it is one; anything else is ignored rather than mailed. */
const ownerOf = (value: string | undefined) => {
  const address = value?.trim();
  return isEmailAddress(address) ? { owner: address } : {};
};

interface Context {
  readonly ports: AccountPorts;
  readonly settings: RotationSettings;
  readonly thresholds: Thresholds;
  readonly run: AccountRun;
  readonly exemptMembers: ReadonlySet<string>;
  /** The user's keyrotor secret, if it exists (from one listing, or described per user). */
  readonly secretOf: (name: string) => Promise<SecretMeta | undefined>;
}

interface Discovery {
  readonly users: readonly IamUser[];
  /** Users the credential report showed with nothing to say, not looked at further. */
  readonly unexamined: number;
  readonly exemptMembers: ReadonlySet<string>;
  readonly secretOf: Context["secretOf"];
}

/**
 * Every user, looked at one by one: one listing of users and one of secrets, then per-user calls.
 * What `plan` uses, and the reference the frugal discovery is proven against.
 */
async function discoverAll(ports: AccountPorts, settings: RotationSettings): Promise<Discovery> {
  const [users, exemptMembers, secrets] = await Promise.all([
    ports.iam.listUsers(),
    ports.iam.listGroupMembers(settings.exemptGroupName),
    ports.secrets.listSecrets(settings.secretPrefix),
  ]);
  return { users, unexamined: 0, exemptMembers, secretOf: async (name) => secrets.get(name) };
}

/**
 * Frugal discovery: the credential report (two or three calls) and the secrets with a pending mark
 * (one call) say which users could have anything to say; only those get per-user calls, on fresh data.
 * An account where nothing is due costs these calls and the AssumeRole, whatever its size.
 */
async function discoverFromReport(
  ports: AccountPorts,
  settings: RotationSettings,
  run: AccountRun,
): Promise<Discovery> {
  const [reported, pending] = await Promise.all([
    ports.iam.credentialReport(),
    ports.secrets.listPendingSecrets(settings.secretPrefix),
  ]);
  const users = reported
    .filter(
      (u) =>
        needsAttention(u.keys, settings, run.now) ||
        pending.has(secretNameFor(settings.secretPrefix, u.userName)),
    )
    .map(({ userName, arn }) => ({ userName, arn }));
  const exemptMembers =
    users.length > 0 ? await ports.iam.listGroupMembers(settings.exemptGroupName) : new Set<string>();
  const secretOf = async (name: string) =>
    pending.get(name) ?? (await ports.secrets.describeSecret(name)) ?? undefined;
  return { users, unexamined: reported.length - users.length, exemptMembers, secretOf };
}

/**
 * Reconciles one account: read every user's facts, decide, and (in enforce mode) act in a safe order
 * — deletions, then a new key whose secret exists before it and holds it after, then deactivations.
 * A user that fails is reported and the others go on; a failure to list the account's users or
 * secrets throws, since nothing could then be decided safely.
 */
export async function reconcileAccount(
  ports: AccountPorts,
  settings: RotationSettings,
  run: AccountRun,
): Promise<AccountReport> {
  const { users, unexamined, exemptMembers, secretOf } =
    settings.discovery === "full"
      ? await discoverAll(ports, settings)
      : await discoverFromReport(ports, settings, run);
  const ctx: Context = { ports, settings, thresholds: settings, run, exemptMembers, secretOf };
  // A user is either untouched or reconciled whole: stopping only between users keeps the account consistent.
  const reports = await mapWithConcurrency(users, settings.userConcurrency, async (user) =>
    run.shouldStop?.() ? deferred(user, settings) : reconcileUser(ctx, user),
  );
  const report: AccountReport = {
    accountId: run.accountId,
    runId: run.runId,
    mode: settings.mode,
    now: run.now.toISOString(),
    previousRunAt: previousRunOf(run).toISOString(),
    users: reports,
    unexaminedUsers: unexamined,
    failedUsers: reports.filter(hasFailed).length,
    deferredUsers: reports.filter((u) => u.status === "deferred").length,
  };
  ports.log.info("account reconciled", { ...summarize(report) });
  return report;
}

/** True when the user's facts could not be read or one of its actions failed. */
export function hasFailed(user: UserReport): boolean {
  return user.status === "failed" || user.actions.some((a) => a.outcome === "failed");
}

/** Counts for the account's one summary log line. */
export function summarize(report: AccountReport) {
  const count = (kind: Action["kind"]) =>
    report.users.flatMap((u) => u.actions).filter((a) => a.kind === kind && a.outcome !== "skipped").length;
  return {
    accountId: report.accountId,
    runId: report.runId,
    mode: report.mode,
    users: report.users.length,
    unexaminedUsers: report.unexaminedUsers,
    created: count("create"),
    deactivated: count("deactivate"),
    deleted: count("delete"),
    blocked: report.users.filter((u) => u.status === "blocked" || u.status === "held").length,
    failedUsers: report.failedUsers,
    deferredUsers: report.deferredUsers,
  };
}

function deferred(user: IamUser, settings: RotationSettings): UserReport {
  const secretName = secretNameFor(settings.secretPrefix, user.userName);
  return {
    userName: user.userName,
    secretName,
    status: "deferred",
    keys: [],
    actions: [],
    warnings: [],
    upcoming: [],
  };
}

async function reconcileUser(ctx: Context, user: IamUser): Promise<UserReport> {
  const secretName = secretNameFor(ctx.settings.secretPrefix, user.userName);
  let meta: SecretMeta | undefined;
  let facts: UserFacts;
  let tags: Record<string, string>;
  try {
    meta = await ctx.secretOf(secretName);
    ({ facts, tags } = await readUserFacts(ctx, user, meta));
  } catch (error) {
    ctx.ports.log.warn("user facts unreadable", { userName: user.userName, error: describeError(error) });
    const none = { keys: [], actions: [], warnings: [], upcoming: [] };
    return { userName: user.userName, secretName, status: "failed", ...none, error: describeError(error) };
  }
  const base = { userName: user.userName, secretName, ...(meta ? { secretArn: meta.arn } : {}) };

  const plan = decide(facts, ctx.thresholds, ctx.run.now, previousRunOf(ctx.run));
  const applied =
    ctx.settings.mode === "enforce"
      ? await applyPlan(ctx, user, facts, plan.actions, tags, meta)
      : { actions: plan.actions.map((a) => actionReport(a, "planned")), secretArn: meta?.arn };
  const createdId = applied.actions.find((a) => a.kind === "create" && a.outcome === "done")?.keyId;
  const dated = (u: Upcoming): DatedKeyEvent => ({
    keyId: u.keyId === NEW_KEY && createdId ? createdId : u.keyId,
    action: u.action,
    on: u.on.toISOString(),
  });
  const report: UserReport = {
    ...base,
    ...(applied.secretArn ? { secretArn: applied.secretArn } : {}),
    status: plan.status,
    ...(plan.reason ? { reason: plan.reason } : {}),
    ...(plan.blockedSince ? { blockedSince: plan.blockedSince.toISOString() } : {}),
    ...ownerOf(tags[ctx.settings.ownerTag]),
    keys: facts.keys.map((k) => ({ id: k.id, status: k.status, createdAt: k.createdAt.toISOString() })),
    actions: applied.actions,
    warnings: plan.warnings.map(dated),
    upcoming: plan.upcoming.map(dated),
  };
  if (report.actions.length > 0 || report.status === "blocked" || report.status === "held") {
    ctx.ports.log.info("user reconciled", {
      userName: report.userName,
      status: report.status,
      actions: report.actions.map(({ kind, keyId, outcome }) => ({ kind, keyId, outcome })),
    });
  }
  return report;
}

async function readUserFacts(
  ctx: Context,
  user: IamUser,
  meta: SecretMeta | undefined,
): Promise<{ facts: UserFacts; tags: Record<string, string> }> {
  const { iam } = ctx.ports;
  const keys = await iam.listAccessKeys(user.userName);
  // Tags matter only to users with keys; skipping the rest saves a call per key-less user.
  const tags = keys.length > 0 ? await iam.listUserTags(user.userName) : {};
  const exempt = ctx.exemptMembers.has(user.userName)
    ? "group"
    : tags[ctx.settings.exemptTag]?.trim().toLowerCase() === "true"
      ? "tag"
      : null;
  const facts: UserFacts = {
    userName: user.userName,
    keys,
    exempt,
    secret: meta ? secretMark(meta, keys) : null,
  };
  // Last-used data decides what happens to an unrecorded key and, when the unused-key rule is on, to
  // every Active key; fetch it for those alone (one call per key).
  const needsUse =
    exempt !== null
      ? []
      : ctx.settings.deactivateUnusedAfterDays != null
        ? [...new Set([...keys.filter((k) => k.status === "Active"), ...unrecordedKeys(facts)])]
        : unrecordedKeys(facts);
  if (needsUse.length === 0) return { facts, tags };
  const lastUsed = new Map<string, Date | null>();
  for (const key of needsUse) lastUsed.set(key.id, await iam.getAccessKeyLastUsed(key.id));
  const withUse = keys.map(
    (k): KeyFacts => (lastUsed.has(k.id) ? { ...k, lastUsedAt: lastUsed.get(k.id) } : k),
  );
  return { facts: { ...facts, keys: withUse }, tags };
}

/** Which of `keys` the secret's current version holds, and whether a creation is pending. */
export function secretMark(meta: SecretMeta, keys: readonly KeyFacts[]): SecretMark {
  const recorded = keys.find((k) => requestTokenFor(k.id) === meta.currentVersionId);
  const pending = meta.tags[SECRET_TAGS.pendingSince];
  const pendingSince = pending ? new Date(pending) : null;
  return {
    recordedKeyId: recorded?.id ?? null,
    pendingSince: pendingSince && !Number.isNaN(pendingSince.getTime()) ? pendingSince : null,
  };
}

function actionReport(action: Action, outcome: ActionReport["outcome"], extra: Partial<ActionReport> = {}) {
  const target =
    action.kind === "create"
      ? { keyId: NEW_KEY, detail: `replaces ${action.replacesKeyId}` }
      : action.kind === "deactivate"
        ? {
            keyId: action.keyId,
            detail: action.replacedByKeyId
              ? `replaced by ${action.replacedByKeyId}`
              : `unused since ${action.unusedSince?.toISOString().slice(0, 10)}`,
          }
        : { keyId: action.keyId, detail: action.reason };
  return {
    kind: action.kind,
    ...target,
    dueOn: action.dueOn.toISOString(),
    outcome,
    ...extra,
  } satisfies ActionReport;
}

/** Applies a plan in its order; after a failure the user's remaining actions are skipped. */
async function applyPlan(
  ctx: Context,
  user: IamUser,
  facts: UserFacts,
  actions: readonly Action[],
  tags: Record<string, string>,
  meta: SecretMeta | undefined,
): Promise<{ actions: ActionReport[]; secretArn: string | undefined }> {
  const { iam } = ctx.ports;
  const reports: ActionReport[] = [];
  let secretArn = meta?.arn;
  let failed = false;
  for (const action of actions) {
    if (failed) {
      reports.push(actionReport(action, "skipped"));
      continue;
    }
    try {
      if (action.kind === "delete") await iam.deleteAccessKey(user.userName, action.keyId);
      if (action.kind === "deactivate") await iam.deactivateAccessKey(user.userName, action.keyId);
      if (action.kind === "create") {
        const created = await rotateKey(ctx, user, tags, meta);
        secretArn = created.secretArn;
        reports.push(actionReport(action, "done", { keyId: created.keyId }));
        continue;
      }
      reports.push(actionReport(action, "done"));
    } catch (error) {
      failed = true;
      ctx.ports.log.error("action failed", {
        userName: user.userName,
        kind: action.kind,
        error: describeError(error),
      });
      reports.push(actionReport(action, "failed", { error: describeError(error) }));
    }
  }
  await settlePendingMark(ctx, user, facts, reports);
  return { actions: reports, secretArn };
}

/**
 * DESIGN §3: secret (with policy and pending mark) first, then the key, then the value under a
 * token derived from the key id. If the value cannot be written the key is deleted again; if even
 * that fails it stays unrecorded and the next run deletes it (unused) or holds the user (used).
 */
async function rotateKey(
  ctx: Context,
  user: IamUser,
  tags: Record<string, string>,
  meta: SecretMeta | undefined,
): Promise<{ keyId: string; secretArn: string }> {
  const { iam, secrets, log } = ctx.ports;
  const { settings, run } = ctx;
  const readers = [
    ...settings.readerPrincipals,
    ...parseReaders(settings.readersTag, tags[settings.readersTag]),
  ];
  const policy = buildSecretPolicy(user.arn, readers);
  const name = secretNameFor(settings.secretPrefix, user.userName);
  const pending = { [SECRET_TAGS.pendingSince]: run.now.toISOString() };

  const secret =
    meta ??
    (await secrets.createSecret({
      name,
      description: `Current access key of IAM user ${user.userName}, rotated by keyrotor`,
      tags: { [SECRET_TAGS.user]: encodeUserName(user.userName), ...pending },
      replicaRegions: settings.replicaRegions,
    }));
  if (meta) await secrets.tagSecret(name, pending);
  await secrets.putResourcePolicy(name, policy);

  let key: NewAccessKey;
  try {
    key = await iam.createAccessKey(user.userName);
  } catch (error) {
    await clearPendingUnlessKeyAppeared(ctx, user.userName, name);
    throw error;
  }
  const value = new Redacted(
    JSON.stringify({
      AccessKeyId: key.id,
      SecretAccessKey: key.secretAccessKey.reveal(),
      UserName: user.userName,
      CreateDate: key.createdAt.toISOString(),
    }),
  );
  try {
    await secrets.putSecretValue(name, value, requestTokenFor(key.id));
  } catch (writeError) {
    try {
      await iam.deleteAccessKey(user.userName, key.id);
    } catch (rollbackError) {
      throw new SecretWriteError(
        `secret ${name} could not be written (${describeError(writeError).message}) and the new key ${key.id} ` +
          `could not be deleted (${describeError(rollbackError).message}): it stays unrecorded, never ` +
          "replaces the working key, and the next run removes it",
        { cause: new AggregateError([writeError, rollbackError]) },
      );
    }
    await clearPendingMark(ctx, name);
    throw new SecretWriteError(
      `secret ${name} could not be written (${describeError(writeError).message}); the new key ${key.id} was deleted again`,
      { cause: writeError },
    );
  }
  try {
    await secrets.tagSecret(name, { [SECRET_TAGS.keyId]: key.id, [SECRET_TAGS.pendingSince]: "" });
  } catch (error) {
    // The key is recorded (the version id says so); only the mark is stale, which only makes a later
    // hand-made key look like keyrotor's until the next rotation clears it.
    log.warn("secret tags not updated after rotation", { secretName: name, error: describeError(error) });
  }
  return { keyId: key.id, secretArn: secret.arn };
}

/**
 * A pending mark left by an earlier run (its creation failed and was rolled back, or its last tag
 * write failed) is cleared once no unrecorded key is left behind it: otherwise a key a person makes
 * later would be taken for an unrecorded one. A rotation in this run clears its own mark.
 */
async function settlePendingMark(
  ctx: Context,
  user: IamUser,
  facts: UserFacts,
  reports: readonly ActionReport[],
): Promise<void> {
  const since = facts.secret?.pendingSince;
  if (!since || since.getTime() >= ctx.run.now.getTime()) return;
  if (reports.some((r) => r.kind === "create" && r.outcome === "done")) return;
  const removed = (id: string) =>
    reports.some((r) => r.kind === "delete" && r.keyId === id && r.outcome === "done");
  if (unrecordedKeys(facts).every((k) => removed(k.id))) {
    await clearPendingMark(ctx, secretNameFor(ctx.settings.secretPrefix, user.userName));
  }
}

/**
 * After a failed CreateAccessKey: a timed-out call may still have made a key, which the pending mark
 * lets the next run find and remove. Only when IAM shows no key made since the mark is it cleared.
 */
async function clearPendingUnlessKeyAppeared(ctx: Context, userName: string, name: string): Promise<void> {
  try {
    const keys = await ctx.ports.iam.listAccessKeys(userName);
    if (keys.every((k) => k.createdAt.getTime() < ctx.run.now.getTime())) await clearPendingMark(ctx, name);
  } catch (error) {
    ctx.ports.log.warn("pending mark kept: keys could not be listed", {
      secretName: name,
      error: describeError(error),
    });
  }
}

async function clearPendingMark(ctx: Context, name: string): Promise<void> {
  try {
    await ctx.ports.secrets.tagSecret(name, { [SECRET_TAGS.pendingSince]: "" });
  } catch (error) {
    ctx.ports.log.warn("pending mark not cleared after rollback", {
      secretName: name,
      error: describeError(error),
    });
  }
}
