import { describeError } from "../../errors";
import type { SecretRecord } from "../../ledger/records";
import type { AccountContext } from "../settings";
import { clearPending } from "./roll-back";
import type { Created, Housed } from "./rotation";

/**
 * Step 3 (state `created`): `CreateAccessKey`. When IAM refuses, a timed-out call may still have made
 * a key, which the pending creation lets the next run find and remove; only when IAM shows no key made
 * since is the announcement cleared.
 */
export async function createKey(ctx: AccountContext, housed: Housed): Promise<Created> {
  const { userName } = housed.user;
  try {
    return { ...housed, key: await ctx.ports.iam.createAccessKey(userName) };
  } catch (error) {
    await clearPendingUnlessKeyAppeared(ctx, userName, housed.unrecorded);
    throw error;
  }
}

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
