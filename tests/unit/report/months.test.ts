import { describe, expect, it } from "vitest";
import type { AccountRecord } from "../../../shared/ledger/records";
import { aggregate } from "../../../shared/report/aggregate";
import { accountFacts, unreadableAccount } from "../../../shared/report/facts";
import { HISTORY_MONTHS, monthlyKeys, monthsBack } from "../../../shared/report/months";
import { inputs, NOW, reported, SETTINGS } from "./fixtures";

// NOW is 2026-06-01: the window runs from 2024-07 to 2026-06.

/** The trend's entries from `from` on, as [month, activeKeys, accounts, carried]. */
const from = (trend: ReturnType<typeof monthlyKeys>, month: string) =>
  trend.filter((m) => m.month >= month).map((m) => [m.month, m.activeKeys, m.accounts, m.carried]);

const run = (activeKeysByMonth: Record<string, number>): AccountRecord => ({
  lastRunId: "run",
  lastRunAt: NOW.toISOString(),
  activeKeysByMonth,
});

describe("monthsBack", () => {
  it("counts back across a year's turn, oldest first, the month of `now` last", () => {
    // Act
    const months = monthsBack(new Date("2026-02-28T23:59:59Z"), 4);
    // Assess
    expect(months).toEqual(["2025-11", "2025-12", "2026-01", "2026-02"]);
  });
});

describe("long-lived keys per month", () => {
  it("sums the accounts' counts month by month over the 24 months, null before any account recorded one", () => {
    // Prepare
    const a = { "2026-03": 10, "2026-04": 8, "2026-05": 7, "2026-06": 5 };
    const b = { "2026-04": 4, "2026-05": 4, "2026-06": 2 };
    // Act
    const trend = monthlyKeys([a, b], NOW);
    // Assess
    expect(trend).toHaveLength(HISTORY_MONTHS);
    expect(trend[0]).toEqual({ month: "2024-07", activeKeys: null, accounts: 0, carried: 0 });
    expect(trend.filter((m) => m.activeKeys === null)).toHaveLength(20);
    expect(from(trend, "2026-02")).toEqual([
      ["2026-02", null, 0, 0],
      ["2026-03", 10, 1, 0],
      ["2026-04", 12, 2, 0],
      ["2026-05", 11, 2, 0],
      ["2026-06", 7, 2, 0],
    ]);
  });

  it("carries an account's latest earlier count through months it has none for, this month too", () => {
    // Prepare: a skipped April, and no run yet in June; b recorded only once, before the window
    const a = { "2026-03": 10, "2026-05": 6 };
    const b = { "2023-01": 3 };
    // Act
    const trend = monthlyKeys([a, b], NOW);
    // Assess
    expect(trend[0]).toEqual({ month: "2024-07", activeKeys: 3, accounts: 1, carried: 1 });
    expect(from(trend, "2026-02")).toEqual([
      ["2026-02", 3, 1, 1],
      ["2026-03", 13, 2, 1],
      ["2026-04", 13, 2, 2],
      ["2026-05", 9, 2, 1],
      ["2026-06", 9, 2, 2],
    ]);
  });

  it("a count of zero is a count (zero, not null); months after the report's and malformed entries are left out", () => {
    // Prepare
    const a = { "2026-05": 0, "2026-07": 50, "2026-13": 9, nonsense: 4, "2026-04": -1 };
    // Act
    const trend = monthlyKeys([a], NOW);
    // Assess
    expect(from(trend, "2026-04")).toEqual([
      ["2026-04", null, 0, 0],
      ["2026-05", 0, 1, 0],
      ["2026-06", 0, 1, 1],
    ]);
  });

  it("is all null without any count", () => {
    // Act
    const trend = monthlyKeys([{}, {}], NOW);
    // Assess
    expect(trend.every((m) => m.activeKeys === null && m.accounts === 0)).toBe(true);
  });
});

describe("the report's trend", () => {
  it("counts the current month from what the report read, so its last point is the Active count beside it", () => {
    // Prepare: the month's run counted 9 as it started, then deleted a key; IAM now shows 8
    const keys = Array.from({ length: 8 }, () => reported(10));
    const prod = accountFacts(
      inputs(
        { app: { keys: keys.slice(0, 4) }, ci: { keys: keys.slice(4) } },
        "111111111111",
        run({ "2026-05": 9, "2026-06": 9 }),
      ),
      SETTINGS,
      NOW,
    );
    // Act
    const report = aggregate([prod], SETTINGS, NOW);
    // Assess
    expect(report.totals.activeKeys).toBe(8);
    expect(report.trend?.at(-1)).toEqual({ month: "2026-06", activeKeys: 8, accounts: 1, carried: 0 });
    expect(report.trend?.at(-2)).toEqual({ month: "2026-05", activeKeys: 9, accounts: 1, carried: 0 });
  });

  it("comes from each account's ledger record for past months, an unreadable account's included, and from the report for now", () => {
    // Prepare
    const prod = accountFacts(
      inputs({ app: { keys: [reported(10)] } }, "111111111111", run({ "2026-05": 3, "2026-06": 1 })),
      SETTINGS,
      NOW,
    );
    const fresh = accountFacts(inputs({ x: { keys: [reported(10)] } }, "222222222222"), SETTINGS, NOW);
    const broken = unreadableAccount("333333333333", "Broken", "denied", { "2026-05": 4 });
    // Act
    const report = aggregate([prod, fresh, broken], SETTINGS, NOW);
    // Assess
    expect(report.trend?.slice(-3)).toEqual([
      { month: "2026-04", activeKeys: null, accounts: 0, carried: 0 },
      { month: "2026-05", activeKeys: 7, accounts: 2, carried: 0 },
      // prod's and fresh's one key each as the report read them, broken's 4 carried from May
      { month: "2026-06", activeKeys: 6, accounts: 3, carried: 1 },
    ]);
  });
});
