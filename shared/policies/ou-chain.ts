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
