import { describe, expect, it } from "vitest";
import { percent, percentOf } from "../../../shared/report/percent";

describe("percentOf", () => {
  it.each([
    [5, 9, "56%"],
    [4, 9, "44%"],
    [1, 2, "50%"],
    [9, 10, "90%"],
    [10, 10, "100%"],
    [0, 10, "0%"],
    [9_999, 10_000, "99%"],
    [1, 10_000, "1%"],
    [2, 3, "67%"],
  ])("%i of %i is %s", (part, whole, expected) => {
    // Act / Assess
    expect(percentOf(part, whole)).toBe(expected);
  });

  it("writes a share of nothing as a dash", () => {
    // Act / Assess
    expect(percentOf(0, 0)).toBe("—");
    expect(percent(null)).toBe("—");
  });
});
