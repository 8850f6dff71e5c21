import { describeError } from "../errors";
import { type Action, NEW_KEY, type UserFacts, unrecordedKeys } from "../lifecycle";
import type { IamUser } from "./ports";
import type { ActionReport, DeliveryReport } from "./report";
import { rotateKey } from "./rotate-key";
import { secretNameFor } from "./secret-name";
import { type SecretStanding, unrecordedSecret } from "./secret-standing";
import type { AccountContext } from "./settings";
import { deactivate } from "./steps/deactivate";
import { remove } from "./steps/remove";
import { clearPending } from "./steps/roll-back";

/** How an action is reported, whatever became of it. */
export function actionReport(
  action: Action,
  outcome: ActionReport["outcome"],
  extra: Partial<ActionReport> = {},
): ActionReport {
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
  return { kind: action.kind, ...target, dueOn: action.dueOn.toISOString(), outcome, ...extra };
}

export interface Applied {
  readonly actions: ActionReport[];
  readonly secretArn: string | undefined;
  /** The new key's deliveries, when this run created one. */
  readonly deliveries?: DeliveryReport[];
}

/** Applies a plan in its order; after a failure the user's remaining actions are skipped. */
export async function applyPlan(
  ctx: AccountContext,
  user: IamUser,
  facts: UserFacts,
  actions: readonly Action[],
  standing: SecretStanding,
  policy: string,
): Promise<Applied> {
  const reports: ActionReport[] = [];
  let secretArn = standing.kind === "ours" ? standing.meta.arn : undefined;
  let deliveries: DeliveryReport[] | undefined;
  let failed = false;
  let createdKeyId: string | undefined;
  for (const planned of actions) {
    // A revocation planned with the run's new key names it once it exists.
    const action =
      planned.kind === "deactivate" && planned.replacedByKeyId === NEW_KEY && createdKeyId
        ? { ...planned, replacedByKeyId: createdKeyId }
        : planned;
    if (failed) {
      reports.push(actionReport(action, "skipped"));
      continue;
    }
    try {
      if (action.kind === "delete") await remove(ctx, user, action.keyId);
      if (action.kind === "deactivate") await deactivate(ctx, user, facts, action.keyId);
      if (action.kind === "create") {
        const name = secretNameFor(ctx.settings.secretPrefix, user.userName);
        const created = await rotateKey(ctx, { user, name, standing, policy, dueOn: action.dueOn });
        secretArn = created.secretArn;
        deliveries = created.deliveries;
        createdKeyId = created.keyId;
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
  await settlePending(ctx, user, facts, standing, reports);
  return { actions: reports, secretArn, ...(deliveries ? { deliveries } : {}) };
}

/**
 * A pending creation left by an earlier run (rolled back, or its last write lost) is cleared once no
 * unrecorded key is left behind it: otherwise a key a person makes later would be taken for one of
 * keyrotor's. A rotation in this run settles its own. The secret the creation vouched for is recorded
 * in the same write.
 */
async function settlePending(
  ctx: AccountContext,
  user: IamUser,
  facts: UserFacts,
  standing: SecretStanding,
  reports: readonly ActionReport[],
): Promise<void> {
  const since = facts.secret?.pendingSince;
  if (!since || since.getTime() >= ctx.run.now.getTime()) return;
  if (reports.some((r) => r.kind === "create" && r.outcome === "done")) return;
  const removed = (id: string) =>
    reports.some((r) => r.kind === "delete" && r.keyId === id && r.outcome === "done");
  if (unrecordedKeys(facts).every((k) => removed(k.id)))
    await clearPending(ctx, user.userName, unrecordedSecret(standing, ctx.ledger.users.get(user.userName)));
}
