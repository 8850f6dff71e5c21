import type { AccountContext } from "../settings";
import { BEFORE_STORED, rollBack } from "./roll-back";
import type { Created, Verified } from "./rotation";

/**
 * Step 4 (state `verified`): the new key signs in as its user (STS `GetCallerIdentity` with the key
 * itself, `verifyNewKeys`): a key that does not work is never stored, it is deleted again. The Lambda
 * and the CLI always wire a verifier; a composition without key ports (the in-memory tests of the
 * lifecycle) has nothing to verify with. When and where STS answered goes into the key's record, so no
 * rule counts that call as the key's use. No ledger write of its own.
 */
export async function verifyKey(ctx: AccountContext, created: Created): Promise<Verified> {
  const verifier = ctx.ports.keys?.verifier;
  if (!ctx.settings.verifyNewKeys || !verifier) return { ...created, verified: undefined };
  try {
    return { ...created, verified: await verifier.verify(created.key, created.user.arn) };
  } catch (error) {
    return rollBack(
      ctx,
      created.user.userName,
      created.name,
      created.key.id,
      created.unrecorded,
      error,
      BEFORE_STORED,
    );
  }
}
