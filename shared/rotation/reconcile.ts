import { mapWithConcurrency } from "../concurrency";
import { isEmailAddress } from "../config";
import { describeError } from "../errors";
import type { LedgerPort, UserRecord } from "../ledger/records";
import { addDays, decide, NEW_KEY, type Upcoming } from "../lifecycle";
import { type Applied, actionReport, applyPlan } from "./apply-plan";
import { discoverAll, discoverFromReport, secretNameOf } from "./discovery";
import type { AccountPorts, IamUser } from "./ports";
import type { AccountReport, DatedKeyEvent, Finding, UserReport } from "./report";
import { buildSecretPolicy, taggedReaders } from "./secret-policy";
import { secretView } from "./secret-standing";
import { keepSecret } from "./secret-upkeep";
import type { AccountContext, AccountRun, RotationSettings } from "./settings";
import { hasFailed, summarize } from "./summary";
import { readUserState, type UserState } from "./user-facts";

const previousRunOf = (run: AccountRun) => run.previousRunAt ?? addDays(run.now, -1);

/**
 * Reconciles one account, in steps: read the ledger, discover the users with anything to say, then
 * for each user read its facts, keep its secret, decide (the pure lifecycle) and, in enforce mode,
 * act in a safe order. A user that fails is reported and the others go on; a failure to read the
 * ledger or list the account's users throws, since nothing could then be decided safely.
 */
export async function reconcileAccount(
  ports: AccountPorts & { readonly ledger: LedgerPort },
  settings: RotationSettings,
  run: AccountRun,
): Promise<AccountReport> {
  const ledger = await ports.ledger.loadAccount(run.accountId);
  const discovery =
    settings.discovery === "full"
      ? await discoverAll(ports, settings)
      : await discoverFromReport(ports, settings, run, ledger);
  const ctx: AccountContext = { ports, settings, thresholds: settings, run, ledger, ...discovery };
  // A user is either untouched or reconciled whole: stopping only between users keeps the account consistent.
  const reports = await mapWithConcurrency(discovery.users, settings.userConcurrency, async (user) =>
    run.shouldStop?.() ? deferred(user, settings) : reconcileUser(ctx, user),
  );
  const report: AccountReport = {
    accountId: run.accountId,
    runId: run.runId,
    mode: settings.mode,
    now: run.now.toISOString(),
    previousRunAt: previousRunOf(run).toISOString(),
    users: reports,
    unexaminedUsers: discovery.unexamined,
    failedUsers: reports.filter(hasFailed).length,
    deferredUsers: reports.filter((u) => u.status === "deferred").length,
  };
  if (!run.readOnly) {
    await ports.ledger.recordRun(run.accountId, { lastRunId: run.runId, lastRunAt: run.now.toISOString() });
  }
  ports.log.info("account reconciled", { ...summarize(report) });
  return report;
}

const quiet = { keys: [], actions: [], warnings: [], upcoming: [], findings: [] };

function deferred(user: IamUser, settings: RotationSettings): UserReport {
  return { userName: user.userName, secretName: secretNameOf(settings, user), status: "deferred", ...quiet };
}

