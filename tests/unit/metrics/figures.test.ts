import { describe, expect, it } from "vitest";
import { accountFigures } from "../../../shared/metrics/figures";
import type { AccountReport, UserReport } from "../../../shared/rotation/report";

const NOW = "2026-06-30T06:00:00.000Z";
const daysAgo = (days: number) => new Date(Date.parse(NOW) - days * 86_400_000).toISOString();

function user(userName: string, extra: Partial<UserReport> = {}): UserReport {
  return {
    userName,
    status: "ok",
    keys: [],
    actions: [],
    warnings: [],
    upcoming: [],
    secretName: `keyrotor/${userName}`,
    findings: [],
    ...extra,
  };
}

function report(users: UserReport[], failedUsers = 0): AccountReport {
  return {
    accountId: "111111111111",
    runId: "run-1",
    mode: "enforce",
    now: NOW,
    previousRunAt: daysAgo(1),
    users,
    unexaminedUsers: 0,
    failedUsers,
    deferredUsers: 0,
  };
}

describe("accountFigures", () => {
  it("is all zeros for an account without users", () => {
    // Act
    const figures = accountFigures(report([]));
    // Assess
    expect(figures).toEqual({
      oldestActiveKeyAgeDays: 0,
      keysPastRotation: 0,
      mostDaysPastRotation: 0,
      keysPastDeactivationActive: 0,
      heldUsers: 0,
      blockedUsers: 0,
      failedDeliveries: 0,
      failedUsers: 0,
    });
  });

  it("takes the oldest Active key of a managed user, ignoring Inactive keys and exempt users", () => {
    // Prepare
    const users = [
      user("a", {
        keys: [
          { id: "AKIAOLDINACTIVE", status: "Inactive", createdAt: daysAgo(200) },
          { id: "AKIAACTIVE", status: "Active", createdAt: daysAgo(95.5) },
        ],
      }),
      user("exempt", {
        status: "exempt",
        keys: [{ id: "AKIAEXEMPT", status: "Active", createdAt: daysAgo(400) }],
      }),
      user("b", { keys: [{ id: "AKIAB", status: "Active", createdAt: daysAgo(12) }] }),
    ];
    // Act / Assess
    expect(accountFigures(report(users)).oldestActiveKeyAgeDays).toBe(95);
  });

  it("counts keys past rotation: a rotation not done in the run, and a blocked user, each once, with the longest overdue", () => {
    // Prepare
    const create = (outcome: "planned" | "done" | "failed", dueOn: string) => ({
      kind: "create" as const,
      keyId: "(new key)",
      detail: "",
      dueOn,
      outcome,
    });
    const users = [
      user("audited", { status: "due", actions: [create("planned", daysAgo(3))] }),
      user("failed", { status: "due", actions: [create("failed", daysAgo(10))] }),
      user("rotated", { status: "due", actions: [create("done", daysAgo(40))] }),
      user("blocked", { status: "blocked", blockedSince: daysAgo(21), actions: [] }),
      user("exempt", { status: "exempt", blockedSince: daysAgo(99) }),
    ];
    // Act
    const figures = accountFigures(report(users));
    // Assess
    expect(figures.keysPastRotation).toBe(3);
    expect(figures.mostDaysPastRotation).toBe(21);
    expect(figures.blockedUsers).toBe(1);
  });

  it("counts keys past deactivation still Active (held back, failed, planned), held users, failed deliveries and failed users", () => {
    // Prepare
    const deactivate = (keyId: string, outcome: "planned" | "done" | "failed") => ({
      kind: "deactivate" as const,
      keyId,
      detail: "",
      dueOn: daysAgo(2),
      outcome,
    });
    const users = [
      user("held", {
        holds: [{ keyId: "AKIAHELD", reason: "in-use", dueOn: daysAgo(5) }],
        deliveries: [
          { destination: "github:acme/app", keyId: "AKIANEW", outcome: "failed" },
          { destination: "ssm:/ci", keyId: "AKIANEW", outcome: "done" },
        ],
      }),
      user("left", {
        status: "due",
        actions: [deactivate("AKIAFAIL", "failed"), deactivate("AKIAPLAN", "planned")],
      }),
      user("done", { status: "due", actions: [deactivate("AKIADONE", "done")] }),
      user("unrecorded", { status: "held" }),
    ];
    // Act
    const figures = accountFigures(report(users, 1));
    // Assess
    expect(figures).toMatchObject({
      keysPastDeactivationActive: 3,
      heldUsers: 2,
      failedDeliveries: 1,
      failedUsers: 1,
    });
  });
});
