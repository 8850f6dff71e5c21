import { mapWithConcurrency } from "../concurrency";
import { describeError } from "../errors";
import { ageInDays } from "../lifecycle";
import type { Log } from "../log";
import type { ReportedUser } from "../rotation/ports";
import { IAM3_DAYS } from "./needs-person";
import type { ReportIam } from "./read-iam";
import type { FailingKey, ListedKey, OrgReport } from "./types";

/**
 * Users of one account whose key ids are listed at most: beyond them the keys are still named by user
 * and age, without an id, so an account full of old keys costs the report a bounded number of calls.
 */
export const IAM3_LISTED_USERS = 100;
/** Users listed at once: the calls all go to the one account's IAM. */
const LISTING_CONCURRENCY = 4;

const failing = (user: ReportedUser, now: Date) =>
  user.keys.some((k) => k.status === "Active" && ageInDays(k.createdAt, now) >= IAM3_DAYS);

/**
 * The key ids of the users with an Active key that fails IAM.3, one `ListAccessKeys` each (the credential
 * report has no key ids), for at most `IAM3_LISTED_USERS` of them. A listing that fails leaves that
 * user's keys without ids and is logged: the rest of the report does not depend on it.
 */
export async function listFailingKeyIds(
  iam: Pick<ReportIam, "listAccessKeys">,
  users: readonly ReportedUser[],
  now: Date,
  log: Log,
  accountId: string,
): Promise<Map<string, readonly ListedKey[]>> {
  const listed = users.filter((u) => failing(u, now)).slice(0, IAM3_LISTED_USERS);
  const found = await mapWithConcurrency(
    listed,
    LISTING_CONCURRENCY,
    async (user): Promise<[string, readonly ListedKey[]]> => {
      try {
        return [user.userName, await iam.listAccessKeys(user.userName)];
      } catch (error) {
        log.warn("key ids unread", { accountId, error: describeError(error) });
        return [user.userName, []];
      }
    },
  );
  return new Map(found);
}

const second = (d: Date) => Math.floor(d.getTime() / 1000);

/**
 * Every Active key of the account `IAM3_DAYS` days old or more, as Security Hub's IAM.3 fails it whatever
 * keyrotor's thresholds: its user, its id when `keyIds` lists a key created in the same second (`null`
 * otherwise), its age and last use. Each listed id names one key: a user's two keys created in the same
 * second get one id each (which gets which cannot matter, they are the same age).
 */
export function failingIam3Of(
  accountId: string,
  users: readonly ReportedUser[],
  keyIds: ReadonlyMap<string, readonly ListedKey[]>,
  now: Date,
): FailingKey[] {
  const keys: FailingKey[] = [];
  for (const user of users) {
    const unnamed = [...(keyIds.get(user.userName) ?? [])];
    for (const key of user.keys) {
      const ageDays = ageInDays(key.createdAt, now);
      if (key.status !== "Active" || ageDays < IAM3_DAYS) continue;
      const at = unnamed.findIndex((k) => second(k.createdAt) === second(key.createdAt));
      const id = at < 0 ? undefined : unnamed.splice(at, 1)[0]?.id;
      keys.push({
        accountId,
        userName: user.userName,
        keyId: id ?? null,
        ageDays,
        lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
      });
    }
  }
  return keys;
}

/** The oldest first, then by account and user. */
export function byAgeDescending(a: FailingKey, b: FailingKey): number {
  return (
    b.ageDays - a.ageDays || a.accountId.localeCompare(b.accountId) || a.userName.localeCompare(b.userName)
  );
}

/**
 * Whether some policy asks for rotation at another age than IAM.3's 90 days (the top-level settings, an
 * account's policy, or a user's, which shows as a difference in the counts): then keyrotor's own target
 * and IAM.3 are two figures, and the report shows both.
 */
export function policiesDifferFromIam3(
  report: Pick<OrgReport, "thresholds" | "totals" | "accounts">,
): boolean {
  return (
    report.thresholds.rotateAfterDays !== IAM3_DAYS ||
    report.totals.rotationCompliant !== report.totals.iam3Compliant ||
    report.accounts.some((a) => a.policy !== undefined && a.policy.rotateAfterDays !== IAM3_DAYS)
  );
}
