import { describe, expect, it } from "vitest";
import { aggregate } from "../../../shared/report/aggregate";
import { renderDigest } from "../../../shared/report/digest";
import { accountFacts } from "../../../shared/report/facts";
import { CSV_COLUMNS, renderCsv } from "../../../shared/report/render-csv";
import { renderHtml } from "../../../shared/report/render-html";
import { renderJson } from "../../../shared/report/render-json";
import { parseCsv } from "../../support/csv";
import { inputs, NOW, reported, SETTINGS } from "./fixtures";

const STORED = {
  partition: "aws",
  region: "eu-west-1",
  bucket: "keyrotor-reports",
  key: "reports/2026-06-01T06-00-00Z.html",
  retentionDays: 90,
};
const EXEMPT = { "keyrotor:exempt": "true" };
const visible = (html: string) =>
  html
    .replace(/<(style|script|title)\b[^>]*>[\s\S]*?<\/\1>/g, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/\s+/g, " ");

/** The report of one account of `users`, rendered every way. */
function rendered(users: Parameters<typeof inputs>[0]) {
  const report = aggregate([accountFacts(inputs(users), SETTINGS, NOW)], SETTINGS, NOW);
  const csv = parseCsv(renderCsv(report));
  const column = CSV_COLUMNS.indexOf("needingAPerson");
  return {
    report,
    card: /Users who need a person (\d+)/.exec(visible(renderHtml(report)))?.[1],
    json: JSON.parse(renderJson(report)).totals.needingAPerson,
    csv: [csv[1]?.[column], csv.at(-1)?.[column]],
    digest: renderDigest(report, STORED),
  };
}

describe("who needs a person: one count for the report, its JSON, its CSV and the digest", () => {
  it("leaves out exempt users whose keys are under IAM.3's 90 days: someone chose to exempt them", () => {
    // Prepare: three exempt users with young keys, nobody else
    const users = {
      a: { keys: [reported(10)], tags: EXEMPT },
      b: { keys: [reported(20)], tags: EXEMPT },
      c: { keys: [reported(89)], tags: EXEMPT },
    };

    // Act
    const { card, json, csv, digest, report } = rendered(users);

    // Assess
    expect(report.attention).toHaveLength(3);
    expect(card).toBe("0");
    expect(json).toBe(0);
    expect(csv).toEqual(["0", "0"]);
    expect(digest.subject).toContain("0 need a person");
    expect(digest.text).toContain("Nobody.");
  });

  it("counts an exempt user with a key past 90 days and a blocked one, alike everywhere", () => {
    // Prepare: exempt with a 120-day key (IAM.3 fails and keyrotor will never rotate it), exempt and
    // young, and one blocked (two keys past rotation, neither deletable)
    const users = {
      "old-exempt": { keys: [reported(120)], tags: EXEMPT },
      "young-exempt": { keys: [reported(5)], tags: EXEMPT },
      stuck: { keys: [reported(95), reported(91)] },
    };

    // Act
    const { card, json, csv, digest } = rendered(users);

    // Assess
    expect(card).toBe("2");
    expect(visible(renderHtml(rendered(users).report))).toContain(
      "Exempt: 2 users, left alone on purpose (exemption group or tag); one whose key is 90 days old or more needs a person, as IAM.3 fails it",
    );
    expect(json).toBe(2);
    expect(csv).toEqual(["2", "2"]);
    expect(digest.subject).toContain("2 need a person");
    expect(digest.text).toContain(
      "old-exempt: exempt, oldest key 120 days: exempt by tag keyrotor:exempt; IAM.3 fails its key and keyrotor never rotates it",
    );
    expect(digest.text).toContain("stuck: blocked");
    expect(digest.text).not.toContain("young-exempt:");
    expect(digest.text).toContain("1 user is exempt with keys under 90 days: listed in the full report.");
  });
});
