import { describe, expect, it } from "vitest";
import type { Announcements } from "../../../shared/ledger/records";
import { noticeSchema } from "../../../shared/messages";
import { type Announced, composeNotice } from "../../../shared/notices/compose";
import type { UserReport } from "../../../shared/rotation";
import { accountReport, JOB, userReport } from "./fixtures";

const SETTINGS = { warnBeforeDays: 7, readerPrincipals: [], repeatFailuresAfterDays: 7 };
const TODAY = "2026-06-01T05:00:00.000Z";
const LAST_WEEK = "2026-05-25T05:00:00.000Z";
const NEXT_WEEK = "2026-06-07T06:00:00.000Z";
const key = (id: string, createdAt: string) => ({ id, status: "Active", createdAt });

/** Composes for one user, then again as the next run would with what the first recorded. */
function twice(user: UserReport, later: Partial<UserReport> = {}, at = JOB.asOf) {
  const first = composeNotice(JOB, accountReport([user]), SETTINGS);
  const recorded = first.announces.users[user.userName] ?? first.forgets.users[user.userName] ?? {};
  const announced: Announced = { users: new Map([[user.userName, recorded]]), account: {} };
  const report = { ...accountReport([{ ...user, ...later }]), now: at };
  const second = composeNotice({ ...JOB, asOf: at }, report, SETTINGS, announced);
  return { first, second };
}

const events = (c: ReturnType<typeof composeNotice>) => c.notice?.users.flatMap((u) => u.events) ?? [];

describe("composeNotice: every statement once, whatever the runs", () => {
  const warned = userReport({
    keys: [key("A", "2026-03-10T06:00:00.000Z")],
    upcoming: [{ keyId: "A", action: "rotate", on: NEXT_WEEK }],
  });

  it("warns of a rotation inside the window once, on a retry, a second run the same day or a later run", () => {
    // Act
    const { first, second } = twice(warned, {}, "2026-06-01T18:00:00.000Z");
    const third = twice(warned, {}, "2026-06-03T06:00:00.000Z").second;
    // Assess
    expect(events(first)).toEqual([{ kind: "warning", keyId: "A", on: NEXT_WEEK, step: "rotate" }]);
    expect(second.notice).toBeNull();
    expect(third.notice).toBeNull();
  });

  it("says what will block a warned rotation: two keys neither of which goes first", () => {
    const user = { ...warned, keys: [...warned.keys, key("B", "2026-01-01T06:00:00.000Z")] };
    expect(events(composeNotice(JOB, accountReport([user]), SETTINGS))).toEqual([
      { kind: "warning", keyId: "A", on: NEXT_WEEK, step: "rotate", blocker: "two-keys" },
    ]);
  });

  it("tells a block once, again when its reason changes or after the quiet period; forgets it once lifted", () => {
    const blocked = userReport({ status: "blocked", reason: "two keys", blockedSince: LAST_WEEK });
    const sameDay = twice(blocked);
    expect(events(sameDay.first)).toEqual([{ kind: "blocked", detail: "two keys", blocker: "two-keys" }]);
    expect(sameDay.second.notice).toBeNull();
    expect(events(twice(blocked, { reason: "other" }).second)).toHaveLength(1);
    expect(events(twice(blocked, {}, "2026-06-08T06:00:00.000Z").second)).toHaveLength(1);
    expect(twice(blocked, { status: "ok" }).second.forgets.users).toEqual({ alice: null });
  });

  it("tells a failure once until it changes, however often it recurs", () => {
    const failing = (message: string): Partial<UserReport> => ({
      actions: [
        {
          kind: "deactivate",
          keyId: "B",
          detail: "replaced by N",
          dueOn: LAST_WEEK,
          outcome: "failed",
          error: { name: "AwsCallError", message },
        },
      ],
    });
    const user = userReport(
      failing("IAM UpdateAccessKey failed (AccessDenied): request 1b4e28ba-2fa1-11d2-883f-0016d3cca427"),
    );
    const { first, second } = twice(
      user,
      failing("IAM UpdateAccessKey failed (AccessDenied): request 6fa459ea-ee8a-3ca4-894e-db77e160355e"),
    );
    expect(events(first)).toMatchObject([{ kind: "failed", action: "deactivate", keyId: "B" }]);
    expect(second.notice).toBeNull();
    expect(events(twice(user, failing("IAM UpdateAccessKey failed (Throttling)")).second)).toHaveLength(1);
  });

  it("in audit mode tells a planned action once, not every day it stays planned", () => {
    const planned = userReport({
      actions: [
        { kind: "create", keyId: "(new key)", detail: "replaces A", dueOn: TODAY, outcome: "planned" },
      ],
    });
    const { first, second } = twice(planned, {}, "2026-06-02T06:00:00.000Z");
    expect(events(first)).toEqual([{ kind: "would-create", keyId: "(new key)", detail: "replaces A" }]);
    expect(second.notice).toBeNull();
  });

  it("tells every action taken, with the secret and who may read it for a new key", () => {
    const user = userReport({
      secretArn: "arn:secret",
      readers: ["arn:aws:iam::111122223333:role/app"],
      actions: [
        { kind: "create", keyId: "N", detail: "replaces B", dueOn: LAST_WEEK, outcome: "done" },
        { kind: "deactivate", keyId: "B", detail: "replaced by N", dueOn: LAST_WEEK, outcome: "done" },
      ],
    });
    expect(events(composeNotice(JOB, accountReport([user]), SETTINGS))).toEqual([
      {
        kind: "created",
        keyId: "N",
        detail: "replaces B",
        secretName: "keyrotor/alice",
        secretArn: "arn:secret",
        readers: ["arn:aws:iam::111122223333:role/app"],
      },
      { kind: "deactivated", keyId: "B", detail: "replaced by N", replacementStored: true },
    ]);
  });

  it("keeps what was told about a user that could not be read this time", () => {
    const before: Announcements = { "warning:rotate:A": { said: "2026-06-07", at: LAST_WEEK } };
    const failed = userReport({ status: "failed", error: { name: "AwsCallError", message: "denied" } });
    const composed = composeNotice(JOB, accountReport([failed]), SETTINGS, {
      users: new Map([["alice", before]]),
      account: {},
    });
    expect(composed.announces.users.alice).toMatchObject(before);
  });

  it("mails a failing password-policy step once, not every run", () => {
    const report = {
      ...accountReport([]),
      passwordPolicy: {
        outcome: "failed" as const,
        changes: [],
        error: { name: "AwsCallError", message: "denied" },
      },
    };
    const first = composeNotice(JOB, report, SETTINGS);
    const account = first.announces.account ?? {};
    expect(first.notice?.passwordPolicy).toEqual({ outcome: "failed", changes: [], error: "denied" });
    expect(composeNotice(JOB, report, SETTINGS, { users: new Map(), account }).notice).toBeNull();
  });
});

