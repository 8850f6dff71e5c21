import { describe, expect, it } from "vitest";
import { awsSampleCalls } from "../../../scripts/bench/aws-sample";
import { costMarkdown } from "../../../scripts/bench/cost-tables";
import { monthsLater } from "../../../scripts/bench/months-later";
import type { OrgDayFigures } from "../../../scripts/bench/org-figures";
import { rotationDay } from "../../../scripts/bench/rotation-day";

// The bench's simulated cost parts run and their figures agree with one another. The counts themselves
// are the rotation's tests' business (tests/unit/rotation/step-costs.test.ts): they are not asserted here.

/** Figures are rounded to a tenth each, so sums of them may differ from their total by that much. */
const ROUNDING = 0.1 * 12;

function consistent(f: OrgDayFigures) {
  expect(
    Math.abs(f.togetherPerAccountPerDay - (f.callsPerAccountPerDay + f.ledgerCallsPerAccountPerDay)),
  ).toBeLessThanOrEqual(0.11);
  const byOperation = Object.values(f.callsByOperation).reduce((a, b) => a + b, 0);
  expect(Math.abs(byOperation - f.callsPerAccountPerDay)).toBeLessThanOrEqual(ROUNDING);
  // The organization's every call over its accounts, management included: the members' together,
  // spread over one account more, plus what the management account pays of its own.
  expect(f.orgCallsPerAccountPerDay * (f.accounts + 1)).toBeGreaterThanOrEqual(
    f.togetherPerAccountPerDay * f.accounts - 0.1 * (f.accounts + 1),
  );
  expect(f.callsPerAccountPerDay).toBeGreaterThan(0);
  expect(f.ledgerCallsPerAccountPerDay).toBeGreaterThan(0);
}

describe("the bench's cost parts", () => {
  it("a rotation day rotates every user and prices AWS's sample on the same rotations", async () => {
    // Act
    const day = await rotationDay(6, 2);

    // Assess
    consistent(day);
    expect(day.rotationsPerAccount).toBe(6);
    expect(day.callsByOperation.GetCallerIdentity).toBe(day.rotationsPerAccount);
    expect(day.awsSampleCallsPerAccountPerDay).toBe(awsSampleCalls(2, 6, 1, 12) / 2);
  });

  it("months later counts the same calls apart and together", async () => {
    // Act
    const later = await monthsLater(20, 2, 5);

    // Assess
    consistent(later);
    expect(later.days).toBe(5);
    expect(later.awsSampleCallsPerAccountPerDay).toBeGreaterThanOrEqual(awsSampleCalls(1, 20, 1, 0));
  });

  it("prints each part's table with one row per size", async () => {
    // Arrange
    const rows = [await rotationDay(3, 2), await rotationDay(4, 2)];

    // Act
    const lines = costMarkdown({ rotationDay: { rows } });

    // Assess
    const table = lines.filter((l) => l.startsWith("| "));
    expect(table).toHaveLength(2 + rows.length);
    expect(table[2]).toContain(`| 3 | 3 | ${rows[0]?.callsPerAccountPerDay} |`);
  });
});
