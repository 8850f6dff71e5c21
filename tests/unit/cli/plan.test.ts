import { describe, expect, it } from "vitest";
import { formatCsv, formatTable, type PlanRow, planRows } from "../../../cli/plan";
import type { AccountOutcome } from "../../../cli/sweep";
import type { AdviceReport, DeliveryReport, HoldReport, UserReport } from "../../../shared/rotation";
import { accountReport, JOB, userReport } from "../notices/fixtures";

const NOW = new Date(JOB.asOf);
const GITHUB = "GitHub Actions secrets of repository acme/app";
const SSM = "SSM parameters /keyrotor/ci/alice/*";
const DENIED = "HTTP 401 (Bad credentials)";
const FIX = "put a valid token in keyrotor-tokens/github";
const keys = [
  { id: "AKIAOLD", status: "Active", createdAt: "2026-02-20T06:00:00.000Z" },
  { id: "AKIANEW", status: "Active", createdAt: "2026-05-22T06:00:00.000Z" },
];
const deliveries: DeliveryReport[] = [
  { destination: SSM, keyId: "AKIANEW", outcome: "done", confirmedAt: "2026-05-22T06:00:00.000Z" },
  {
    destination: GITHUB,
    keyId: "AKIANEW",
    outcome: "waiting",
    failingSince: "2026-05-22T06:00:00.000Z",
    attempts: 10,
    error: { name: "DeliveryError", message: `${DENIED}\nsee the docs` },
    fix: FIX,
  },
];
const undelivered: HoldReport = {
  keyId: "AKIAOLD",
  reason: "undelivered",
  dueOn: "2026-06-01T06:00:00.000Z",
  destinations: [GITHUB],
};

const outcomeOf = (...users: UserReport[]): AccountOutcome[] => [
  { job: JOB, report: accountReport(users, "audit"), notice: "none" },
];
const held = userReport({ keys, deliveries, holds: [undelivered] });
const rowsOf = (...users: UserReport[]) => planRows(outcomeOf(...users), new Map(), NOW);

describe("keyrotor plan: deliveries and holds", () => {
  it("gives each delivery a row after the user's keys, and a held key its hold", () => {
    // Act
    const rows = rowsOf(held);
    // Assess
    expect(rows.map((r) => [r.keyId, r.decision, r.due])).toEqual([
      ["AKIAOLD", "held: until 1 destination confirms the new key", "2026-06-01T06:00:00.000Z"],
      ["AKIANEW", "keep", ""],
      ["AKIANEW", `delivered to ${SSM}`, "2026-05-22T06:00:00.000Z"],
      [
        "AKIANEW",
        `delivery to ${GITHUB} failing, not retried (10 attempts): ${DENIED}\nsee the docs; fix: ${FIX}`,
        "2026-05-22T06:00:00.000Z",
      ],
    ]);
  });

  it("names the other holds: in use until a date, re-activated by a person", () => {
    // Prepare
    const user = userReport({
      keys,
      holds: [{ keyId: "AKIAOLD", reason: "in-use", dueOn: JOB.asOf, until: "2026-06-11T06:00:00.000Z" }],
    });
    const reactivated = userReport({
      userName: "bob",
      keys,
      reactivated: ["AKIAOLD"],
      holds: [{ keyId: "AKIAOLD", reason: "reactivated", dueOn: JOB.asOf }],
    });
    // Act
    const decisions = rowsOf(user, reactivated)
      .filter((r) => r.keyId === "AKIAOLD")
      .map((r) => r.decision);
    // Assess
    expect(decisions).toEqual([
      "held: in use (at most until 2026-06-11)",
      "held: re-activated by a person, left Active",
    ]);
  });

  it("JSON keeps the report's delivery, hold and use after replacement as they are", () => {
    // Prepare
    const stillUsed = { keyId: "AKIAOLD", lastUsedAt: "2026-05-31T22:00:00.000Z", service: "s3" };
    // Act
    const rows = JSON.parse(JSON.stringify(rowsOf({ ...held, stillUsed: [stillUsed] }))) as PlanRow[];
    // Assess
    expect(rows[0]).toMatchObject({ keyId: "AKIAOLD", hold: undelivered, stillUsed });
    expect(rows.filter((r) => r.delivery).map((r) => r.delivery)).toEqual(deliveries);
    expect(rows[1]).not.toHaveProperty("delivery");
  });

  it("CSV keeps its header and gives each delivery a row, quoted where its words need it", () => {
    // Act
    const [header, ...lines] = formatCsv(rowsOf(held)).split("\n");
    // Assess
    expect(header).toBe("accountId,accountName,userName,keyId,status,ageDays,lastUsed,decision,due");
    expect(lines[0]).toBe(
      `111122223333,Prod <main>,alice,AKIAOLD,Active,101,,held: until 1 destination confirms the new key,2026-06-01T06:00:00.000Z`,
    );
    // A delivery's row has no status: its "-" is text, written behind ' like any cell that starts with -
    expect(lines[2]).toBe(
      `111122223333,Prod <main>,alice,AKIANEW,'-,,,delivered to ${SSM},2026-05-22T06:00:00.000Z`,
    );
    expect(lines.slice(3).join("\n")).toBe(
      `111122223333,Prod <main>,alice,AKIANEW,'-,,,"delivery to ${GITHUB} failing, not retried (10 attempts): ${DENIED}\nsee the docs; fix: ${FIX}",2026-05-22T06:00:00.000Z`,
    );
  });

  it("the table keeps its key columns and lists deliveries below, an error on the line under its delivery", () => {
    // Act
    const lines = formatTable(rowsOf(held)).split("\n");
    // Assess
    expect(lines[0]).toMatch(/^ACCOUNT\s+NAME\s+USER\s+KEY\s+STATUS\s+AGE\s+LAST USED\s+DECISION\s+DUE$/);
    expect(lines[1]).toMatch(
      /alice\s+AKIAOLD\s+Active\s+101\s+held: until 1 destination confirms the new key\s+2026-06-01$/,
    );
    expect(lines.slice(3)).toEqual([
      "",
      expect.stringMatching(/^ACCOUNT\s+USER\s+KEY\s+DELIVERY\s+SINCE\s+ATTEMPTS\s+DESTINATION$/),
      expect.stringMatching(/^111122223333\s+alice\s+AKIANEW\s+done\s+2026-05-22\s+SSM parameters/),
      expect.stringMatching(
        /^111122223333\s+alice\s+AKIANEW\s+waiting\s+2026-05-22\s+10\s+GitHub Actions secrets of repository acme\/app$/,
      ),
      `    error: ${DENIED} see the docs; fix: ${FIX}`,
    ]);
  });

  it("prints no delivery table, and no delivery rows, for users without destinations", () => {
    // Prepare
    const plain = userReport({ keys });
    // Act
    const rows = rowsOf(plain);
    // Assess
    expect(rows).toHaveLength(2);
    expect(formatTable(rows)).not.toMatch(/DELIVERY|DESTINATION/);
    expect(formatCsv(rows).split("\n")).toHaveLength(3);
  });
});

