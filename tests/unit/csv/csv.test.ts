import { describe, expect, it } from "vitest";
import { csvCell, csvRecord } from "../../../shared/csv";

describe("a CSV cell", () => {
  it.each([
    ["plain", "plain"],
    [42, "42"],
    [-3, "-3"],
    [0.25, "0.25"],
    [Number.NaN, ""],
    ["a,b", '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ["two\nlines", '"two\nlines"'],
    ['=HYPERLINK("http://x")', '"\'=HYPERLINK(""http://x"")"'],
    ["+1", "'+1"],
    ["-2", "'-2"],
    ["-", "'-"],
    ["@SUM(A1)", "'@SUM(A1)"],
    ["\tcmd", "'\tcmd"],
    ["\rcmd", '"\'\rcmd"'],
    ["\uFF1D1+1", "'\uFF1D1+1"],
    ["a=b", "a=b"],
    ["", ""],
  ])("%j is written %s", (value, expected) => {
    // Act
    const cell = csvCell(value);
    // Assess
    expect(cell).toBe(expected);
  });

  it("joins a record's cells with commas, numbers as numbers and text as text", () => {
    // Act
    const record = csvRecord(["-1", -1, "x,y"]);
    // Assess
    expect(record).toBe(`'-1,-1,"x,y"`);
  });
});
