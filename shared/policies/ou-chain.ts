/**
 * An account's OUs read once: the rotator's admission check and the account's policies ask for the
 * same chain, and Organizations is asked once per account (one ListParents per level). Made per job,
 * so an OU moved since is seen by the next run.
 */
export function ouChainOnce(
  ancestorsOf: (accountId: string) => Promise<string[]>,
): (accountId: string) => Promise<string[]> {
  const chains = new Map<string, Promise<string[]>>();
  return (accountId) => {
    let chain = chains.get(accountId);
    if (!chain) {
      chain = ancestorsOf(accountId);
      // A failed read is not kept: the next ask (a retry) reads again.
      chain.catch(() => chains.delete(accountId));
      chains.set(accountId, chain);
    }
    return chain;
  };
}

/**
 * Each account's chain of the OUs given, nearest first, from the accounts under each OU with their
 * depth under it. OUs form a tree, so the OUs holding one account are each other's ancestors and the
 * one it is least deep under is the nearest: the chain `accountPolicies` takes, restricted to the OUs
 * that matter to it (those a policy names), which resolves exactly as the whole chain would.
 */
export function accountChains(
  depthsByOu: ReadonlyMap<string, ReadonlyMap<string, number>>,
): (accountId: string) => string[] {
  return (accountId) =>
    [...depthsByOu]
      .flatMap(([ou, depths]) => {
        const depth = depths.get(accountId);
        return depth === undefined ? [] : [{ ou, depth }];
      })
      .sort((a, b) => a.depth - b.depth)
      .map(({ ou }) => ou);
}
