import { adviseUser } from "../advice/advise";
import type { Advice } from "../advice/types";
import type { Config } from "../config";
import { destinationsOf } from "../destinations/validate";
import type { ReportedUser } from "../rotation/ports";

/** What the advice needs of the settings: the bound destinations and the unused-key period. */
export type AdviceSettings = Pick<Config, "deliveries" | "deactivateUnusedAfterDays">;

/**
 * The advice on one user's Active keys from what the report already read: the credential report's
 * keys (no ids: each is named by its creation date) with their last use, service and region, and the
 * destinations the settings bind to the user. The same `adviseUser` as `keyrotor plan` and `advise`,
 * so the report counts what they would say.
 */
export function reportedAdvice(
  accountId: string,
  user: ReportedUser,
  settings: AdviceSettings,
  now: Date,
): Advice {
  return adviseUser({
    accountId,
    userName: user.userName,
    partition: user.arn.split(":")[1] || "aws",
    keys: user.keys,
    destinations: destinationsOf(settings.deliveries, accountId, user.userName),
    deactivateUnusedAfterDays: settings.deactivateUnusedAfterDays,
    now,
  });
}
