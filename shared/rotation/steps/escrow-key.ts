import { startDelivery } from "../deliver-key";
import type { AccountContext } from "../settings";
import { BEFORE_STORED, rollBack } from "./roll-back";
import type { Escrowed, Verified } from "./rotation";

/**
 * Step 5, only for a user bound to destinations: the key's secret is escrowed under the delivery KMS
 * key (`Encrypt`) and its delivery recorded (one write) before the value is stored, so that if the
 * key's own recording fails later, the next run records the key from the secret and still finds its
 * delivery here. A key that cannot be escrowed is deleted again, like one that failed verification.
 */
export async function escrowKey(ctx: AccountContext, verified: Verified): Promise<Escrowed> {
  const { user, key } = verified;
  const previous = ctx.ledger.users.get(user.userName)?.delivery;
  try {
    const delivery = await startDelivery(ctx, user.userName, key.id, key.secretAccessKey);
    if (delivery) await ctx.ports.ledger.setDelivery(ctx.run.accountId, user.userName, delivery);
    return { ...verified, delivery, previous };
  } catch (error) {
    return rollBack(ctx, user.userName, verified.name, key.id, verified.unrecorded, error, BEFORE_STORED);
  }
}
