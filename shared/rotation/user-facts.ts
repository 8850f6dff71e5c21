import type { UserRecord } from "../ledger/records";
import { withVerifications } from "../ledger/verifications";
import { type KeyFacts, type SecretMark, type UserFacts, unrecordedKeys } from "../lifecycle";
import { currentIncident, exposureOf } from "./incident";
import type { IamUser, KeyLastUse } from "./ports";
import type { AccountContext } from "./settings";

/** The user's keys and tags, with the secret as the ledger last knew it (not yet checked). */
export interface UserKeys {
  readonly facts: UserFacts;
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * What the ledger alone says of the user's secret, before the secret itself is read: the recorded
 * key (if it still exists) and any creation in flight. `null` when keyrotor never managed the user.
 */
export function ledgerMark(record: UserRecord | undefined, keys: readonly KeyFacts[]): SecretMark | null {
  if (!record?.secret && !record?.recorded && !record?.pending) return null;
  const recorded = record.recorded?.keyId;
  return {
    recordedKeyId: recorded && keys.some((k) => k.id === recorded) ? recorded : null,
    pendingSince: record.pending ? new Date(record.pending.since) : null,
  };
}

/** Why the user is exempt (its exemption group or tag, from the directory), or `null`. */
export function exemptionOf(
  ctx: Pick<AccountContext, "directory"> & {
    readonly settings: Pick<AccountContext["settings"], "exemptGroupName" | "exemptTag">;
  },
  user: Pick<IamUser, "userName">,
): "group" | "tag" | null {
  const entry = ctx.directory.get(user.userName);
  if (entry?.groups.includes(ctx.settings.exemptGroupName)) return "group";
  return entry?.tags[ctx.settings.exemptTag]?.trim().toLowerCase() === "true" ? "tag" : null;
}

/**
 * Reads one user's keys (one call); its groups and tags come from the account's directory. Last-used
 * data (when, with what, where) is fetched only where a decision needs it: unrecorded keys and, with
 * the unused-key rule on, Active keys. Each key keyrotor verified carries that verification from the
 * ledger, so the rules can tell keyrotor's own call from a consumer's.
 */
export async function readUserKeys(
  ctx: AccountContext,
  user: IamUser,
  record: UserRecord | undefined,
): Promise<UserKeys> {
  const { iam } = ctx.ports;
  const keys = withVerifications(await iam.listAccessKeys(user.userName), record);
  const tags = ctx.directory.get(user.userName)?.tags ?? {};
  const exempt = exemptionOf(ctx, user);
  const incident = currentIncident(record);
  const facts: UserFacts = {
    userName: user.userName,
    keys,
    exempt,
    secret: ledgerMark(record, keys),
    ...(incident ? { exposed: exposureOf(incident) } : {}),
  };
  const needsUse =
    exempt !== null
      ? []
      : ctx.settings.deactivateUnusedAfterDays != null
        ? [...new Set([...keys.filter((k) => k.status === "Active"), ...unrecordedKeys(facts)])]
        : unrecordedKeys(facts);
  if (needsUse.length === 0) return { facts, tags };
  const lastUsed = new Map<string, KeyLastUse>();
  for (const key of needsUse) lastUsed.set(key.id, await iam.getAccessKeyLastUse(key.id));
  const withUse = keys.map((k): KeyFacts => ({ ...k, ...lastUsed.get(k.id) }));
  return { facts: { ...facts, keys: withUse }, tags };
}
