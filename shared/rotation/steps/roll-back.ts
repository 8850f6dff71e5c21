import { describeError, KeyVerificationError, SecretWriteError } from "../../errors";
import type { DeliveryRecord, SecretRecord } from "../../ledger/records";
import type { AccountContext } from "../settings";

/** Where a key failed that never reached its secret. */
export const BEFORE_STORED = "before it was stored";

/**
 * Deletes a new key that cannot be kept: its secret could not be written, or (`stage`) it failed
 * verification or could not be escrowed for delivery before it was stored. The secret stays, recorded.
 */
export async function rollBack(
  ctx: AccountContext,
  userName: string,
  name: string,
  keyId: string,
  unrecorded: SecretRecord | undefined,
  failure: unknown,
  stage?: string,
): Promise<never> {
  const what = stage
    ? `the new key ${keyId} could not be kept (${describeError(failure).message}) ${stage}`
    : `secret ${name} could not be written (${describeError(failure).message})`;
  const Named = failure instanceof KeyVerificationError ? KeyVerificationError : SecretWriteError;
  try {
    await ctx.ports.iam.deleteAccessKey(userName, keyId);
  } catch (rollbackError) {
    throw new Named(
      `${what} and the new key ${keyId} could not be deleted (${describeError(rollbackError).message}): ` +
        "it stays unrecorded, never replaces the working key, and the next run removes it",
      { cause: new AggregateError([failure, rollbackError]) },
    );
  }
  await clearPending(ctx, userName, unrecorded);
  throw new Named(`${what}; the new key ${keyId} was deleted again`, { cause: failure });
}

/**
 * Puts back the delivery record a rotation replaced, once its key is gone or unrecorded (its escrow
 * holds nothing anyone needs). A failure leaves the new record, which holds nothing back: its key is
 * not the recorded one.
 */
export async function restoreDelivery(
  ctx: AccountContext,
  userName: string,
  previous: DeliveryRecord | undefined,
): Promise<void> {
  try {
    await ctx.ports.ledger.setDelivery(ctx.run.accountId, userName, previous ?? null);
  } catch (error) {
    ctx.ports.log.warn("delivery record not restored", { userName, error: describeError(error) });
  }
}

/**
 * Clears the user's pending creation in the ledger, recording in the same write the secret it vouched
 * for (`unrecorded`); a failure only leaves it for the next run.
 */
export async function clearPending(
  ctx: AccountContext,
  userName: string,
  unrecorded?: SecretRecord,
): Promise<void> {
  try {
    await ctx.ports.ledger.clearPending(ctx.run.accountId, userName, unrecorded);
  } catch (error) {
    ctx.ports.log.warn("pending creation not cleared", { userName, error: describeError(error) });
  }
}
