import { describe, expect, it } from "vitest";
import { aggregate } from "../../../shared/report/aggregate";
import { accountFacts, unreadableAccount } from "../../../shared/report/facts";
import { CSV_COLUMNS, renderCsv } from "../../../shared/report/render-csv";
import { renderJson } from "../../../shared/report/render-json";
import { parseCsv } from "../../support/csv";
import { inputs, NOW, reported, SETTINGS } from "./fixtures";

describe("the report as CSV", () => {
  const prod = accountFacts(
    {
      ...inputs({
        old: { keys: [reported(95), reported(91)] },
        fresh: { keys: [reported(10, "Active", 1)] },
        audit: { keys: [reported(120)], tags: { "keyrotor:exempt": "true" } },
      }),
      name: '=cmd|"/c calc"!A1, Prod',
    },
    SETTINGS,
    NOW,
  );
  const broken = unreadableAccount(
    "333333333333",
    "Broken",
    "STS AssumeRole failed (AccessDenied):\nnot allowed",
  );
  const report = aggregate([prod, broken], SETTINGS, NOW);

  it("has a header, one row per account and a TOTAL row, each record ending in CRLF", () => {
    // Act
    const csv = renderCsv(report);
    // Assess
    expect(csv.endsWith("\r\n")).toBe(true);
    const rows = parseCsv(csv);
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows.map((r) => r[0])).toEqual(["accountId", "111122223333", "333333333333", "TOTAL"]);
    expect(rows.every((r) => r.length === CSV_COLUMNS.length)).toBe(true);
  });

  it("carries the same facts as the JSON: counts, bands, shares, the next 14 days, attention by kind", () => {
    // Act
    const rows = parseCsv(renderCsv(report));
    const json = JSON.parse(renderJson(report));
    // Assess
    const byName = (row: string[] | undefined) =>
      Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, row?.[i]]));
    const account = byName(rows[1]);
    expect(account).toMatchObject({
      accountName: '\'=cmd|"/c calc"!A1, Prod',
      error: "",
      users: "3",
      activeKeys: "4",
      age90to100: "2",
      age110plus: "1",
      ageUnder80: "1",
      neverUsed: "3",
      usedUnder45: "1",
      rotationCompliant: "1",
      rotationCompliantShare: "0.25",
      usageCompliant: "1",
      usageCompliantShare: "0.25",
      upcomingRotations: String(json.accounts[0].upcoming.rotations),
      upcomingDeactivations: "1",
      blocked: "1",
      exempt: "1",
      failing: "0",
    });
    expect(byName(rows[2])).toMatchObject({
      accountName: "Broken",
      error: "STS AssumeRole failed (AccessDenied):\nnot allowed",
      activeKeys: "0",
      rotationCompliantShare: "",
    });
    expect(byName(rows[3])).toMatchObject({
      accountName: "2 accounts",
      error: "1 unreadable",
      activeKeys: String(json.totals.activeKeys),
      rotationCompliant: String(json.totals.rotationCompliant),
      rotationCompliantShare: "0.25",
      blocked: "1",
      exempt: "1",
    });
  });

  it("keeps the earlier columns in place and appends the Active keys by advice, per account and in total", () => {
    // Act
    const rows = parseCsv(renderCsv(report));
    // Assess: every column before the advice where it was, the advice last
    expect(CSV_COLUMNS.slice(0, 4)).toEqual(["accountId", "accountName", "error", "users"]);
    expect(CSV_COLUMNS.indexOf("exempt")).toBe(28);
    expect(CSV_COLUMNS.slice(29, 33)).toEqual([
      "adviceRemove",
      "adviceOidc",
      "adviceScopedRole",
      "adviceRolesAnywhereOrIdentityCenter",
    ]);
    // old's two keys and audit's are unused; fresh's is used, for nobody knows what
    const advice = (row: string[] | undefined) => row?.slice(29, 33);
    expect(advice(rows[1])).toEqual(["3", "0", "0", "1"]);
    expect(advice(rows[2])).toEqual(["0", "0", "0", "0"]);
    expect(advice(rows[3])).toEqual(["3", "0", "0", "1"]);
  });

  it("appends why an account was listed through IAM instead of its credential report, and how many were", () => {
    // Prepare
    const listed = accountFacts(
      { ...inputs({ a: { keys: [reported(10)] } }), reportFallback: "1 row (line 3: user a: why)" },
      SETTINGS,
      NOW,
    );
    const withListed = aggregate([prod, listed, broken], SETTINGS, NOW);
    // Act
    const rows = parseCsv(renderCsv(withListed));
    // Assess
    expect(CSV_COLUMNS.at(-1)).toBe("reportFallback");
    expect(rows.map((r) => r.at(-1))).toEqual([
      "reportFallback",
      "",
      "1 row (line 3: user a: why)",
      "",
      "1 listed through IAM",
    ]);
    expect(rows[2]?.[3]).toBe("1");
  });

  it("leaves the advice cells empty for a report made without advice", () => {
    // Prepare
    const { byAdvice: _, ...counts } = report.totals;
    const without = { ...report, totals: counts, accounts: [] };
    // Act
    const rows = parseCsv(renderCsv(without));
    // Assess
    expect(rows[1]?.slice(29, 33)).toEqual(["", "", "", ""]);
  });

  it("rounds shares to four decimals", () => {
    // Prepare: one Active key of three under 90 days
    const facts = accountFacts(
      inputs({ a: { keys: [reported(10)] }, b: { keys: [reported(95)] }, c: { keys: [reported(200)] } }),
      SETTINGS,
      NOW,
    );
    // Act
    const rows = parseCsv(renderCsv(aggregate([facts], SETTINGS, NOW)));
    // Assess
    expect(rows[1]?.[CSV_COLUMNS.indexOf("rotationCompliantShare")]).toBe("0.3333");
  });
});
