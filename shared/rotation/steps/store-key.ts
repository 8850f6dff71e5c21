import { describeError, SecretWriteError } from "../../errors";
import { HISTORY_LENGTH } from "../../ledger/records";
import { Redacted } from "../../redacted";
import { requestTokenFor } from "../secret-name";
import type { AccountContext } from "../settings";
import { restoreDelivery, rollBack } from "./roll-back";
import type { Escrowed, Stored } from "./rotation";

/**
 * Step 6 (state `stored`): `PutSecretValue` under a version derived from the key id, then the ledger
 * records the key, its verification and, when the ledger does not hold it yet, the secret created for
 * it: the rotation's outcome, one write. If the value cannot be written the key is deleted again; if
 * even that fails it stays announced and unrecorded, never replaces the working key, and the next run
 * deletes it (unused) or holds the user (used).
 */
export async function storeKey(ctx: AccountContext, escrowed: Escrowed): Promise<Stored> {
  const { user, key, name, unrecorded } = escrowed;
  const { run } = ctx;
  const value = new Redacted(
    JSON.stringify({
      AccessKeyId: key.id,
      SecretAccessKey: key.secretAccessKey.reveal(),
      UserName: user.userName,
      CreateDate: key.createdAt.toISOString(),
    }),
  );
  const token = requestTokenFor(key.id);
  const versionId = await ctx.ports.secrets
    .putSecretValue(name, value, token)
    .catch(async (writeError: unknown) => {
      try {
        return await settleFailedWrite(ctx, escrowed, token, writeError);
      } catch (failure) {
        if (escrowed.delivery) await restoreDelivery(ctx, user.userName, escrowed.previous);
        throw failure;
      }
    });
  const before = ctx.ledger.users.get(user.userName);
  const history = [...(before?.history ?? []), ...(before?.recorded ? [before.recorded] : [])];
  const { verified } = escrowed;
  await ctx.ports.ledger.recordKey(
    run.accountId,
    user.userName,
    {
      keyId: key.id,
      versionId,
      at: run.now.toISOString(),
      dueOn: escrowed.dueOn.toISOString(),
      ...(verified ? { verified: { at: verified.at.toISOString(), region: verified.region } } : {}),
    },
    history.slice(-HISTORY_LENGTH),
    unrecorded,
  );
  return { ...escrowed, versionId };
}

/**
 * A failed write may have been applied with only its answer lost: the secret's metadata tells (its
 * current version is the key's). Applied: the key is recorded, not deleted. Not applied: the key is
 * rolled back. Cannot tell: the key stays announced and the next run, which reads the secret, settles it.
 */
async function settleFailedWrite(
  ctx: AccountContext,
  { user, name, key, unrecorded }: Escrowed,
  token: string,
  writeError: unknown,
): Promise<string> {
  let current: string | null | undefined;
  try {
    current = (await ctx.ports.secrets.describeSecret(name))?.currentVersionId;
  } catch (readError) {
    throw new SecretWriteError(
      `secret ${name} could not be written (${describeError(writeError).message}) nor read back ` +
        `(${describeError(readError).message}): the new key ${key.id} stays announced, never replaces the ` +
        "working key, and the next run records it or removes it",
      { cause: new AggregateError([writeError, readError]) },
    );
  }
  if (current === token) {
    ctx.ports.log.warn("secret write applied though its answer was lost", {
      secretName: name,
      keyId: key.id,
    });
    return token;
  }
  return rollBack(ctx, user.userName, name, key.id, unrecorded, writeError);
}
