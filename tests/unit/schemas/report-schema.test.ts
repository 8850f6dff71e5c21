import { describe, expect, it } from "vitest";
import { renderJson } from "../../../shared/report/render-json";
import { sampleOrgReport } from "../../../shared/report/sample";
import { schemaProblems } from "../../support/json-schema";

// The published schema of `report --format json` is strict: a field it does not know, a value outside
// its enums or an instant that is not one is a problem, so a change to the report has to change it too.

const sample = () => JSON.parse(renderJson(sampleOrgReport(400))) as Record<string, unknown>;

describe("docs/schemas/report.schema.json", () => {
  it("accepts the sample organization's report as the renderer writes it", () => {
    // Act / Assess
    expect(schemaProblems("report", sample())).toEqual([]);
  });

  it("accepts an empty organization's report", () => {
    // Act / Assess
    expect(schemaProblems("report", JSON.parse(renderJson(sampleOrgReport(0))))).toEqual([]);
  });

  it.each([
    ["a field it does not know", ["secret"], "x"],
    ["an unknown attention kind", ["attention", 0, "kind"], "odd"],
    ["a total that is not a count", ["totals", "activeKeys"], -1],
    ["an instant that is not one", ["generatedAt"], "yesterday"],
    ["a month written as a date", ["history", 0, "month"], "Mar 27"],
    ["an unknown field on a failing key", ["failingIam3", 0, "secretAccessKey"], "x"],
    ["a failing key younger than 90 days", ["failingIam3", 0, "ageDays"], 89],
    ["an account out of scope without why", ["outOfScope", 0, "reason"], undefined],
  ] as const)("refuses %s", (_, path, value) => {
    // Prepare
    const report = sample();
    const parent = path
      .slice(0, -1)
      .reduce<Record<string | number, unknown>>(
        (into, step) => into[step] as Record<string | number, unknown>,
        report,
      );
    const last = path[path.length - 1] ?? "";
    if (value === undefined) delete parent[last];
    else parent[last] = value;

    // Act / Assess
    expect(schemaProblems("report", report)).not.toEqual([]);
  });
});
