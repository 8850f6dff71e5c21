import { ConfigError } from "../errors";
import { wildcardMatches } from "../wildcard";
import { DEFAULT_POLICY, POLICY_FIELDS, type PolicyBase, type ResolvedPolicy, scopedByUsers } from "./fields";
import type { Policy } from "./schema";

/** What applies to one user: a policy, or two or more user policies at once (the user is then blocked). */
export type UserPolicy =
  | { readonly kind: "policy"; readonly policy: ResolvedPolicy }
  | { readonly kind: "tie"; readonly names: readonly string[] };

/** One account's policies: its own (for the account's settings), and each user's. */
export interface AccountPolicies {
  readonly account: ResolvedPolicy;
  forUser(userName: string): UserPolicy;
}

const some = (list: readonly string[] | undefined): list is readonly string[] => (list?.length ?? 0) > 0;

/** Whether any policy needs the account's OUs: only then does keyrotor ask Organizations for them. */
export const needsOuChain = (policies: readonly Policy[]) => policies.some((p) => some(p.ous));

/** The default's settings with the policy's own over them: one level, never a chain of policies. */
function merged(base: PolicyBase, policy: Policy | undefined): ResolvedPolicy {
  const settings: Record<string, unknown> = {};
  for (const field of POLICY_FIELDS) {
    const own = policy?.[field];
    const value = own !== undefined ? own : base[field];
    if (value !== undefined) settings[field] = value;
  }
  return { ...(settings as unknown as PolicyBase), name: policy?.name ?? DEFAULT_POLICY };
}

/** The one policy of a rank that names `id`; validation refuses two, so two here is a bug, not a choice. */
function onlyOne(found: readonly Policy[], what: string): Policy | undefined {
  if (found.length > 1) {
    throw new ConfigError(`policies ${found.map((p) => p.name).join(", ")} all name ${what}`);
  }
  return found[0];
}

/**
 * The policies in force in one account, most specific first: a user policy (among those whose accounts
 * or OUs, when they name any, hold the account) > the account's policy > the policy of its nearest OU
 * > the default (the top-level settings). The winner's settings are laid over the default's, never over
 * another policy's. Nothing the account holds takes part: only its id and its OUs (`chain`, nearest
 * first, as Organizations answers keyrotor itself).
 * @param chain the account's OUs, nearest first; may be empty when no policy names an OU.
 */
export function accountPolicies(
  base: PolicyBase & { readonly policies?: readonly Policy[] },
  accountId: string,
  chain: readonly string[],
): AccountPolicies {
  const policies = base.policies ?? [];
  const ranked = policies.filter((p) => !scopedByUsers(p));
  const byAccount = onlyOne(
    ranked.filter((p) => p.accounts?.includes(accountId)),
    `account ${accountId}`,
  );
  let byOu: Policy | undefined;
  for (const ou of chain) {
    byOu = onlyOne(
      ranked.filter((p) => p.ous?.includes(ou)),
      `OU ${ou}`,
    );
    if (byOu) break;
  }
  const account = merged(base, byAccount ?? byOu);
  const within = (p: Policy) =>
    (!some(p.accounts) && !some(p.ous)) ||
    !!p.accounts?.includes(accountId) ||
    !!p.ous?.some((ou) => chain.includes(ou));
  const forUsers = policies.filter((p) => scopedByUsers(p) && within(p));
  return {
    account,
    forUser(userName) {
      const matching = forUsers.filter((p) => p.users?.some((pattern) => wildcardMatches(pattern, userName)));
      const [only] = matching;
      if (!only) return { kind: "policy", policy: account };
      if (matching.length === 1) return { kind: "policy", policy: merged(base, only) };
      return { kind: "tie", names: matching.map((p) => p.name).sort() };
    },
  };
}

/** The policies of an account when none is configured, or the caller has no OUs to give. */
export const defaultPolicies = (base: PolicyBase): AccountPolicies =>
  accountPolicies({ ...base, policies: [] }, "", []);
