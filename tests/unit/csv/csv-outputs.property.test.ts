import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatCsv, PLAN_COLUMNS, type PlanRow } from "../../../cli/plan";
import { aggregate } from "../../../shared/report/aggregate";
import { accountFacts, unreadableAccount } from "../../../shared/report/facts";
import { CSV_COLUMNS, renderCsv } from "../../../shared/report/render-csv";
import { parseCsv } from "../../support/csv";
import { inputs, NOW, reported, SETTINGS } from "../report/fixtures";

// Every CSV keyrotor writes (`keyrotor plan --format csv`, the report's CSV) is opened in spreadsheets,
// and its names come from the people keyrotor manages: an account name or an IAM user name may start
// with = + - @ (IAM allows them), a provider's error may start with anything.

/** What a spreadsheet would run as a formula at the start of a cell. */
const FORMULA_START = /^[=+\-@\t\r]/;

/** Text from outside keyrotor: often starting with a formula character, with CSV's own specials. */
const hostile = fc.oneof(
  fc.string({ unit: fc.constantFrom("=", "+", "-", "@", "\t", "\r", "\n", ",", '"', "'", "a", "1", " ") }),
  fc.tuple(fc.constantFrom("=", "+", "-", "@", "\t", "\r"), fc.string()).map(([c, s]) => c + s),
  fc.string(),
);

/**
 * Checks one CSV: every cell that starts like a formula is in a column keyrotor fills with numbers it
 * computed, and is such a number; every other cell reads back as the text given, or that text behind `'`.
 */
function assessCsv(csv: string, numeric: ReadonlySet<string>, given: readonly (readonly unknown[])[]) {
  const [header, ...rows] = parseCsv(csv);
  expect(rows).toHaveLength(given.length);
  rows.forEach((row, r) => {
    row.forEach((cell, c) => {
      const column = header?.[c] ?? "";
      const value = given[r]?.[c];
      if (FORMULA_START.test(cell)) {
        expect(numeric.has(column), `${column}: ${JSON.stringify(cell)}`).toBe(true);
        expect(typeof value, `${column}: ${JSON.stringify(cell)}`).toBe("number");
      }
      if (typeof value === "number") expect(Number(cell)).toBe(value);
      else if (typeof value === "string") expect([value, `'${value}`]).toContain(cell);
    });
  });
}

const planRow = fc.record({
  accountId: hostile,
  accountName: hostile,
  userName: hostile,
  keyId: hostile,
  status: hostile,
  ageDays: fc.option(fc.integer({ min: -400, max: 4000 }), { nil: null }),
  lastUsed: hostile,
  decision: hostile,
  due: hostile,
  policy: hostile,
}) satisfies fc.Arbitrary<PlanRow>;

describe("every CSV keyrotor writes: no cell a spreadsheet would run", () => {
  it("keyrotor plan --format csv, whatever the names, keys and messages (ages negative too)", () => {
    fc.assert(
      fc.property(fc.array(planRow, { maxLength: 6 }), (rows: PlanRow[]) => {
        // Act
        const csv = formatCsv(rows);
        // Assess
        const given = rows.map((r) => PLAN_COLUMNS.map((c) => (r[c] === null ? "" : r[c])));
        assessCsv(csv, new Set(["ageDays"]), given);
      }),
    );
  });

  it("the report's CSV, whatever the account names and errors", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ name: hostile, error: fc.option(hostile, { nil: undefined }) }), {
          minLength: 1,
          maxLength: 4,
        }),
        (accounts) => {
          // Prepare
          const facts = accounts.map((a, i) => {
            const id = String(100000000000 + i);
            return a.error === undefined
              ? accountFacts(
                  { ...inputs({ "=u": { keys: [reported(95)] } }, id), name: a.name },
                  SETTINGS,
                  NOW,
                )
              : unreadableAccount(id, a.name, a.error);
          });
          const report = aggregate(facts, SETTINGS, NOW);
          // Act
          const csv = renderCsv(report);
          // Assess: the text columns as given; the TOTAL row's words are keyrotor's own
          const text = new Set(["accountId", "accountName", "error"]);
          const numeric = new Set(CSV_COLUMNS.filter((c) => !text.has(c)));
          const given = report.accounts.map((a) => [a.accountId, a.name, a.error ?? ""]);
          assessCsv(csv, numeric, [...given, ["TOTAL"]]);
        },
      ),
    );
  });
});
