import type { Config } from "../config";

export interface AccountInfo {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly state: string;
}

export type Scope = Pick<Config, "includeAccounts" | "excludeAccounts" | "includeOus" | "excludeOus">;

export interface Selection<A extends AccountInfo> {
  readonly selected: A[];
  readonly skipped: { account: A; reason: string }[];
}

/**
 * Which accounts a run covers: ACTIVE ones only; when any include list is set, only
 * accounts named there or under an included OU; never an account excluded by id or by OU
 * (exclusions win). `ouMembers` maps each configured OU to the accounts beneath it, nested OUs included.
 */
export function selectAccounts<A extends AccountInfo>(
  accounts: readonly A[],
  ouMembers: ReadonlyMap<string, ReadonlySet<string>>,
  scope: Scope,
): Selection<A> {
  const under = (ous: readonly string[], id: string) => ous.find((ou) => ouMembers.get(ou)?.has(id));
  const restricted = scope.includeAccounts.length > 0 || scope.includeOus.length > 0;
  const selected: A[] = [];
  const skipped: Selection<A>["skipped"] = [];
  for (const account of accounts) {
    const excludedOu = under(scope.excludeOus, account.id);
    const reason =
      account.state !== "ACTIVE"
        ? `not active (${account.state})`
        : scope.excludeAccounts.includes(account.id)
          ? "excluded by account id"
          : excludedOu
            ? `excluded by OU ${excludedOu}`
            : restricted &&
                !scope.includeAccounts.includes(account.id) &&
                !under(scope.includeOus, account.id)
              ? "not in an included account or OU"
              : null;
    if (reason) skipped.push({ account, reason });
    else selected.push(account);
  }
  return { selected, skipped };
}
