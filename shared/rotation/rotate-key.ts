import { describeError, KeyVerificationError, SecretWriteError } from "../errors";
import { type DeliveryRecord, HISTORY_LENGTH, type SecretRecord } from "../ledger/records";
import type { Verification } from "../lifecycle";
import { Redacted } from "../redacted";
import { deliverOutstanding, startDelivery } from "./deliver-key";
import type { IamUser, NewAccessKey, SecretMeta } from "./ports";
import type { DeliveryReport } from "./report";
import { encodeUserName, requestTokenFor, SECRET_TAGS, secretNameFor } from "./secret-name";
import { type SecretStanding, unrecordedSecret } from "./secret-standing";
import { secretRecordOf } from "./secret-upkeep";
import type { AccountContext } from "./settings";

/** A secret appeared at the user's name between the look and the write: keyrotor does not write into it. */
export class SecretConflictError extends Error {
  override readonly name = "SecretConflictError";
}

/**
 * Rotates one key, in the order that never loses one: the ledger announces the creation (its intent,
 * one write); the secret exists (created, with its policy) before the key does; the key is created; its
 * value is written under a version derived from the key id; the ledger records the key and the secret
 * created for it (its outcome, one write). A secret created after the announcement is keyrotor's own
 * until that outcome is recorded. If the value cannot be written the key is deleted again; if even that
 * fails it stays announced and unrecorded, never replaces the working key, and the next run deletes it
 * (unused) or holds the user (used).
 */
export async function rotateKey(
  ctx: AccountContext,
  user: IamUser,
  standing: SecretStanding,
  policy: string,
  dueOn: Date,
): Promise<{ keyId: string; secretArn: string; deliveries: DeliveryReport[] }> {
  const { iam, secrets, ledger } = ctx.ports;
  const { settings, run } = ctx;
  const name = secretNameFor(settings.secretPrefix, user.userName);
  await ledger.markPending(run.accountId, user.userName, { since: run.now.toISOString(), runId: run.runId });

  const own =
    standing.kind === "ours"
      ? { meta: standing.meta, record: unrecordedSecret(standing, ctx.ledger.users.get(user.userName)) }
      : await createOwnSecret(ctx, user, name, policy);
  const secret = own.meta;
  // The secret's record when the ledger does not hold it yet: it goes with the outcome write.
  const unrecorded = own.record;

  let key: NewAccessKey;
  try {
    key = await iam.createAccessKey(user.userName);
  } catch (error) {
    await clearPendingUnlessKeyAppeared(ctx, user.userName, unrecorded);
    throw error;
  }
  const previous = ctx.ledger.users.get(user.userName)?.delivery;
  let delivery: DeliveryRecord | undefined;
  let verified: Verification | undefined;
  try {
    verified = await verifyKey(ctx, key, user);
    delivery = await startDelivery(ctx, user.userName, key.id, key.secretAccessKey);
    // Recorded before the value is written: if the key's own recording fails later, the next run
    // records the key from the secret and still finds its delivery (and the escrow) here.
    if (delivery) await ledger.setDelivery(run.accountId, user.userName, delivery);
  } catch (error) {
    return rollBack(ctx, user.userName, name, key.id, unrecorded, error, "before it was stored");
  }
  const value = new Redacted(
    JSON.stringify({
      AccessKeyId: key.id,
      SecretAccessKey: key.secretAccessKey.reveal(),
      UserName: user.userName,
      CreateDate: key.createdAt.toISOString(),
    }),
  );
  const token = requestTokenFor(key.id);
  const versionId = await secrets.putSecretValue(name, value, token).catch(async (writeError: unknown) => {
    try {
      return await settleFailedWrite(ctx, user.userName, name, key.id, unrecorded, token, writeError);
    } catch (failure) {
      if (delivery) await restoreDelivery(ctx, user.userName, previous);
      throw failure;
    }
  });
  const before = ctx.ledger.users.get(user.userName);
  const history = [...(before?.history ?? []), ...(before?.recorded ? [before.recorded] : [])];
  await ledger.recordKey(
    run.accountId,
    user.userName,
    {
      keyId: key.id,
      versionId,
      at: run.now.toISOString(),
      dueOn: dueOn.toISOString(),
      ...(verified ? { verified: { at: verified.at.toISOString(), region: verified.region } } : {}),
    },
    history.slice(-HISTORY_LENGTH),
    unrecorded,
  );
  const deliveries = delivery ? await deliverOutstanding(ctx, user, delivery, key.secretAccessKey) : [];
  return { keyId: key.id, secretArn: secret.arn, deliveries };
}

