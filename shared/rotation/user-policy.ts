import type { Thresholds } from "../lifecycle";
import type { ResolvedPolicy } from "../policies/fields";
import { secretNameOf } from "./discovery";
import type { IamUser } from "./ports";
import { reconcileUser } from "./reconcile-user";
import type { AccountPolicyReport, UserReport } from "./report";
import type { AccountContext } from "./settings";
import { exemptionOf } from "./user-facts";
import { keepQuiet } from "./user-upkeep";

/** The lifecycle's thresholds and key rules a policy sets. */
export function thresholdsOf(policy: ResolvedPolicy): Required<Thresholds> {
  const { rotateAfterDays, deactivateAfterDays, deleteAfterDays, warnBeforeDays } = policy;
  const { deactivateUnusedAfterDays, holdWhileInUse } = policy;
  return {
    rotateAfterDays,
    deactivateAfterDays,
    deleteAfterDays,
    warnBeforeDays,
    deactivateUnusedAfterDays,
    holdWhileInUse,
  };
}

/** The account's context with one policy's settings in force: its mode, thresholds and key rules. */
export function underPolicy(ctx: AccountContext, policy: ResolvedPolicy): AccountContext {
  const thresholds = thresholdsOf(policy);
  return { ...ctx, settings: { ...ctx.settings, mode: policy.mode, ...thresholds }, thresholds };
}

/** Why a user two user policies match is blocked, naming them: the rotation's report and the org report say it alike. */
export const tieReason = (names: readonly string[]) =>
  `policies ${names.map((n) => `"${n}"`).join(" and ")} both match this user: nothing is done to its keys until the configuration gives it one policy`;

/**
 * Two user policies match the user: which applies would be a guess, so nothing is done to its keys and
 * it is reported blocked, naming both (an exempt user is still only exempt).
 */
async function tied(ctx: AccountContext, user: IamUser, names: readonly string[]): Promise<UserReport> {
  if (exemptionOf(ctx, user)) {
    return reconcileUser(underPolicy(ctx, { ...ctx.policies.account, mode: "audit" }), user);
  }
  const report: UserReport = {
    userName: user.userName,
    secretName: secretNameOf(ctx.settings, user),
    status: "blocked",
    reason: tieReason(names),
    blockedSince: ctx.run.now.toISOString(),
    keys: [],
    actions: [],
    warnings: [],
    upcoming: [],
    findings: [],
  };
  ctx.ports.log.warn("user blocked: policies tie", { userName: user.userName, policies: [...names] });
  await keepQuiet(ctx, user, ctx.ledger.users.get(user.userName), report);
  return report;
}

/** One user under the policy that applies to it, the report naming that policy. */
export async function reconcileUnderPolicy(ctx: AccountContext, user: IamUser): Promise<UserReport> {
  const applies = ctx.policies.forUser(user.userName);
  if (applies.kind === "tie") return tied(ctx, user, applies.names);
  const report = await reconcileUser(underPolicy(ctx, applies.policy), user);
  return { ...report, policy: applies.policy.name };
}

/** The account's policy as the report shows it: its name and what it sets. */
export function policyReport(policy: ResolvedPolicy): AccountPolicyReport {
  return {
    name: policy.name,
    mode: policy.mode,
    rotateAfterDays: policy.rotateAfterDays,
    deactivateAfterDays: policy.deactivateAfterDays,
    deleteAfterDays: policy.deleteAfterDays,
    warnBeforeDays: policy.warnBeforeDays,
    deactivateUnusedAfterDays: policy.deactivateUnusedAfterDays,
    holdWhileInUse: policy.holdWhileInUse,
  };
}
