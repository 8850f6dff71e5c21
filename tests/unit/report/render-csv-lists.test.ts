import { describe, expect, it } from "vitest";
import { renderCsv, renderIncidentsCsv } from "../../../shared/report/render-csv";
import {
  CSV_ROWS,
  FAILING_IAM3_CSV_COLUMNS,
  OUT_OF_SCOPE_CSV_COLUMNS,
  renderCsvRows,
} from "../../../shared/report/render-csv-lists";
import { sampleOrgReport } from "../../../shared/report/sample";
import type { OrgReport } from "../../../shared/report/types";
import { parseCsv } from "../../support/csv";

// The report's lists as CSV files of their own: the keys IAM.3 fails and the accounts out of scope,
// beside the accounts and the incidents, each row as the JSON has it, names written so no spreadsheet runs them.

const sample = sampleOrgReport(12);

describe("the report's lists as CSV", () => {
  it("one row per key IAM.3 fails, the oldest first, as the report lists them", () => {
    // Act
    const [header, ...rows] = parseCsv(renderCsvRows(sample, "failing-iam3"));

    // Assess
    expect(header).toEqual(FAILING_IAM3_CSV_COLUMNS);
    const failing = sample.failingIam3 ?? [];
    expect(failing.length).toBeGreaterThan(0);
    expect(rows.map((r) => [r[0], r[2], r[3], Number(r[4])])).toEqual(
      failing.map((k) => [k.accountId, k.userName, k.keyId ?? "", k.ageDays]),
    );
    const names = new Map(sample.accounts.map((a) => [a.accountId, a.name]));
    expect(rows.every((r) => r[1] === names.get(r[0] ?? ""))).toBe(true);
  });

  it("one row per account out of scope, with why", () => {
    // Act
    const [header, ...rows] = parseCsv(renderCsvRows(sample, "out-of-scope"));

    // Assess
    expect(header).toEqual(OUT_OF_SCOPE_CSV_COLUMNS);
    expect(rows).toEqual((sample.outOfScope ?? []).map((a) => [a.accountId, a.name, a.reason]));
    expect(rows.length).toBeGreaterThan(0);
  });

  it("writes names from member accounts so that no spreadsheet runs them", () => {
    // Prepare: a user name and an account name made to look like formulas
    const [first, ...rest] = sample.failingIam3 ?? [];
    if (!first) throw new Error("the sample has keys failing IAM.3");
    const report: OrgReport = {
      ...sample,
      failingIam3: [{ ...first, userName: '=HYPERLINK("http://x")' }, ...rest],
      outOfScope: [{ accountId: "999999999999", name: "@SUM(A1)", reason: "+excluded" }],
    };
    // Act
    const keys = renderCsvRows(report, "failing-iam3");
    const scope = renderCsvRows(report, "out-of-scope");

    // Assess: every cell a spreadsheet would evaluate starts with a quote mark
    expect(keys).not.toMatch(/(^|,)=HYPERLINK/m);
    expect(scope).not.toMatch(/(^|,)[@+]/m);
    expect(parseCsv(keys)[1]?.[2]).toBe('\'=HYPERLINK("http://x")');
  });

  it("the accounts and the incidents are the report's CSV and its incidents file", () => {
    expect(CSV_ROWS).toEqual(["accounts", "incidents", "failing-iam3", "out-of-scope"]);
    expect(renderCsvRows(sample, "accounts")).toBe(renderCsv(sample));
    expect(renderCsvRows(sample, "incidents")).toBe(renderIncidentsCsv(sample));
  });
});
