import type { DeliveryReport } from "./report";
import type { AccountContext } from "./settings";
import { announce } from "./steps/announce";
import { createKey } from "./steps/create-key";
import { deliver } from "./steps/deliver";
import { escrowKey } from "./steps/escrow-key";
import { houseKey } from "./steps/house-key";
import type { RotationStart } from "./steps/rotation";
import { storeKey } from "./steps/store-key";
import { verifyKey } from "./steps/verify-key";

/**
 * Rotates one key, in the order that never loses one. Each step is one module in `steps/`, with its
 * calls and at most one ledger write; a step that cannot go on says why (a named error) after undoing
 * what must not stay, and the steps after it do not run.
 */
export async function rotateKey(
  ctx: AccountContext,
  start: RotationStart,
): Promise<{ keyId: string; secretArn: string; deliveries: DeliveryReport[] }> {
  const announced = await announce(ctx, start); // ledger: intent
  const housed = await houseKey(ctx, announced); // CreateSecret, PutResourcePolicy (first rotation only)
  const created = await createKey(ctx, housed); // CreateAccessKey
  const verified = await verifyKey(ctx, created); // GetCallerIdentity with the new key
  const escrowed = await escrowKey(ctx, verified); // KMS Encrypt + ledger, with destinations only
  const stored = await storeKey(ctx, escrowed); // PutSecretValue + ledger: outcome
  const deliveries = await deliver(ctx, stored); // destinations + ledger, with destinations only
  return { keyId: stored.key.id, secretArn: stored.secret.arn, deliveries };
}
