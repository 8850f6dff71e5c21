import { deliverOutstanding } from "../deliver-key";
import type { DeliveryReport } from "../report";
import type { AccountContext } from "../settings";
import type { Stored } from "./rotation";

/**
 * Step 7 (state `delivered` once every bound destination confirmed): the new key goes to each
 * destination, and the confirmations and failures are recorded in one write. A destination that fails
 * holds the superseded key Active; a later run delivers again from the escrow.
 */
export async function deliver(ctx: AccountContext, stored: Stored): Promise<DeliveryReport[]> {
  if (!stored.delivery) return [];
  return deliverOutstanding(ctx, stored.user, stored.delivery, stored.key.secretAccessKey);
}
