import { describeError } from "../../errors";
import type { UserFacts } from "../../lifecycle";
import type { IamUser } from "../ports";
import type { AccountContext } from "../settings";

/**
 * `superseded` → `deactivated`: `UpdateAccessKey` to Inactive, then the ledger remembers that keyrotor
 * did it (one write), so a later run can tell the key was re-activated by a person. Only keys the user
 * still has are kept in that record. A failure to record is logged, not fatal: the key is deactivated
 * either way.
 */
export async function deactivate(
  ctx: AccountContext,
  user: IamUser,
  facts: UserFacts,
  keyId: string,
): Promise<void> {
  await ctx.ports.iam.deactivateAccessKey(user.userName, keyId);
  const record = ctx.ledger.users.get(user.userName);
  const kept = Object.entries(record?.retired ?? {}).filter(([id]) => facts.keys.some((k) => k.id === id));
  try {
    await ctx.ports.ledger.setRetired(ctx.run.accountId, user.userName, {
      ...Object.fromEntries(kept),
      [keyId]: ctx.run.now.toISOString(),
    });
  } catch (error) {
    ctx.ports.log.warn("deactivation not recorded", {
      userName: user.userName,
      keyId,
      error: describeError(error),
    });
  }
}
