import { describe, expect, it } from "vitest";
import { schemaProblems } from "../../support/json-schema";

// The published schema of `run --json` is strict: a field it does not know, a value outside its
// enums or an instant that is not one is a problem, so a change to the output has to change it too.

const user = {
  userName: "app",
  status: "ok",
  keys: [{ id: "AKIAAAAAAAAAAAAAAAAA", status: "Active", createdAt: "2026-12-07T00:00:00.000Z" }],
  actions: [],
  warnings: [],
  upcoming: [],
  secretName: "keyrotor/app",
  findings: [],
};
const output = (u: Record<string, unknown> = user) => ({
  runId: "cli-run-1",
  asOf: "2026-12-07T00:00:00.000Z",
  mode: "audit",
  skipped: [],
  accounts: [
    {
      job: {
        version: 1,
        runId: "cli-run-1",
        asOf: "2026-12-07T00:00:00.000Z",
        account: { id: "111122223333", name: "Prod", email: "prod@example.com" },
      },
      notice: "none",
      report: {
        accountId: "111122223333",
        runId: "cli-run-1",
        mode: "audit",
        now: "2026-12-07T00:00:00.000Z",
        previousRunAt: "2026-12-06T00:00:00.000Z",
        users: [u],
        unexaminedUsers: 0,
        failedUsers: 0,
        deferredUsers: 0,
      },
    },
  ],
});

describe("docs/schemas/run.schema.json", () => {
  it("accepts a well-formed sweep", () => {
    expect(schemaProblems("run", output())).toEqual([]);
  });

  it.each([
    ["an unknown field", { ...user, secretAccessKey: "x" }, "must NOT have additional properties"],
    [
      "a status it does not know",
      { ...user, status: "rotated" },
      "must be equal to one of the allowed values",
    ],
    ["an instant that is not one", { ...user, blockedSince: "yesterday" }, 'must match format "date-time"'],
    ["a missing required field", { ...user, findings: undefined }, "must have required property 'findings'"],
  ])("refuses %s, naming where", (_, changed, message) => {
    const problems = schemaProblems("run", JSON.parse(JSON.stringify(output(changed))));
    expect(problems.join("\n")).toContain(message);
    expect(problems[0]).toMatch(/^\/accounts\/0\/report\/users\/0/);
  });
});
