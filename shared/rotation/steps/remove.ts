import type { IamUser } from "../ports";
import type { AccountContext } from "../settings";

/**
 * `deactivated` → `deleted`: `DeleteAccessKey`, no ledger write (the key's absence is the record). The
 * plan only gets here for a key that cannot authenticate, or for keyrotor's own unrecorded key.
 */
export async function remove(ctx: AccountContext, user: IamUser, keyId: string): Promise<void> {
  await ctx.ports.iam.deleteAccessKey(user.userName, keyId);
}