describe("keyrotor plan: advice on getting rid of the keys", () => {
  const remove: AdviceReport = {
    kind: "remove",
    keys: ["AKIAOLD"],
    summary: "Remove the unused key AKIAOLD",
    why: "AKIAOLD was never used in its 101 days",
  };
  const oidc: AdviceReport = {
    kind: "oidc",
    keys: ["AKIANEW"],
    summary: "Replace the key with role keyrotor-alice, assumed with OIDC tokens from GitHub Actions",
    why: "The key goes only to CI",
  };
  const advised = userReport({
    keys: [...keys, { id: "AKIAGONE", status: "Inactive", createdAt: "2026-01-01T06:00:00.000Z" }],
    advice: [remove, oidc],
  });

  it("JSON gives each Active key the advice that covers it, as the report has it", () => {
    // Act
    const rows = JSON.parse(JSON.stringify(rowsOf(advised))) as PlanRow[];
    // Assess
    expect(rows.map((r) => [r.keyId, r.advice])).toEqual([
      ["AKIAOLD", remove],
      ["AKIANEW", oidc],
      ["AKIAGONE", undefined],
    ]);
  });

  it("the table shows each key's advice on the line under it, and keeps its columns", () => {
    // Act
    const lines = formatTable(rowsOf(advised)).split("\n");
    // Assess
    expect(lines[0]).toMatch(/^ACCOUNT\s+NAME\s+USER\s+KEY\s+STATUS\s+AGE\s+LAST USED\s+DECISION\s+DUE$/);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/alice\s+AKIAOLD\s+Active\s+101\s+keep$/),
      `    advice (remove): ${remove.summary}`,
      expect.stringMatching(/alice\s+AKIANEW\s+Active\s+10\s+keep$/),
      `    advice (oidc): ${oidc.summary}`,
      expect.stringMatching(/alice\s+AKIAGONE\s+Inactive\s+151\s+keep$/),
    ]);
  });

  it("CSV keeps its header and columns: the advice is not a CSV column", () => {
    // Act
    const csv = formatCsv(rowsOf(advised));
    // Assess
    expect(csv.split("\n")[0]).toBe(
      "accountId,accountName,userName,keyId,status,ageDays,lastUsed,decision,due",
    );
    expect(csv).not.toMatch(/advice|Remove the unused|OIDC/);
  });
});

describe("keyrotor plan: the reason a user is blocked", () => {
  it("is the reason that blocks: a secret keyrotor did not create, not 'two keys'", () => {
    // Prepare: one key, due, and a secret at the user's name someone else created
    const detail = "secret keyrotor/alice exists but keyrotor did not create it";
    const foreign = userReport({
      status: "blocked",
      reason: detail,
      keys: [keys[0] as UserReport["keys"][number]],
      findings: [{ kind: "foreign-secret", outcome: "noted", detail }],
    });
    const twoKeys = userReport({
      userName: "bob",
      status: "blocked",
      reason: "rotation of AKIANEW is due but the user already has two keys and neither may be deleted yet",
      keys,
    });

    // Act
    const decisions = rowsOf(foreign, twoKeys)
      .filter((r) => r.keyId !== "-")
      .map((r) => [r.userName, r.keyId, r.decision]);

    // Assess
    expect(decisions).toContainEqual(["alice", "AKIAOLD", `blocked: ${detail}`]);
    expect(decisions).toContainEqual(["bob", "AKIANEW", "blocked: two keys, none deletable yet"]);
  });
});
