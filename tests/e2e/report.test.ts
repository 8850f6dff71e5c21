import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  type IAMClient,
  ListAccessKeysCommand,
} from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runCaptured } from "../../cli/io";
import type { SweepResult } from "../../cli/sweep";
import {
  clientsIn,
  createOrganization,
  createUsers,
  type Organization,
  verifySender,
} from "../../scripts/lib/emulator";
import { type Moto, startMoto } from "../../scripts/lib/moto";
import { CSV_COLUMNS } from "../../shared/report/render-csv";
import type { OrgReport } from "../../shared/report/types";
import { parseCsv } from "../support/csv";
import { schemaProblems } from "../support/json-schema";
import { stubMotoEnv } from "../support/moto-env";

/**
 * The report against an organization built here, on a simulated timeline (moto's clock):
 * day 0   Prod: app (one key), stuck (two keys), auditor (one key, exempt by tag); Data: old (one Inactive key)
 * day 10  Data: batch (one key), used on day 60
 * day 25  Prod: fresh (one key)
 * day 50  Data: newbie (one key), used the same day
 * day 91  keyrotor run (enforce): app's key rotated 1 day late, stuck blocked, the rest left as they are
 * day 97  keyrotor report, its settings now delivering app's key to a GitHub environment
 */

let moto: Moto;
let org: Organization;
let dir: string;
let configPath: string;
/** The run's settings, and app's key bound to a GitHub environment: the OIDC role's case. */
let reportConfigPath: string;
let day91: string;
let day97: string;
const secrets = new Map<string, { id: string; secret: string }>();

/** The CLI's clock is moto's: a run on a simulated day is a run at the present time. */
const cli = (...args: string[]) => runCaptured(args, { ...process.env }, () => moto.now());
/** `keyrotor report` of the organization on day 97, under the report's settings. */
const report97 = (...args: string[]) =>
  cli("report", "--config", reportConfigPath, "--as-of", day97, ...args);
const at = (day: number) => {
  moto.setClockOffsetDays(day);
  return moto.now().toISOString();
};
const iamOf = async (name: string) => (await clientsIn(org.accounts[name]?.id ?? "")).iam;

/** A user with one Active key whose secret the test keeps, to use it later. */
async function userWithKey(iam: IAMClient, name: string) {
  await iam.send(new CreateUserCommand({ UserName: name }));
  const out = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  secrets.set(name, { id: out.AccessKey?.AccessKeyId ?? "", secret: out.AccessKey?.SecretAccessKey ?? "" });
}

/** One signed call with the user's own key: moto records it as the key's last use. */
async function useKey(name: string) {
  const key = secrets.get(name);
  const credentials = { accessKeyId: key?.id ?? "", secretAccessKey: key?.secret ?? "" };
  await new STSClient({ region: "us-east-1", credentials }).send(new GetCallerIdentityCommand({}));
}

beforeAll(async () => {
  moto = await startMoto();
  stubMotoEnv(moto.endpoint);
  org = await createOrganization([{ name: "Prod" }, { name: "Data" }, { name: "Gone", closed: true }]);
  await verifySender("keyrotor@example.com");
  expect((await cli("ledger", "init")).code).toBe(0);
  dir = mkdtempSync(join(tmpdir(), "keyrotor-report-"));
  configPath = join(dir, "config.json");
  writeFileSync(configPath, JSON.stringify({ senderEmail: "keyrotor@example.com" }));
  reportConfigPath = join(dir, "report-config.json");
  writeFileSync(
    reportConfigPath,
    JSON.stringify({
      senderEmail: "keyrotor@example.com",
      deliveryKmsKeyId: "alias/keyrotor-delivery",
      deliveries: [
        {
          account: org.accounts.Prod?.id,
          user: "app",
          destinations: [
            {
              type: "github",
              repository: "acme/app",
              environment: "prod",
              tokenSecret: "keyrotor-tokens/github",
            },
          ],
        },
      ],
    }),
  );

  const prod = await iamOf("Prod");
  const data = await iamOf("Data");
  at(0);
  await createUsers(prod, [
    { name: "app", keys: ["Active"] },
    { name: "stuck", keys: ["Active", "Active"] },
    { name: "auditor", keys: ["Active"], tags: { "keyrotor:exempt": "true" } },
  ]);
  await createUsers(data, [{ name: "old", keys: ["Inactive"] }]);
  at(10);
  await userWithKey(data, "batch");
  at(25);
  await createUsers(prod, [{ name: "fresh", keys: ["Active"] }]);
  at(50);
  await userWithKey(data, "newbie");
  await useKey("newbie");
  at(60);
  await useKey("batch");

  day91 = at(91);
  const run = await cli("run", "--config", configPath, "--as-of", day91, "--mode", "enforce", "--json");
  expect(run.code).toBe(0);
  const users = (JSON.parse(run.stdout) as SweepResult).accounts.flatMap((a) => a.report?.users ?? []);
  expect(users.find((u) => u.userName === "app")?.actions).toMatchObject([
    { kind: "create", outcome: "done" },
  ]);
  expect(users.find((u) => u.userName === "stuck")?.status).toBe("blocked");
  day97 = at(97);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await moto?.stop();
});