async function reconcileUser(ctx: AccountContext, user: IamUser): Promise<UserReport> {
  const secretName = secretNameOf(ctx.settings, user);
  const record = ctx.ledger.users.get(user.userName);
  let state: UserState;
  try {
    state = await readUserState(ctx, user, await ctx.secretOf(secretName), record);
  } catch (error) {
    ctx.ports.log.warn("user facts unreadable", { userName: user.userName, error: describeError(error) });
    return { userName: user.userName, secretName, status: "failed", ...quiet, error: describeError(error) };
  }
  const { settings } = ctx;
  const readers = taggedReaders(state.tags[settings.readersTag], settings.readerTagAllowlist);
  const policy = buildSecretPolicy(user.arn, [...settings.readerPrincipals, ...readers.allowed]);
  const findings: Finding[] = readersIgnored(readers.ignored, settings.readersTag);
  if (state.view.foreignVersion) {
    findings.push({
      kind: "foreign-version",
      outcome: "noted",
      detail:
        `secret ${secretName} holds a value keyrotor did not write (version ${state.view.foreignVersion}): ` +
        "no older key is retired until keyrotor stores a new one",
    });
  }
  const exempt = state.facts.exempt !== null;
  let standing = state.standing;
  try {
    if (!exempt) {
      const kept = await keepSecret(ctx, user, standing, policy);
      standing = kept.standing;
      findings.push(...kept.findings);
    }
    await healRecord(ctx, user, state);
    await keepOwner(ctx, user, record, state.tags[settings.ownerTag]);
  } catch (error) {
    ctx.ports.log.error("secret upkeep failed", { userName: user.userName, error: describeError(error) });
    findings.push({
      kind: "upkeep-failed",
      outcome: "failed",
      detail: `secret ${secretName} could not be checked or repaired: ${describeError(error).message}`,
    });
  }
  // A secret the upkeep restored holds its recorded key again: decide on the secret as it now stands.
  const facts =
    standing === state.standing
      ? state.facts
      : { ...state.facts, secret: secretView(standing, record, state.facts.keys).mark };
  const plan = decide(facts, ctx.thresholds, ctx.run.now, previousRunOf(ctx.run));
  const blockedBySecret = !exempt && standing.kind === "foreign";
  const acting = settings.mode === "enforce" && !ctx.run.readOnly && !blockedBySecret;
  const applied: Applied = acting
    ? await applyPlan(ctx, user, facts, plan.actions, standing, policy)
    : {
        actions: blockedBySecret ? [] : plan.actions.map((a) => actionReport(a, "planned")),
        secretArn: standing.kind === "ours" ? standing.meta.arn : undefined,
      };
  const createdId = applied.actions.find((a) => a.kind === "create" && a.outcome === "done")?.keyId;
  const dated = (u: Upcoming): DatedKeyEvent => ({
    keyId: u.keyId === NEW_KEY && createdId ? createdId : u.keyId,
    action: u.action,
    on: u.on.toISOString(),
  });
  const blockedReason = findings.find((f) => f.kind === "foreign-secret")?.detail;
  const report: UserReport = {
    userName: user.userName,
    secretName,
    ...(applied.secretArn ? { secretArn: applied.secretArn } : {}),
    status: blockedBySecret && blockedReason ? "blocked" : plan.status,
    ...(blockedBySecret && blockedReason
      ? { reason: blockedReason }
      : plan.reason
        ? { reason: plan.reason }
        : {}),
    ...blockedSinceOf(plan, blockedBySecret && blockedReason !== undefined, ctx.run.now),
    ...ownerOf(state.tags[settings.ownerTag]),
    keys: state.facts.keys.map((k) => ({ id: k.id, status: k.status, createdAt: k.createdAt.toISOString() })),
    actions: applied.actions,
    warnings: plan.warnings.map(dated),
    upcoming: plan.upcoming.map(dated),
    findings,
  };
  if (
    report.actions.length > 0 ||
    report.findings.length > 0 ||
    report.status === "blocked" ||
    report.status === "held"
  ) {
    ctx.ports.log.info("user reconciled", {
      userName: report.userName,
      status: report.status,
      actions: report.actions.map(({ kind, keyId, outcome }) => ({ kind, keyId, outcome })),
      findings: report.findings.map(({ kind, outcome }) => ({ kind, outcome })),
    });
  }
  return report;
}

/** A user blocked by a foreign secret is blocked since its first due step, or since this run. */
function blockedSinceOf(plan: ReturnType<typeof decide>, bySecret: boolean, now: Date) {
  if (plan.blockedSince) return { blockedSince: plan.blockedSince.toISOString() };
  if (!bySecret) return {};
  const firstDue = plan.actions.map((a) => a.dueOn.getTime()).sort((a, b) => a - b)[0];
  return { blockedSince: new Date(firstDue ?? now.getTime()).toISOString() };
}

function readersIgnored(ignored: readonly string[], tagName: string): Finding[] {
  if (ignored.length === 0) return [];
  return [
    {
      kind: "readers-ignored",
      outcome: "noted",
      detail:
        `tag ${tagName} names ${ignored.join(", ")}, which the operator's readers allowlist does not allow: ` +
        "they get no access to the secret",
    },
  ];
}

/** The ledger learns a key whose value reached the secret although the answer or the record was lost. */
async function healRecord(ctx: AccountContext, user: IamUser, state: UserState): Promise<void> {
  const key = state.view.healedKey;
  if (!key || ctx.settings.mode !== "enforce" || ctx.run.readOnly) return;
  const versionId = state.standing.kind === "ours" ? state.standing.meta.currentVersionId : null;
  if (!versionId) return;
  await ctx.ports.ledger.recordKey(ctx.run.accountId, user.userName, {
    keyId: key.id,
    versionId,
    at: ctx.run.now.toISOString(),
  });
}

/** The owner tag's address, when it is one; anything else is ignored rather than mailed. */
function ownerOf(value: string | undefined) {
  const address = value?.trim();
  return isEmailAddress(address) ? { owner: address } : {};
}

/** The notifier mails a user's lines to the owner the ledger holds, so the ledger follows the tag. */
async function keepOwner(
  ctx: AccountContext,
  user: IamUser,
  record: UserRecord | undefined,
  tag: string | undefined,
): Promise<void> {
  const owner = ownerOf(tag).owner ?? null;
  if (ctx.run.readOnly || (record?.owner ?? null) === owner) return;
  await ctx.ports.ledger.setOwner(ctx.run.accountId, user.userName, owner);
}