/**
 * Puts back the delivery record a rotation replaced, once its key is gone or unrecorded (its escrow
 * holds nothing anyone needs). A failure leaves the new record, which holds nothing back: its key is
 * not the recorded one.
 */
async function restoreDelivery(ctx: AccountContext, userName: string, previous: DeliveryRecord | undefined) {
  try {
    await ctx.ports.ledger.setDelivery(ctx.run.accountId, userName, previous ?? null);
  } catch (error) {
    ctx.ports.log.warn("delivery record not restored", { userName, error: describeError(error) });
  }
}

/**
 * Proves the new key signs in as its user (`verifyNewKeys`): a key that does not work is never stored.
 * The Lambda and the CLI always wire a verifier; a composition without key ports (the in-memory
 * tests of the lifecycle) has nothing to verify with. Says when and where, for the key's record: no
 * rule may count that call as the key's use. `undefined`: not verified, so nothing to discount.
 */
async function verifyKey(
  ctx: AccountContext,
  key: NewAccessKey,
  user: IamUser,
): Promise<Verification | undefined> {
  const verifier = ctx.ports.keys?.verifier;
  return ctx.settings.verifyNewKeys && verifier ? verifier.verify(key, user.arn) : undefined;
}

/**
 * Creates the user's secret and puts its policy; says what the ledger is to record of it with the
 * rotation's outcome (until then the announced creation vouches for it).
 */
async function createOwnSecret(
  ctx: AccountContext,
  user: IamUser,
  name: string,
  policy: string,
): Promise<{ meta: SecretMeta; record: SecretRecord }> {
  const { secrets } = ctx.ports;
  const created = await secrets.createSecret({
    name,
    description: `Current access key of IAM user ${user.userName}, rotated by keyrotor`,
    tags: { [SECRET_TAGS.user]: encodeUserName(user.userName) },
    replicaRegions: ctx.settings.replicaRegions,
  });
  if (created === null) {
    // Nothing was created: the announcement must not later vouch for whoever made that secret.
    await clearPending(ctx, user.userName);
    throw new SecretConflictError(
      `secret ${name} appeared while keyrotor was rotating ${user.userName}; it is not keyrotor's and ` +
        "nothing was written to it",
    );
  }
  await secrets.putResourcePolicy(name, policy);
  return { meta: created, record: secretRecordOf(created, policy, false, ctx.run.now) };
}

/**
 * A failed write may have been applied with only its answer lost: the secret's metadata tells (its
 * current version is the key's). Applied: the key is recorded, not deleted. Not applied: the key is
 * rolled back. Cannot tell: the key stays announced and the next run, which reads the secret, settles it.
 */
async function settleFailedWrite(
  ctx: AccountContext,
  userName: string,
  name: string,
  keyId: string,
  unrecorded: SecretRecord | undefined,
  token: string,
  writeError: unknown,
): Promise<string> {
  let current: string | null | undefined;
  try {
    current = (await ctx.ports.secrets.describeSecret(name))?.currentVersionId;
  } catch (readError) {
    throw new SecretWriteError(
      `secret ${name} could not be written (${describeError(writeError).message}) nor read back ` +
        `(${describeError(readError).message}): the new key ${keyId} stays announced, never replaces the ` +
        "working key, and the next run records it or removes it",
      { cause: new AggregateError([writeError, readError]) },
    );
  }
  if (current === token) {
    ctx.ports.log.warn("secret write applied though its answer was lost", { secretName: name, keyId });
    return token;
  }
  return rollBack(ctx, userName, name, keyId, unrecorded, writeError);
}

/**
 * Deletes a new key that cannot be kept: its secret could not be written, or (`stage`) it failed
 * verification or could not be escrowed for delivery before it was stored. The secret stays, recorded.
 */
async function rollBack(
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
 * After a failed CreateAccessKey: a timed-out call may still have made a key, which the pending
 * creation lets the next run find and remove. Only when IAM shows no key made since is it cleared.
 */
async function clearPendingUnlessKeyAppeared(
  ctx: AccountContext,
  userName: string,
  unrecorded: SecretRecord | undefined,
): Promise<void> {
  try {
    const keys = await ctx.ports.iam.listAccessKeys(userName);
    if (keys.every((k) => k.createdAt.getTime() < ctx.run.now.getTime()))
      await clearPending(ctx, userName, unrecorded);
  } catch (error) {
    ctx.ports.log.warn("pending creation kept: keys could not be listed", {
      userName,
      error: describeError(error),
    });
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
