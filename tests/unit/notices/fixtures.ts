import type { RotationJob } from "../../../shared/messages";
import type { AccountReport, UserReport } from "../../../shared/rotation";

export const JOB: RotationJob = {
  version: 1,
  runId: "run-42",
  asOf: "2026-06-01T06:00:00.000Z",
  account: { id: "111122223333", name: "Prod <main>", email: "owner@example.com" },
};

export function userReport(extra: Partial<UserReport> = {}): UserReport {
  return {
    userName: "alice",
    status: "ok",
    keys: [],
    actions: [],
    warnings: [],
    upcoming: [],
    secretName: "keyrotor/alice",
    findings: [],
    ...extra,
  };
}

export function accountReport(users: UserReport[], mode: "audit" | "enforce" = "enforce"): AccountReport {
  return {
    accountId: JOB.account.id,
    runId: JOB.runId,
    mode,
    now: JOB.asOf,
    previousRunAt: "2026-05-31T06:00:00.000Z",
    users,
    unexaminedUsers: 0,
    failedUsers: 0,
    deferredUsers: 0,
  };
}
