import { adviseUser } from "../advice/advise";
import type { AdvisedKey } from "../advice/types";
import type { KeyFacts } from "../lifecycle";
import { boundDestinations } from "./deliver-key";
import type { IamUser } from "./ports";
import type { AdviceReport } from "./report";
import { reportedKeyOf } from "./retirement";
import type { AccountContext } from "./settings";

/**
 * How to get rid of the user's Active keys (remove, an OIDC role, a scoped role, Roles Anywhere or
 * Identity Center), from what the run already knows: the keys, their last use as the credential
 * report shows it (service, region), and the destinations the operator bound to the user. Generated,
 * never applied; `keyrotor advise` prints the documents.
 */
export function adviceFor(ctx: AccountContext, user: IamUser, keys: readonly KeyFacts[]): AdviceReport[] {
  if (!keys.some((k) => k.status === "Active")) return [];
  const advised = keys.map((key): AdvisedKey => {
    const reported = reportedKeyOf(ctx, user.userName, key);
    return {
      ...key,
      ...(key.lastUsedAt === undefined && reported ? { lastUsedAt: reported.lastUsedAt } : {}),
      ...(reported?.lastUsedService ? { lastUsedService: reported.lastUsedService } : {}),
      ...(reported?.lastUsedRegion ? { lastUsedRegion: reported.lastUsedRegion } : {}),
    };
  });
  const advice = adviseUser({
    accountId: ctx.run.accountId,
    userName: user.userName,
    partition: user.arn.split(":")[1] || "aws",
    keys: advised,
    destinations: boundDestinations(ctx, user.userName),
    deactivateUnusedAfterDays: ctx.settings.deactivateUnusedAfterDays,
    now: ctx.run.now,
  });
  return advice.items.map(({ kind, keys: on, summary, why }) => ({ kind, keys: on, summary, why }));
}