describe("composeNotice: a credential report keyrotor could not read", () => {
  const fallback = { rows: 1, detail: "1 row (line 3: user etl: the ARN does not end with /etl)" };
  const report = { ...accountReport([]), reportFallback: fallback };

  it("tells the owner once, and again after the quiet period, in a message the queue accepts", () => {
    // Act
    const first = composeNotice(JOB, report, SETTINGS);
    const account = first.announces.account ?? {};
    const again = composeNotice(JOB, report, SETTINGS, { users: new Map(), account });
    const week = "2026-06-08T06:00:00.000Z";
    const later = composeNotice({ ...JOB, asOf: week }, { ...report, now: week }, SETTINGS, {
      users: new Map(),
      account,
    });
    // Assess
    expect(first.notice?.credentialReport).toEqual(fallback);
    expect(noticeSchema.safeParse(first.notice).success).toBe(true);
    expect(again.notice).toBeNull();
    expect(later.notice?.credentialReport).toEqual(fallback);
  });

  it("does not bring back a password-policy failure already told when only the report's note is news", () => {
    // Prepare: the policy failure was told; the report's note is new
    const failing = {
      ...report,
      passwordPolicy: {
        outcome: "failed" as const,
        changes: [],
        error: { name: "AwsCallError", message: "denied" },
      },
    };
    const told =
      composeNotice(JOB, { ...failing, reportFallback: undefined }, SETTINGS).announces.account ?? {};
    // Act
    const composed = composeNotice(JOB, failing, SETTINGS, { users: new Map(), account: told });
    // Assess
    expect(composed.notice?.credentialReport).toEqual(fallback);
    expect(composed.notice?.passwordPolicy).toBeUndefined();
  });
});

describe("composeNotice: the message", () => {
  it("is null when no user has news", () => {
    expect(
      composeNotice(JOB, accountReport([userReport(), userReport({ userName: "bob" })]), SETTINGS).notice,
    ).toBeNull();
  });

  it("carries the users with news and what comes next, never their owner address, and validates as a queue message", () => {
    const upcoming = [{ keyId: "A", action: "deactivate" as const, on: "2026-06-11T05:00:00.000Z" }];
    const report = accountReport([
      userReport({
        owner: "alice@example.com",
        upcoming,
        actions: [{ kind: "delete", keyId: "N", detail: "expired", dueOn: TODAY, outcome: "done" }],
      }),
      userReport({ userName: "quiet" }),
    ]);
    const { notice } = composeNotice(JOB, report, SETTINGS);
    expect(notice).toMatchObject({ runId: "run-42", mode: "enforce", account: JOB.account, omittedUsers: 0 });
    expect(notice?.users).toEqual([
      { userName: "alice", events: [{ kind: "deleted", keyId: "N", detail: "expired" }], upcoming },
    ]);
    expect(JSON.stringify(notice)).not.toContain("alice@example.com");
    expect(noticeSchema.parse(JSON.parse(JSON.stringify(notice)))).toEqual(notice);
  });

  it("stays under the size budget, counts the users it leaves out and does not record them as told", () => {
    const users = Array.from({ length: 500 }, (_, i) =>
      userReport({ userName: `user-${i}`, status: "held", reason: `key AKIA${i} was used` }),
    );
    const { notice, announces } = composeNotice(JOB, accountReport(users), SETTINGS, undefined, 1, 10_000);
    expect(Buffer.byteLength(JSON.stringify(notice))).toBeLessThan(10_000);
    expect((notice?.users.length ?? 0) + (notice?.omittedUsers ?? 0)).toBe(500);
    expect(Object.keys(announces.users)).toHaveLength(notice?.users.length ?? -1);
  });
});
