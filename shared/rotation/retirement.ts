import { describeError } from "../errors";
import type { DeliveryRecord, UserRecord } from "../ledger/records";
import {
  type Hold,
  type KeyFacts,
  newestKey,
  type ReportedKey,
  type UserFacts,
  type UserPlan,
  withoutOwnUse,
} from "../lifecycle";
import { deliverOutstanding, outstanding, plannedDeliveries } from "./deliver-key";
import type { IamUser } from "./ports";
import type { DeliveryReport, HoldReport, UsageReport } from "./report";
import type { AccountContext } from "./settings";

/**
 * What may hold a superseded key back from retirement, gathered for one user before the lifecycle
 * decides: destinations that have not confirmed its replacement, recent use (from the credential
 * report, no extra call), and a person having re-activated it.
 */

/** The report's entry for a key: the report has no key ids, so creation instants (to the second) match them. */
export function reportedKeyOf(ctx: AccountContext, userName: string, key: KeyFacts): ReportedKey | undefined {
  const second = Math.floor(key.createdAt.getTime() / 1000);
  return ctx.reported
    .get(userName)
    ?.find((r) => Math.floor(r.createdAt.getTime() / 1000) === second && r.status === key.status);
}

/**
 * Delivers the recorded key again where it is still outstanding (enforce mode), or says what would be
 * delivered (audit, plan). `recordedKeyId` is the key recorded as this run knows it: the ledger's, or
 * the one this run healed from the secret (a run that stopped before recording its key). `undelivered` names the destinations that keep the key it replaced Active.
 * A delivery record of a key the user no longer has is left alone: there is nothing to deliver.
 */
export async function keepDeliveries(
  ctx: AccountContext,
  user: IamUser,
  record: UserRecord | undefined,
  recordedKeyId: string | null | undefined,
  keys: readonly KeyFacts[],
  acting: boolean,
): Promise<{ reports: DeliveryReport[]; undelivered: string[] }> {
  const delivery = record?.delivery;
  const none = { reports: [], undelivered: [] };
  if (!delivery || delivery.keyId !== recordedKeyId) return none;
  if (!keys.some((k) => k.id === delivery.keyId && k.status === "Active")) return none;
  const todo = outstanding(ctx, user.userName, delivery);
  if (todo.length === 0) {
    if (acting) await forgetUnbound(ctx, user, delivery);
    return none;
  }
  if (!acting) {
    return {
      reports: plannedDeliveries(ctx, user.userName, delivery, delivery.keyId),
      undelivered: todo.map((b) => b.label),
    };
  }
  try {
    const reports = await deliverOutstanding(ctx, user, delivery);
    return { reports, undelivered: reports.filter((r) => r.outcome === "failed").map((r) => r.destination) };
  } catch (error) {
    // The deliveries could not be recorded: the old key stays until a run can record them.
    ctx.ports.log.error("deliveries not recorded", { userName: user.userName, error: describeError(error) });
    return { reports: [], undelivered: todo.map((b) => b.label) };
  }
}

/**
 * A delivery whose unconfirmed destinations were all removed from the configuration is done: they are
 * dropped from it with the escrow, so the user is no longer looked at for it every run.
 */
async function forgetUnbound(ctx: AccountContext, user: IamUser, delivery: DeliveryRecord): Promise<void> {
  const unconfirmed = delivery.due.filter((id) => delivery.confirmed[id] === undefined);
  if (unconfirmed.length === 0 && !delivery.escrow) return;
  const { escrow: _, ...kept } = delivery;
  try {
    await ctx.ports.ledger.setDelivery(ctx.run.accountId, user.userName, {
      ...kept,
      due: delivery.due.filter((id) => delivery.confirmed[id] !== undefined),
      failures: {},
    });
  } catch (error) {
    ctx.ports.log.warn("delivery record not settled", {
      userName: user.userName,
      error: describeError(error),
    });
  }
}

