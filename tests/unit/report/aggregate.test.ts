import { describe, expect, it } from "vitest";
import type { RecordedKey } from "../../../shared/ledger/records";
import { aggregate, shareOf } from "../../../shared/report/aggregate";
import { accountFacts, unreadableAccount } from "../../../shared/report/facts";
import { type MonthTally, median, monthlyRotations } from "../../../shared/report/months";
import { ago, inputs, NOW, reported, SETTINGS } from "./fixtures";

const histogram = (values: number[]) => {
  const h = new Map<number, number>();
  for (const v of values) h.set(v, (h.get(v) ?? 0) + 1);
  return h;
};

describe("median days late", () => {
  it.each([
    [[], null],
    [[3], 3],
    [[1, 3], 2],
    [[0, 5], 2.5],
    [[9, 1, 2], 2],
    [[0, 0, 10], 0],
    [[0, 0, 10, 10], 5],
    [[4, 4, 4, 4, 1], 4],
  ])("of %j is %s", (values, expected) => {
    // Act
    const found = median(histogram(values));
    // Assess
    expect(found).toBe(expected);
  });
});

describe("compliance shares", () => {
  it.each([
    [3, 4, 0.75],
    [0, 5, 0],
    [5, 5, 1],
    [0, 0, null],
  ])("%i of %i is %s", (part, whole, expected) => {
    expect(shareOf(part, whole)).toBe(expected);
  });
});

describe("the organization from its accounts", () => {
  const prod = accountFacts(
    inputs(
      {
        old: { keys: [reported(95), reported(91)] },
        fresh: { keys: [reported(10, "Active", 1)] },
        audit: { keys: [reported(120)], tags: { "keyrotor:exempt": "true" } },
      },
      "111111111111",
    ),
    SETTINGS,
    NOW,
  );
  const data = accountFacts(
    inputs(
      {
        batch: { keys: [reported(76)] },
        stuck: { keys: [reported(100), reported(96)] },
      },
      "222222222222",
    ),
    SETTINGS,
    NOW,
  );
  const broken = unreadableAccount("333333333333", "Broken", "STS AssumeRole failed (AccessDenied): denied");

  it("sums every count, the next 14 days and the unreadable accounts", () => {
    // Act
    const report = aggregate([prod, data, broken], SETTINGS, NOW);
    // Assess
    expect(report.totals).toEqual({
      accounts: 3,
      unreadableAccounts: 1,
      // everyone on the list: audit is exempt, but its key is 120 days old
      needingAPerson: 3,
      users: 5,
      usersWithKeys: 5,
      keys: 7,
      activeKeys: 7,
      byAge: { "<80": 2, "80-90": 0, "90-100": 3, "100-110": 1, ">=110": 1 },
      byUse: { never: 6, "<45": 1, "45-90": 0, ">=90": 0 },
      rotationCompliant: 2,
      iam3Compliant: 2,
      usageCompliant: 1,
      // every key but fresh's is unused; nothing says what fresh's is used for
      byAdvice: { remove: 6, oidc: 0, "scoped-role": 0, "roles-anywhere-or-identity-center": 1 },
    });
    expect(report.upcoming).toEqual({
      rotations: prod.summary.upcoming.rotations + data.summary.upcoming.rotations,
      deactivations: prod.summary.upcoming.deactivations + data.summary.upcoming.deactivations,
      deletions: prod.summary.upcoming.deletions + data.summary.upcoming.deletions,
    });
    // batch's rotation; old's and stuck's older keys' deactivations (stuck's due now), then its deletion
    expect(report.upcoming).toEqual({ rotations: 1, deactivations: 2, deletions: 1 });
    expect(report.accounts.map((a) => a.accountId)).toEqual(["111111111111", "222222222222", "333333333333"]);
    expect(report.generatedAt).toBe(NOW.toISOString());
    expect(report.thresholds).toEqual({
      rotateAfterDays: 90,
      deactivateAfterDays: 100,
      deleteAfterDays: 110,
      unusedAfterDays: 45,
    });
  });

  it("lists who needs a person by kind, the longest stuck first", () => {
    // Act
    const report = aggregate([prod, data, broken], SETTINGS, NOW);
    // Assess: stuck's rotation fell due 6 days ago, old's 1 day ago; the exempt user comes last
    expect(report.attention.map((a) => [a.kind, a.userName, a.since])).toEqual([
      ["blocked", "stuck", ago(6).toISOString()],
      ["blocked", "old", ago(1).toISOString()],
      ["exempt", "audit", undefined],
    ]);
  });

  it("says which unused-key period it judged by", () => {
    // Act
    const report = aggregate([], { ...SETTINGS, deactivateUnusedAfterDays: 90 }, NOW);
    // Assess
    expect(report.thresholds.unusedAfterDays).toBe(90);
    expect(report.totals).toMatchObject({ accounts: 0, activeKeys: 0 });
    expect(report.history).toEqual([]);
  });
});

describe("rotations per month", () => {
  const entry = (at: string, dueOn?: string): RecordedKey => ({
    keyId: `K-${at}`,
    versionId: "v",
    at,
    ...(dueOn ? { dueOn } : {}),
  });

  it("merges the accounts' months, with zero for a month without rotations, up to the report's month", () => {
    // Prepare: two accounts, rotations in March (0 and 4 days late) and May (1, 2 and 10 days late)
    const a = accountFacts(
      inputs({
        u1: {
          keys: [reported(10)],
          record: {
            recorded: entry("2026-05-03T06:00:00.000Z", "2026-05-02T06:00:00.000Z"),
            history: [entry("2026-03-01T06:00:00.000Z", "2026-03-01T05:00:00.000Z")],
          },
        },
        u2: {
          keys: [reported(10)],
          record: { recorded: entry("2026-05-12T06:00:00.000Z", "2026-05-02T06:00:00.000Z") },
        },
      }),
      SETTINGS,
      NOW,
    );
    const b = accountFacts(
      inputs({
        u3: {
          keys: [reported(10)],
          record: {
            recorded: entry("2026-05-20T06:00:00.000Z", "2026-05-18T06:00:00.000Z"),
            history: [
              entry("2026-03-05T06:00:00.000Z", "2026-03-01T06:00:00.000Z"),
              entry("2026-03-09T06:00:00.000Z"),
            ],
          },
        },
      }),
      SETTINGS,
      NOW,
    );
    // Act
    const { history } = aggregate([a, b], SETTINGS, NOW);
    // Assess
    expect(history).toEqual([
      { month: "2026-03", rotations: 3, medianDaysLate: 2 },
      { month: "2026-04", rotations: 0, medianDaysLate: null },
      { month: "2026-05", rotations: 3, medianDaysLate: 2 },
      { month: "2026-06", rotations: 0, medianDaysLate: null },
    ]);
  });

  it("shows at most 24 months, the report's own the last, and nothing recorded after it", () => {
    // Prepare
    const months = new Map<string, MonthTally>([
      ["2020-01", { rotations: 5, late: new Map([[0, 5]]) }],
      ["2026-06", { rotations: 1, late: new Map() }],
      ["2026-07", { rotations: 9, late: new Map() }],
    ]);
    // Act
    const history = monthlyRotations(months, NOW);
    // Assess
    expect(history).toHaveLength(24);
    expect(history[0]?.month).toBe("2024-07");
    expect(history.at(-1)).toEqual({ month: "2026-06", rotations: 1, medianDaysLate: null });
    expect(history.reduce((n, m) => n + m.rotations, 0)).toBe(1);
  });
});
