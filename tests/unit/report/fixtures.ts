import type { AccountRecord, UserRecord } from "../../../shared/ledger/records";
import { addDays, type KeyStatus, type ReportedKey } from "../../../shared/lifecycle";
import type { AccountInputs, ReportSettings } from "../../../shared/report/facts";
import type { DirectoryEntry, ReportedUser } from "../../../shared/rotation/ports";

export const NOW = new Date("2026-06-01T06:00:00Z");

export const SETTINGS: ReportSettings = {
  rotateAfterDays: 90,
  deactivateAfterDays: 100,
  deleteAfterDays: 110,
  warnBeforeDays: 7,
  deactivateUnusedAfterDays: null,
  holdWhileInUse: false,
  exemptGroupName: "IAMKeyRotationExemptionGroup",
  exemptTag: "keyrotor:exempt",
  deliveries: [],
};

/** The instant `days` days before NOW. */
export const ago = (days: number) => addDays(NOW, -days);

/** A key exactly `age` days old at NOW, last used `usedDaysAgo` days before NOW (never when absent). */
export function reported(age: number, status: KeyStatus = "Active", usedDaysAgo?: number): ReportedKey {
  return { status, createdAt: ago(age), lastUsedAt: usedDaysAgo === undefined ? null : ago(usedDaysAgo) };
}

export interface UserSpec {
  readonly keys: readonly ReportedKey[];
  readonly groups?: readonly string[];
  readonly tags?: Record<string, string>;
  readonly record?: Omit<UserRecord, "userName">;
}

/**
 * One account's inputs from users by name: the credential report, the directory and the ledger (with
 * the account's own record, when given).
 */
export function inputs(
  users: Record<string, UserSpec>,
  accountId = "111122223333",
  account: AccountRecord | null = null,
): AccountInputs {
  const report: ReportedUser[] = [];
  const directory = new Map<string, DirectoryEntry>();
  const records = new Map<string, UserRecord>();
  for (const [userName, spec] of Object.entries(users)) {
    const arn = `arn:aws:iam::${accountId}:user/${userName}`;
    report.push({ userName, arn, keys: spec.keys });
    directory.set(userName, { arn, groups: spec.groups ?? [], tags: spec.tags ?? {} });
    if (spec.record) records.set(userName, { userName, ...spec.record });
  }
  return {
    accountId,
    name: `Account ${accountId}`,
    users: report,
    directory,
    ledger: { users: records, account },
  };
}