/** Keys keyrotor deactivated (the ledger says) that are Active again: a person re-activated them. */
export function reactivatedKeys(record: UserRecord | undefined, keys: readonly KeyFacts[]): string[] {
  const retired = record?.retired ?? {};
  return keys.filter((k) => k.status === "Active" && retired[k.id] !== undefined).map((k) => k.id);
}

/**
 * With `holdWhileInUse`, the superseded keys' last use (when, with what, where: keyrotor's own
 * verification of a key is told from a consumer's by these): from the credential report when the run
 * read it, else (full discovery, `plan`) one GetAccessKeyLastUsed per superseded Active key.
 */
export async function withRecentUse(
  ctx: AccountContext,
  user: IamUser,
  keys: readonly KeyFacts[],
): Promise<KeyFacts[]> {
  if (!ctx.settings.holdWhileInUse) return [...keys];
  const newest = newestKey(keys);
  const result: KeyFacts[] = [];
  for (const key of keys) {
    if (key.lastUsedAt !== undefined || key === newest || key.status !== "Active") {
      result.push(key);
      continue;
    }
    const reported = reportedKeyOf(ctx, user.userName, key);
    const { lastUsedAt, lastUsedService, lastUsedRegion } =
      reported ?? (await ctx.ports.iam.getAccessKeyLastUse(key.id));
    result.push({ ...key, lastUsedAt, lastUsedService, lastUsedRegion });
  }
  return result;
}

/** When the replacement reached every consumer: its last confirmation, or its recording without destinations. */
function deliveredAt(record: UserRecord | undefined, keyId: string): Date | null {
  if (record?.recorded?.keyId !== keyId) return null;
  const d = record.delivery;
  if (!d || d.keyId !== keyId) return new Date(record.recorded.at);
  if (d.due.some((id) => d.confirmed[id] === undefined)) return null;
  const times = Object.values(d.confirmed).map((t) => new Date(t).getTime());
  return new Date(Math.max(new Date(record.recorded.at).getTime(), ...times));
}

/**
 * Superseded Active keys used after their replacement reached every consumer: whatever uses them has
 * not switched, and the owner hears when and where (service, region) before the key is deactivated.
 */
export function usedAfterReplacement(
  ctx: AccountContext,
  user: IamUser,
  facts: UserFacts,
  record: UserRecord | undefined,
  plan: UserPlan,
): UsageReport[] {
  const newest = newestKey(facts.keys);
  if (newest?.status !== "Active" || facts.secret?.recordedKeyId !== newest.id) return [];
  const since = deliveredAt(record, newest.id);
  if (!since) return [];
  const usage: UsageReport[] = [];
  for (const key of facts.keys) {
    if (key === newest || key.status !== "Active") continue;
    const reported = reportedKeyOf(ctx, user.userName, key);
    const use = withoutOwnUse(reported?.lastUsedAt ? reported : key, key.verified);
    const lastUsed = use.lastUsedAt ?? null;
    if (!lastUsed || lastUsed.getTime() <= since.getTime()) continue;
    const deactivateOn =
      plan.holds.find((h) => h.keyId === key.id)?.until ??
      (plan.actions.some((a) => a.kind === "deactivate" && a.keyId === key.id) ? ctx.run.now : undefined) ??
      plan.upcoming.find((u) => u.keyId === key.id && u.action === "deactivate")?.on;
    usage.push({
      keyId: key.id,
      lastUsedAt: lastUsed.toISOString(),
      ...(use.lastUsedService ? { service: use.lastUsedService } : {}),
      ...(use.lastUsedRegion ? { region: use.lastUsedRegion } : {}),
      ...(deactivateOn ? { deactivateOn: deactivateOn.toISOString() } : {}),
    });
  }
  return usage;
}

export function holdReport(h: Hold): HoldReport {
  return {
    keyId: h.keyId,
    reason: h.reason,
    dueOn: h.dueOn.toISOString(),
    ...(h.until ? { until: h.until.toISOString() } : {}),
    ...(h.destinations ? { destinations: h.destinations } : {}),
  };
}
