import { describeError } from "../errors";
import type { UserRecord } from "../ledger/records";
import { type Action, decide, NEW_KEY, type Upcoming, type UserFacts, type UserPlan } from "../lifecycle";
import { type Applied, actionReport, applyPlan } from "./apply-plan";
import { plannedDeliveries } from "./deliver-key";
import { secretNameOf } from "./discovery";
import { keepIncident } from "./incident";
import type { IamUser } from "./ports";
import type { DatedKeyEvent, Finding, UserReport } from "./report";
import {
  holdReport,
  keepDeliveries,
  reactivatedKeys,
  usedAfterReplacement,
  withRecentUse,
} from "./retirement";
import { buildSecretPolicy, taggedReaders } from "./secret-policy";
import { type SecretStanding, type SecretView, secretView, standingOf } from "./secret-standing";
import { keepSecret } from "./secret-upkeep";
import type { AccountContext } from "./settings";
import { adviceFor } from "./user-advice";
import { exemptionOf, readUserKeys, type UserKeys } from "./user-facts";
import { healRecord, keepOwner, keepQuiet, ownerOf, readersIgnored } from "./user-upkeep";

const EMPTY = { keys: [], actions: [], warnings: [], upcoming: [], findings: [] };

/** The user's report when it could not even be read. */
export function unreadable(ctx: AccountContext, user: IamUser, error: unknown): UserReport {
  ctx.ports.log.warn("user facts unreadable", { userName: user.userName, error: describeError(error) });
  const secretName = secretNameOf(ctx.settings, user);
  return { userName: user.userName, secretName, status: "failed", ...EMPTY, error: describeError(error) };
}

/**
 * An exempt user needs no call of its own: the directory says so, and nothing is ever done to its keys.
 * (`plan`, with full discovery, still lists its keys.)
 */
function exemptReport(ctx: AccountContext, user: IamUser, by: "group" | "tag"): UserReport {
  const secretName = secretNameOf(ctx.settings, user);
  return { userName: user.userName, secretName, status: "exempt", reason: `exempt by ${by}`, ...EMPTY };
}

/** A user left for the job's retry when time ran short. */
export function deferred(ctx: AccountContext, user: IamUser): UserReport {
  return {
    userName: user.userName,
    secretName: secretNameOf(ctx.settings, user),
    status: "deferred",
    ...EMPTY,
  };
}

/** Whether this look will write a new key into the user's secret (its policy must be right first). */
function writesKey(ctx: AccountContext, keys: UserKeys, view: SecretView): boolean {
  const facts = { ...keys.facts, secret: view.mark };
  return decide(facts, ctx.thresholds, ctx.run.now, ctx.previousRunAt).actions.some(
    (a) => a.kind === "create",
  );
}

/** Whether a plan's actions depend on the secret: a new key goes into it; a retirement trusts it. */
const dependsOnSecret = (a: Action) =>
  a.kind === "create" || (a.kind === "deactivate" && !!a.replacedByKeyId);

/**
 * The secret is read only when a decision can depend on it: a rotation (the key goes into it), a
 * retirement in favour of the key it holds, a creation in flight, or settings that reshape it. The
 * plan is tried with the ledger's word and without any recorded key: if neither needs the secret
 * and both agree, reading it could change nothing.
 */
function secretMatters(ctx: AccountContext, user: UserKeys, record: UserRecord | undefined): boolean {
  if (ctx.settings.discovery === "full" || record?.pending) return true;
  if (ctx.settingsChanged && record?.secret) return true;
  const plan = (facts: UserFacts) => decide(facts, ctx.thresholds, ctx.run.now, ctx.previousRunAt).actions;
  const trusted = plan(user.facts);
  const doubted = user.facts.secret
    ? plan({ ...user.facts, secret: { ...user.facts.secret, recordedKeyId: null } })
    : trusted;
  return (
    trusted.some(dependsOnSecret) ||
    doubted.some(dependsOnSecret) ||
    JSON.stringify(trusted) !== JSON.stringify(doubted)
  );
}

/**
 * One user, in steps: read its keys; read and keep its secret if a decision depends on it; decide
 * (the pure lifecycle); act in enforce mode; report. Upkeep failures are findings, not a lost user.
 */