describe("keyrotor report", () => {
  it("JSON: counts by age band and last use, compliance shares, the next 14 days, who needs a person", async () => {
    // Act
    const { code, stdout, stderr } = await report97("--format", "json");
    // Assess
    expect(code).toBe(0);
    expect(stderr).toBe("report: 3 accounts, 8 active keys, 2 users needing a person");
    const report = JSON.parse(stdout) as OrgReport;
    expect(schemaProblems("report", report)).toEqual([]);
    expect(report.generatedAt).toBe(day97);
    // The management account, Prod and Data; the closed account is out of scope.
    expect(report.accounts.map((a) => a.accountId).sort()).toEqual(
      [org.accounts.management?.id, org.accounts.Prod?.id, org.accounts.Data?.id].sort(),
    );
    expect(report.totals).toEqual({
      accounts: 3,
      unreadableAccounts: 0,
      // stuck (blocked) and auditor (exempt, but its key is 97 days old: IAM.3 fails it)
      needingAPerson: 2,
      users: 7,
      usersWithKeys: 7,
      keys: 9,
      activeKeys: 8,
      // app's new key (6 days), fresh (72), newbie (47) | batch (87) | app's old key, stuck's two, auditor (97)
      byAge: { "<80": 3, "80-90": 1, "90-100": 4, "100-110": 0, ">=110": 0 },
      // app's new key (verified on day 91: moto's credential report names no service, so keyrotor
      // cannot tell its own check and counts it) and batch (day 60) | newbie (day 50) | the rest never
      byUse: { never: 5, "<45": 2, "45-90": 1, ">=90": 0 },
      rotationCompliant: 4,
      iam3Compliant: 4,
      usageCompliant: 2,
      byAdvice: expect.any(Object),
    });
    expect(report.totals.rotationCompliant / report.totals.activeKeys).toBe(0.5);
    expect(report.totals.usageCompliant / report.totals.activeKeys).toBe(0.25);
    // batch rotates on day 100; app's old key (day 101) and one of stuck's (day 100) are deactivated;
    // old's Inactive key is deleted on day 110
    expect(report.upcoming).toEqual({ rotations: 1, deactivations: 2, deletions: 1 });
    const prod = report.accounts.find((a) => a.name === "Prod");
    expect(prod?.upcoming).toEqual({ rotations: 0, deactivations: 2, deletions: 0 });
    expect(report.attention).toEqual([
      expect.objectContaining({
        accountId: org.accounts.Prod?.id,
        userName: "stuck",
        kind: "blocked",
        oldestKeyDays: 97,
        since: expect.stringMatching(/^\d{4}-/),
      }),
      {
        accountId: org.accounts.Prod?.id,
        userName: "auditor",
        kind: "exempt",
        reason: "exempt by tag keyrotor:exempt",
        oldestKeyDays: 97,
      },
    ]);
    const blockedSince = new Date(report.attention[0]?.since ?? "").getTime();
    expect(Math.round((new Date(day97).getTime() - blockedSince) / 86_400_000)).toBe(7);
    // The one rotation keyrotor recorded: on day 91, one day after it fell due.
    expect(report.history.reduce((n, m) => n + m.rotations, 0)).toBe(1);
    expect(report.history.find((m) => m.rotations === 1)?.medianDaysLate).toBe(1);
    expect(report.history.at(-1)?.month).toBe(day97.slice(0, 7));
  });

  it("JSON: the Active keys by advice, and the long-lived keys the real run counted for its month", async () => {
    // Act
    const { code, stdout } = await report97("--format", "json");
    // Assess
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as OrgReport;
    const byName = (name: string) => report.accounts.find((a) => a.name === name)?.byAdvice;
    // Prod: app's old key, stuck's two, auditor's and fresh's were never used in 72 days and more |
    // app's new key is in use (verified on day 91) and goes to GitHub only: an OIDC role
    expect(byName("Prod")).toEqual({
      remove: 5,
      oidc: 1,
      "scoped-role": 0,
      "roles-anywhere-or-identity-center": 0,
    });
    // Data: newbie's key was last used on day 50, 47 days ago | batch's on day 60, with STS: it
    // fetches other credentials, so no role scoped to what it does
    expect(byName("Data")).toEqual({
      remove: 1,
      oidc: 0,
      "scoped-role": 0,
      "roles-anywhere-or-identity-center": 1,
    });
    expect(report.totals.byAdvice).toEqual({
      remove: 6,
      oidc: 1,
      "scoped-role": 0,
      "roles-anywhere-or-identity-center": 1,
    });
    // The run on day 91 recorded each account's Active keys as the credential report it read showed
    // them as it started: Prod's five (before app's new key), Data's two, none in the management
    // account; nothing is counted before its month. The report's own month counts what the report
    // read: 8, the Active count beside it.
    const trend = report.trend ?? [];
    expect(trend).toHaveLength(24);
    expect(trend.at(-1)?.month).toBe(day97.slice(0, 7));
    const counted = trend.filter((m) => m.activeKeys !== null);
    expect(counted[0]).toMatchObject({ month: day91.slice(0, 7), accounts: 3, carried: 0 });
    expect(counted.at(-1)).toEqual({ month: day97.slice(0, 7), activeKeys: 8, accounts: 3, carried: 0 });
    expect(counted.at(-1)?.activeKeys).toBe(report.totals.activeKeys);
    if (day97.slice(0, 7) !== day91.slice(0, 7)) expect(counted[0]?.activeKeys).toBe(7);
  });

  it("JSON: names each key that fails IAM.3 by the id IAM holds, and the account out of scope with why", async () => {
    // Prepare: the Active keys 90 days old or more, as IAM lists them
    const prod = await iamOf("Prod");
    const old: [string, string][] = [];
    for (const user of ["app", "stuck", "auditor", "fresh"]) {
      const listed = await prod.send(new ListAccessKeysCommand({ UserName: user }));
      for (const k of listed.AccessKeyMetadata ?? []) {
        const days = (Date.parse(day97) - (k.CreateDate?.getTime() ?? 0)) / 86_400_000;
        if (k.Status === "Active" && days >= 90) old.push([user, k.AccessKeyId ?? ""]);
      }
    }
    // Act
    const { stdout } = await report97("--format", "json");
    // Assess: app's old key, stuck's two, auditor's, each 97 days old
    const report = JSON.parse(stdout) as OrgReport;
    expect(old).toHaveLength(4);
    expect(report.failingIam3?.map((k) => [k.userName, k.keyId]).sort()).toEqual(old.sort());
    expect(report.failingIam3?.every((k) => k.ageDays === 97 && k.accountId === org.accounts.Prod?.id)).toBe(
      true,
    );
    expect(report.outOfScope).toEqual([
      { accountId: org.accounts.Gone?.id, name: "Gone", reason: expect.stringMatching(/^not active \(/) },
    ]);
  });

  it("CSV lists: the keys failing IAM.3 and the accounts out of scope, as the JSON has them; --rows is for CSV", async () => {
    // Prepare
    const csv = (rows: string) => report97("--format", "csv", "--rows", rows);
    const json = await report97("--format", "json");
    const report = JSON.parse(json.stdout) as OrgReport;
    // Act
    const keys = await csv("failing-iam3");
    const scope = await csv("out-of-scope");
    const html = await report97("--rows", "incidents");

    // Assess
    expect(keys.code).toBe(0);
    const [, ...keyRows] = parseCsv(keys.stdout);
    expect(keyRows.map((r) => [r[2], r[3], Number(r[4])])).toEqual(
      (report.failingIam3 ?? []).map((k) => [k.userName, k.keyId, k.ageDays]),
    );
    expect(keyRows).toHaveLength(4);
    expect(parseCsv(scope.stdout).slice(1)).toEqual([
      [org.accounts.Gone?.id, "Gone", expect.stringMatching(/^not active \(/)],
    ]);
    expect(html.code).toBe(2);
    expect(html.stderr).toMatch(/^keyrotor: --rows chooses a CSV list: give it with --format csv, not html/);
  });

  it("CSV: one row per account and a TOTAL row that parse back to the same facts", async () => {
    // Act
    const { code, stdout } = await report97("--format", "csv");
    // Assess
    expect(code).toBe(0);
    const [header, ...rows] = parseCsv(`${stdout}\n`);
    expect(header).toEqual([...CSV_COLUMNS]);
    const byColumn = (row: string[] | undefined) =>
      Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, row?.[i]]));
    const total = byColumn(rows.at(-1));
    expect(total).toMatchObject({
      accountId: "TOTAL",
      accountName: "3 accounts",
      activeKeys: "8",
      age90to100: "4",
      rotationCompliantShare: "0.5",
      usageCompliantShare: "0.25",
      upcomingRotations: "1",
      upcomingDeletions: "1",
      blocked: "1",
      exempt: "1",
      adviceRemove: "6",
      adviceOidc: "1",
      adviceScopedRole: "0",
      adviceRolesAnywhereOrIdentityCenter: "1",
    });
    const data = byColumn(rows.find((r) => r[0] === org.accounts.Data?.id));
    expect(data).toMatchObject({
      accountName: "Data",
      users: "3",
      keys: "3",
      activeKeys: "2",
      age80to90: "1",
    });
    expect(rows).toHaveLength(4);
  });

  it("HTML to a file, and the path on stdout", async () => {
    // Prepare
    const file = join(dir, "report.html");
    // Act
    const { code, stdout } = await report97("--output", file);
    // Assess
    expect(code).toBe(0);
    expect(stdout).toBe(
      `wrote the html report to ${file}: 3 accounts, 8 active keys, 2 users needing a person`,
    );
    const html = readFileSync(file, "utf8");
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain("stuck");
  });
});
