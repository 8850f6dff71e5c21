import { describe, expect, it } from "vitest";
import { noticeSchema } from "../../../shared/messages";
import { composeNotice, newsFor } from "../../../shared/notices/compose";
import { accountReport, JOB, userReport } from "./fixtures";

const PREVIOUS = new Date("2026-05-31T06:00:00.000Z");
const TODAY = "2026-06-01T05:00:00.000Z";
const LAST_WEEK = "2026-05-25T05:00:00.000Z";

describe("newsFor: what is worth telling (no daily repeats)", () => {
  it("tells every action taken, with the secret for a new key, and every failure", () => {
    const user = userReport({
      secretArn: "arn:secret",
      actions: [
        { kind: "delete", keyId: "A", detail: "expired", dueOn: LAST_WEEK, outcome: "done" },
        { kind: "create", keyId: "N", detail: "replaces B", dueOn: LAST_WEEK, outcome: "done" },
        {
          kind: "deactivate",
          keyId: "B",
          detail: "replaced by N",
          dueOn: LAST_WEEK,
          outcome: "failed",
          error: { name: "AwsCallError", message: "IAM UpdateAccessKey failed (Throttling): slow" },
        },
      ],
    });
    expect(newsFor(user, PREVIOUS)).toEqual([
      { kind: "deleted", keyId: "A", detail: "expired" },
      {
        kind: "created",
        keyId: "N",
        detail: "replaces B",
        secretName: "keyrotor/alice",
        secretArn: "arn:secret",
      },
      {
        kind: "failed",
        keyId: "B",
        detail: "deactivate failed: IAM UpdateAccessKey failed (Throttling): slow",
      },
    ]);
  });

  it("in audit mode tells a planned action on the run it falls due, not on the days after", () => {
    const planned = (dueOn: string) =>
      userReport({
        actions: [{ kind: "create", keyId: "(new key)", detail: "replaces A", dueOn, outcome: "planned" }],
      });
    expect(newsFor(planned(TODAY), PREVIOUS)).toEqual([
      { kind: "would-create", keyId: "(new key)", detail: "replaces A" },
    ]);
    expect(newsFor(planned(LAST_WEEK), PREVIOUS)).toEqual([]);
  });

  it("tells a block once, when it begins; a held user and an unreadable user every time", () => {
    expect(
      newsFor(userReport({ status: "blocked", reason: "two keys", blockedSince: TODAY }), PREVIOUS),
    ).toEqual([{ kind: "blocked", detail: "two keys" }]);
    expect(
      newsFor(userReport({ status: "blocked", reason: "two keys", blockedSince: LAST_WEEK }), PREVIOUS),
    ).toEqual([]);
    expect(newsFor(userReport({ status: "held", reason: "used" }), PREVIOUS)).toEqual([
      { kind: "held", detail: "used" },
    ]);
    expect(
      newsFor(userReport({ status: "failed", error: { name: "AwsCallError", message: "denied" } }), PREVIOUS),
    ).toEqual([{ kind: "failed", detail: "could not be read: denied" }]);
  });

  it("tells the warning", () => {
    const user = userReport({ warnings: [{ keyId: "A", action: "rotate", on: "2026-06-08T05:00:00.000Z" }] });
    expect(newsFor(user, PREVIOUS)).toEqual([
      { kind: "warning", keyId: "A", on: "2026-06-08T05:00:00.000Z", detail: "rotation" },
    ]);
  });
});

describe("composeNotice", () => {
  it("is null when no user has news", () => {
    expect(composeNotice(JOB, accountReport([userReport(), userReport({ userName: "bob" })]))).toBeNull();
  });

  it("carries the users with news and what comes next, never their owner address, and validates as a queue message", () => {
    const upcoming = [{ keyId: "A", action: "deactivate" as const, on: "2026-06-11T05:00:00.000Z" }];
    const report = accountReport([
      userReport({
        owner: "alice@example.com",
        upcoming,
        actions: [{ kind: "create", keyId: "N", detail: "replaces A", dueOn: TODAY, outcome: "done" }],
      }),
      userReport({ userName: "quiet" }),
    ]);
    const notice = composeNotice(JOB, report);
    expect(notice).toMatchObject({ runId: "run-42", mode: "enforce", account: JOB.account, omittedUsers: 0 });
    expect(notice?.users).toEqual([
      {
        userName: "alice",
        events: [{ kind: "created", keyId: "N", detail: "replaces A", secretName: "keyrotor/alice" }],
        upcoming,
      },
    ]);
    expect(noticeSchema.parse(JSON.parse(JSON.stringify(notice)))).toEqual(notice);
  });

  it("stays under the size budget and counts the users it leaves out", () => {
    const users = Array.from({ length: 500 }, (_, i) =>
      userReport({
        userName: `user-${i}`,
        actions: [{ kind: "delete", keyId: `AKIA${i}`, detail: "expired", dueOn: TODAY, outcome: "done" }],
      }),
    );
    const notice = composeNotice(JOB, accountReport(users), 1, 10_000);
    expect(Buffer.byteLength(JSON.stringify(notice))).toBeLessThan(10_000);
    expect((notice?.users.length ?? 0) + (notice?.omittedUsers ?? 0)).toBe(500);
    expect(notice?.omittedUsers).toBeGreaterThan(0);
  });
});