export async function reconcileUser(ctx: AccountContext, user: IamUser): Promise<UserReport> {
  const { settings } = ctx;
  const secretName = secretNameOf(settings, user);
  const record = ctx.ledger.users.get(user.userName);
  const exemptBy = exemptionOf(ctx, user);
  if (exemptBy && settings.discovery === "report") {
    const exempt = exemptReport(ctx, user, exemptBy);
    const incident = await keepIncident(ctx, user, record, null, exempt, undefined);
    const report = incident ? { ...exempt, incident } : exempt;
    await keepQuiet(ctx, user, record, report);
    return report;
  }
  let keys: UserKeys;
  let standing: SecretStanding | null = null;
  let view: SecretView = { mark: null };
  try {
    keys = await readUserKeys(ctx, user, record);
    if (keys.facts.exempt === null && secretMatters(ctx, keys, record)) {
      standing = standingOf(await ctx.secretOf(secretName), record);
      view = secretView(standing, record, keys.facts.keys);
    }
  } catch (error) {
    return unreadable(ctx, user, error);
  }
  const readers = taggedReaders(keys.tags[settings.readersTag], settings.readerTagAllowlist);
  const policy = buildSecretPolicy(user.arn, [...settings.readerPrincipals, ...readers.allowed]);
  const findings: Finding[] = readersIgnored(readers.ignored, settings.readersTag);
  if (view.foreignVersion) {
    findings.push({
      kind: "foreign-version",
      outcome: "noted",
      detail:
        `secret ${secretName} holds a value keyrotor did not write (version ${view.foreignVersion}): ` +
        "no older key is retired until keyrotor stores a new one",
    });
  }
  try {
    if (standing) {
      const kept = await keepSecret(ctx, user, standing, policy, writesKey(ctx, keys, view));
      if (kept.standing !== standing) view = secretView(kept.standing, record, keys.facts.keys);
      standing = kept.standing;
      findings.push(...kept.findings);
      await healRecord(ctx, user, standing, view);
    }
    await keepOwner(ctx, user, record, keys.tags[settings.ownerTag]);
  } catch (error) {
    ctx.ports.log.error("secret upkeep failed", { userName: user.userName, error: describeError(error) });
    findings.push({
      kind: "upkeep-failed",
      outcome: "failed",
      detail: `secret ${secretName} could not be checked or repaired: ${describeError(error).message}`,
    });
  }
  const blockedBy =
    standing?.kind === "foreign" ? findings.find((f) => f.kind === "foreign-secret") : undefined;
  const acting = settings.mode === "enforce" && !ctx.run.readOnly && !blockedBy;
  const known = standing ? { ...keys.facts, secret: view.mark } : keys.facts;
  let delivered: Awaited<ReturnType<typeof keepDeliveries>>;
  let recent: UserFacts["keys"];
  try {
    const recordedKeyId = known.secret?.recordedKeyId ?? record?.recorded?.keyId;
    delivered = await keepDeliveries(ctx, user, record, recordedKeyId, known.keys, acting);
    recent = await withRecentUse(ctx, user, known.keys);
  } catch (error) {
    return unreadable(ctx, user, error);
  }
  const reactivated = reactivatedKeys(record, known.keys);
  const facts: UserFacts = {
    ...known,
    keys: recent,
    undelivered: delivered.undelivered,
    reactivated,
  };
  const plan = decide(facts, ctx.thresholds, ctx.run.now, ctx.previousRunAt);
  const applied: Applied = acting
    ? await applyPlan(ctx, user, facts, plan.actions, standing ?? { kind: "none" }, policy)
    : {
        actions: blockedBy ? [] : plan.actions.map((a) => actionReport(a, "planned")),
        secretArn: standing?.kind === "ours" ? standing.meta.arn : undefined,
        ...(plan.actions.some((a) => a.kind === "create") && !blockedBy
          ? { deliveries: plannedDeliveries(ctx, user.userName, undefined, NEW_KEY) }
          : {}),
      };
  const readersOfPolicy = [...new Set([...settings.readerPrincipals, ...readers.allowed])];
  const deliveries = [...delivered.reports, ...(applied.deliveries ?? [])];
  const stillUsed = usedAfterReplacement(ctx, user, facts, record, plan);
  const advice = adviceFor(ctx, user, facts.keys);
  const done: UserReport = {
    ...userReport(ctx, user, facts, plan, applied, findings, blockedBy?.detail),
    readers: readersOfPolicy,
    ...(deliveries.length > 0 ? { deliveries } : {}),
    ...(plan.holds.length > 0 ? { holds: plan.holds.map(holdReport) } : {}),
    ...(stillUsed.length > 0 ? { stillUsed } : {}),
    ...(reactivated.length > 0 ? { reactivated } : {}),
    ...(advice.length > 0 ? { advice } : {}),
  };
  const created = applied.actions.find((a) => a.kind === "create" && a.outcome === "done")?.keyId;
  const incident = await keepIncident(
    ctx,
    user,
    record,
    facts.keys,
    done,
    created ?? known.secret?.recordedKeyId ?? undefined,
  );
  const report = incident ? { ...done, incident } : done;
  await keepQuiet(ctx, user, record, report);
  return report;
}

function userReport(
  ctx: AccountContext,
  user: IamUser,
  facts: UserFacts,
  plan: UserPlan,
  applied: Applied,
  findings: Finding[],
  blockedReason: string | undefined,
): UserReport {
  const createdId = applied.actions.find((a) => a.kind === "create" && a.outcome === "done")?.keyId;
  const dated = (u: Upcoming): DatedKeyEvent => ({
    keyId: u.keyId === NEW_KEY && createdId ? createdId : u.keyId,
    action: u.action,
    on: u.on.toISOString(),
  });
  const firstDue = plan.actions.map((a) => a.dueOn.getTime()).sort((a, b) => a - b)[0];
  const blockedSince =
    plan.blockedSince ?? (blockedReason ? new Date(firstDue ?? ctx.run.now.getTime()) : undefined);
  const reason = blockedReason ?? plan.reason;
  const report: UserReport = {
    userName: user.userName,
    secretName: secretNameOf(ctx.settings, user),
    ...(applied.secretArn ? { secretArn: applied.secretArn } : {}),
    status: blockedReason ? "blocked" : plan.status,
    ...(reason ? { reason } : {}),
    ...(blockedSince ? { blockedSince: blockedSince.toISOString() } : {}),
    ...ownerOf(ctx.directory.get(user.userName)?.tags[ctx.settings.ownerTag]),
    keys: facts.keys.map((k) => ({ id: k.id, status: k.status, createdAt: k.createdAt.toISOString() })),
    actions: applied.actions,
    warnings: plan.warnings.map(dated),
    upcoming: plan.upcoming.map(dated),
    findings,
  };
  if (
    report.actions.length > 0 ||
    findings.length > 0 ||
    report.status === "blocked" ||
    report.status === "held"
  ) {
    ctx.ports.log.info("user reconciled", {
      userName: report.userName,
      status: report.status,
      actions: report.actions.map(({ kind, keyId, outcome }) => ({ kind, keyId, outcome })),
      findings: findings.map(({ kind, outcome }) => ({ kind, outcome })),
    });
  }
  return report;
}
