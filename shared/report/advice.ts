import { adviseUser } from "../advice/advise";
import type { Advice } from "../advice/types";
import type { Config } from "../config";
import type { Binding } from "../destinations/schema";
import { destinationsOf } from "../destinations/validate";
import type { ReportedUser } from "../rotation/ports";

/** What the advice needs of the settings: the bound destinations and the unused-key period. */
export type AdviceSettings = Pick<Config, "deliveries" | "deactivateUnusedAfterDays">;

/** Each deliveries setting's bindings by account, built once: a CI binding names one account. */
const indexes = new WeakMap<readonly Binding[], BindingIndex>();

interface BindingIndex {
  readonly byAccount: ReadonlyMap<string, readonly Binding[]>;
  /** The bindings of every account (`account: "*"`), for an account no binding names. */
  readonly anyAccount: readonly Binding[];
}

/**
 * The bindings that may apply to the account's users, in their order: those naming it and those for
 * any account. Without the index each user would try every binding, and an organization with a
 * binding for each of its CI users would cost users × bindings.
 */
function bindingsOf(deliveries: readonly Binding[], accountId: string): readonly Binding[] {
  let index = indexes.get(deliveries);
  if (index === undefined) {
    const byAccount = new Map<string, Binding[]>();
    for (const b of deliveries) if (b.account !== "*") byAccount.set(b.account, []);
    for (const b of deliveries) {
      if (b.account !== "*") byAccount.get(b.account)?.push(b);
      else for (const list of byAccount.values()) list.push(b);
    }
    index = { byAccount, anyAccount: deliveries.filter((b) => b.account === "*") };
    indexes.set(deliveries, index);
  }
  return index.byAccount.get(accountId) ?? index.anyAccount;
}

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
    destinations: destinationsOf(bindingsOf(settings.deliveries, accountId), accountId, user.userName),
    deactivateUnusedAfterDays: settings.deactivateUnusedAfterDays,
    now,
  });
}
