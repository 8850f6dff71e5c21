import type { UserRecord } from "../ledger/records";
import { type KeyFacts, type UserFacts, unrecordedKeys } from "../lifecycle";
import type { IamUser, SecretMeta } from "./ports";
import { type SecretStanding, type SecretView, secretView, standingOf } from "./secret-standing";
import type { AccountContext } from "./settings";

export interface UserState {
  readonly facts: UserFacts;
  readonly tags: Record<string, string>;
  readonly standing: SecretStanding;
  readonly view: SecretView;
}

/**
 * Reads one user's keys and tags and judges its secret against the ledger. Last-used data is fetched
 * only where a decision needs it: unrecorded keys and, with the unused-key rule on, Active keys.
 */
export async function readUserState(
  ctx: AccountContext,
  user: IamUser,
  meta: SecretMeta | undefined,
  record: UserRecord | undefined,
): Promise<UserState> {
  const { iam } = ctx.ports;
  const keys = await iam.listAccessKeys(user.userName);
  // Tags matter only to users with keys; skipping the rest saves a call per key-less user.
  const tags = keys.length > 0 ? await iam.listUserTags(user.userName) : {};
  const exempt = ctx.exemptMembers.has(user.userName)
    ? "group"
    : tags[ctx.settings.exemptTag]?.trim().toLowerCase() === "true"
      ? "tag"
      : null;
  const standing = standingOf(meta, record);
  const view = secretView(standing, record, keys);
  const facts: UserFacts = { userName: user.userName, keys, exempt, secret: view.mark };
  const needsUse =
    exempt !== null
      ? []
      : ctx.settings.deactivateUnusedAfterDays != null
        ? [...new Set([...keys.filter((k) => k.status === "Active"), ...unrecordedKeys(facts)])]
        : unrecordedKeys(facts);
  if (needsUse.length === 0) return { facts, tags, standing, view };
  const lastUsed = new Map<string, Date | null>();
  for (const key of needsUse) lastUsed.set(key.id, await iam.getAccessKeyLastUsed(key.id));
  const withUse = keys.map(
    (k): KeyFacts => (lastUsed.has(k.id) ? { ...k, lastUsedAt: lastUsed.get(k.id) } : k),
  );
  return { facts: { ...facts, keys: withUse }, tags, standing, view };
}
