import { describe, expect, it } from "vitest";
import type { IncidentRecord } from "../../../shared/ledger/records";
import { aggregate } from "../../../shared/report/aggregate";
import { accountFacts, unreadableAccount } from "../../../shared/report/facts";
import {
  CSV_COLUMNS,
  INCIDENT_CSV_COLUMNS,
  renderCsv,
  renderIncidentsCsv,
} from "../../../shared/report/render-csv";
import { renderJson } from "../../../shared/report/render-json";
import { parseCsv } from "../../support/csv";
import { ago, inputs, NOW, reported, SETTINGS } from "./fixtures";

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
    const at = CSV_COLUMNS.indexOf("reportFallback");
    expect(at).toBe(33);
    expect(rows.map((r) => r[at])).toEqual([
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

describe("incidents as CSV", () => {
  const exposed = (keyId: string, days: number, handled: boolean): IncidentRecord => ({
    keyId,
    trigger: handled ? "health" : "cli",
    source: handled ? "arn:aws:health:global::event/IAM/AWS_RISK_CREDENTIALS_EXPOSED/E1" : "cli-run-1",
    ...(handled ? {} : { reason: '=HYPERLINK("https://evil.example"), pasted' }),
    response: "revoke",
    openedAt: ago(days).toISOString(),
    ...(handled
      ? {
          replacedBy: "AKIANEW0000000000001",
          revokedAt: ago(days).toISOString(),
          handledAt: ago(days).toISOString(),
        }
      : {}),
  });
  const prod = accountFacts(
    {
      ...inputs({
        ci: { keys: [reported(1)], record: { incidents: [exposed("AKIAOLD0000000000001", 9, true)] } },
        app: { keys: [reported(2)], record: { incidents: [exposed("AKIAOPEN000000000001", 1, false)] } },
      }),
      name: "Prod",
    },
    SETTINGS,
    NOW,
  );
  const data = accountFacts(inputs({ etl: { keys: [reported(5)] } }, "222222222222"), SETTINGS, NOW);
  const report = aggregate([prod, data], SETTINGS, NOW);

  it("appends each account's open and handled incidents to the report's columns, and their totals", () => {
    // Act
    const rows = parseCsv(renderCsv(report));

    // Assess
    const at = CSV_COLUMNS.indexOf("openIncidents");
    expect(CSV_COLUMNS.slice(at, at + 2)).toEqual(["openIncidents", "handledIncidents"]);
    expect(rows.map((r) => r.slice(at, at + 2))).toEqual([
      ["openIncidents", "handledIncidents"],
      ["1", "1"],
      ["0", "0"],
      ["1", "1"],
    ]);
  });

  it("lists them in a file of their own: one row per exposed key, the most recent first", () => {
    // Act
    const csv = renderIncidentsCsv(report);

    // Assess
    expect(csv.endsWith("\r\n")).toBe(true);
    const [header, ...rows] = parseCsv(csv);
    expect(header).toEqual([...INCIDENT_CSV_COLUMNS]);
    const byName = (row: string[] | undefined) =>
      Object.fromEntries(INCIDENT_CSV_COLUMNS.map((c, i) => [c, row?.[i]]));
    expect(rows.map(byName)).toEqual([
      {
        accountId: "111122223333",
        accountName: "Prod",
        userName: "app",
        keyId: "AKIAOPEN000000000001",
        state: "open",
        trigger: "cli",
        response: "revoke",
        openedAt: ago(1).toISOString(),
        replacedBy: "",
        revokedAt: "",
        deletedAt: "",
        handledAt: "",
        source: "cli-run-1",
        reason: '\'=HYPERLINK("https://evil.example"), pasted',
      },
      expect.objectContaining({
        userName: "ci",
        keyId: "AKIAOLD0000000000001",
        state: "handled",
        replacedBy: "AKIANEW0000000000001",
        handledAt: ago(9).toISOString(),
      }),
    ]);
  });

  it("is a header alone when there are none", () => {
    // Act
    const csv = renderIncidentsCsv(aggregate([data], SETTINGS, NOW));

    // Assess
    expect(parseCsv(csv)).toEqual([[...INCIDENT_CSV_COLUMNS]]);
  });
});
