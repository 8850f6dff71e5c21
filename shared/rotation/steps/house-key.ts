import { encodeUserName, SECRET_TAGS } from "../secret-name";
import { unrecordedSecret } from "../secret-standing";
import { secretRecordOf } from "../secret-upkeep";
import type { AccountContext } from "../settings";
import { clearPending } from "./roll-back";
import type { Housed, RotationStart } from "./rotation";

/** A secret appeared at the user's name between the look and the write: keyrotor does not write into it. */
export class SecretConflictError extends Error {
  override readonly name = "SecretConflictError";
}

/**
 * Step 2: the secret exists, with its policy, before the key does. keyrotor's own live secret is used
 * as it stands (no call); otherwise `CreateSecret` and `PutResourcePolicy`, and what the ledger is to
 * record of the new secret rides on the rotation's outcome write (the announcement vouches for it
 * until then). No ledger write of its own.
 */
export async function houseKey(ctx: AccountContext, start: RotationStart): Promise<Housed> {
  const { user, name, standing, policy } = start;
  if (standing.kind === "ours") {
    const unrecorded = unrecordedSecret(standing, ctx.ledger.users.get(user.userName));
    return { ...start, secret: standing.meta, unrecorded };
  }
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
  return { ...start, secret: created, unrecorded: secretRecordOf(created, policy, false, ctx.run.now) };
}
