import { describe, expect, it } from "vitest";
import { FakeAccount } from "../../../scripts/lib/fake-account";
import { bindingSchema } from "../../../shared/destinations/schema";
import { AwsCallError, CredentialReportError } from "../../../shared/errors";
import { MemoryLedger } from "../../../shared/ledger/memory-ledger";
import { addDays } from "../../../shared/lifecycle";
import { buildOrgReport, type ReportConfig } from "../../../shared/report/build-report";
import type { AccountInfo } from "../../../shared/scheduling/select";
import { memoryLog } from "../../support/log";
import { NOW, SETTINGS } from "./fixtures";

const CONFIG: ReportConfig = {
  ...SETTINGS,
  includeAccounts: [],
  excludeAccounts: [],
  includeOus: [],
  excludeOus: ["ou-ab12-cd34ef56"],
};
const account = (id: string, name: string, state = "ACTIVE"): AccountInfo => ({
  id,
  name,
  email: `${name}@example.com`,
  state,
});
const key = (id: string, age: number) => ({ id, status: "Active" as const, createdAt: addDays(NOW, -age) });

/** An organization of fake accounts; every IAM call made through the opener is kept by name. */
function organization() {
  const accounts = new Map<string, FakeAccount>();
  const calls: string[] = [];
  const opened: string[] = [];
  const ledger = new MemoryLedger();
  const infos = [
    account("111111111111", "Prod"),
    account("222222222222", "Empty"),
    account("333333333333", "Locked"),
    account("444444444444", "Sandbox"),
    account("555555555555", "Closed", "SUSPENDED"),
    account("666666666666", "ReportDown"),
  ];
  const prod = new FakeAccount()
    .addUser("app", [key("AKIA1", 95), key("AKIA2", 91)])
    .addUser("ci", [key("AKIA3", 10)]);
  accounts.set("111111111111", prod);
  accounts.set("222222222222", new FakeAccount().addUser("nobody", []));
  accounts.set("444444444444", new FakeAccount().addUser("dev", [key("AKIA4", 200)]));
  const down = new FakeAccount().addUser("x", [key("AKIA5", 1)]);
  down.failing.add("GetCredentialReport");
  accounts.set("666666666666", down);
  const ports = {
    organization: {
      listAccounts: async () => infos,
      listAccountIdsUnder: async (ou: string) => new Set(ou === "ou-ab12-cd34ef56" ? ["444444444444"] : []),
    },
    openAccount: async (accountId: string, runId: string) => {
      opened.push(`${accountId} ${runId}`);
      const fake = accounts.get(accountId);
      if (!fake) throw new AwsCallError("STS", "AssumeRole", "AccessDenied", "not authorized");
      const iam = new Proxy(fake, {
        get(target, name, receiver) {
          const value = Reflect.get(target, name, receiver);
          if (typeof value !== "function") return value;
          return (...args: unknown[]) => {
            calls.push(`${accountId} ${String(name)}`);
            return value.apply(target, args);
          };
        },
      });
      return { iam, secrets: fake };
    },
    ledger,
    log: memoryLog(),
  };
  return { ports, calls, opened, ledger, accounts };
}

/** Makes the account's credential report one with a row that cannot be read for certain. */
function unreadableReport(fake: FakeAccount | undefined, accountId: string) {
  if (!fake) throw new Error(`no account ${accountId}`);
  fake.credentialReport = async () => {
    throw new CredentialReportError(accountId, [
      { line: 3, problem: "user ci: the ARN does not end with /ci" },
    ]);
  };
}

describe("buildOrgReport", () => {
  it("reads each account in scope with its credential report and directory, a call only per user failing IAM.3", async () => {
    // Prepare
    const { ports, calls, opened } = organization();
    // Act
    const report = await buildOrgReport(ports, CONFIG, NOW);
    // Assess
    expect(report.accounts.map((a) => a.name)).toEqual(["Prod", "Empty", "Locked", "ReportDown"]);
    expect(opened.every((o) => / report-20260601T060000000Z$/.test(o))).toBe(true);
    expect(calls.sort()).toEqual([
      "111111111111 credentialReport",
      // app's keys fail IAM.3 (95 and 91 days): their ids are listed, for that user alone
      "111111111111 listAccessKeys",
      "111111111111 userDirectory",
      // No user of Empty has a key: its directory is not needed.
      "222222222222 credentialReport",
      "666666666666 credentialReport",
    ]);
    expect(report.totals).toMatchObject({ accounts: 4, unreadableAccounts: 2, users: 3, activeKeys: 3 });
    expect(report.attention).toEqual([
      expect.objectContaining({
        accountId: "111111111111",
        userName: "app",
        kind: "blocked",
        oldestKeyDays: 95,
      }),
    ]);
  });

  it("names the keys that fail IAM.3 by the ids IAM lists, and reads on without them when it cannot list", async () => {
    // Prepare
    const { ports, accounts } = organization();
    accounts.get("111111111111")?.addUser("legacy", [key("AKIA9", 300)]);
    const prod = accounts.get("111111111111");
    const list = prod?.listAccessKeys.bind(prod);
    if (prod && list) {
      prod.listAccessKeys = async (user) => {
        if (user === "legacy") throw new AwsCallError("IAM", "ListAccessKeys", "Throttling", "slow down");
        return list(user);
      };
    }
    // Act
    const report = await buildOrgReport(ports, CONFIG, NOW);
    // Assess
    expect(report.failingIam3?.map((k) => [k.userName, k.keyId, k.ageDays])).toEqual([
      ["legacy", null, 300],
      ["app", "AKIA1", 95],
      ["app", "AKIA2", 91],
    ]);
    expect(report.accounts[0]?.error).toBeUndefined();
  });

  it("names every account of the organization it leaves out, and why, without opening it", async () => {
    // Prepare
    const { ports, opened } = organization();
    // Act
    const report = await buildOrgReport(ports, CONFIG, NOW);
    // Assess
    expect(report.outOfScope).toEqual([
      { accountId: "444444444444", name: "Sandbox", reason: "excluded by OU ou-ab12-cd34ef56" },
      { accountId: "555555555555", name: "Closed", reason: "not active (SUSPENDED)" },
    ]);
    expect(opened.some((o) => o.startsWith("444444444444") || o.startsWith("555555555555"))).toBe(false);
  });

  it("puts an account it cannot open or read in the report with its error, and logs it", async () => {
    // Prepare
    const { ports } = organization();
    // Act
    const report = await buildOrgReport(ports, CONFIG, NOW);
    // Assess
    const errors = Object.fromEntries(report.accounts.map((a) => [a.name, a.error]));
    expect(errors).toEqual({
      Prod: undefined,
      Empty: undefined,
      Locked: "STS AssumeRole failed (AccessDenied): not authorized",
      ReportDown: "Fake GetCredentialReport failed (InternalFailure): injected",
    });
    expect(ports.log.lines.filter((l) => l.includes('"account unreadable"'))).toHaveLength(2);
    expect(ports.log.lines.at(-1)).toMatch(/"message":"report built","accounts":4,"unreadableAccounts":2/);
  });

  it("lists an account whose credential report it cannot read for certain through IAM, with the same counts, and says so", async () => {
    // Prepare: Prod's ci key was used two days ago; the reference reads Prod from its report
    const reference = organization();
    const { ports, calls, accounts } = organization();
    for (const org of [reference, { accounts }])
      org.accounts.get("111111111111")?.lastUsed.set("AKIA3", addDays(NOW, -2));
    unreadableReport(accounts.get("111111111111"), "111111111111");
    const read = await buildOrgReport(reference.ports, CONFIG, NOW);
    // Act
    const report = await buildOrgReport(ports, CONFIG, NOW);
    // Assess: the same facts as the report would have given, and why they were listed
    const { reportFallback, ...listed } = report.accounts.find((a) => a.name === "Prod") ?? {};
    expect(listed).toEqual(read.accounts.find((a) => a.name === "Prod"));
    expect(reportFallback).toBe("1 row (line 3: user ci: the ARN does not end with /ci)");
    expect(report.totals).toEqual(read.totals);
    // Only the reads the reporter may make: the directory, each user's keys, each key's last use.
    expect(calls.filter((c) => c.startsWith("111111111111")).sort()).toEqual([
      "111111111111 credentialReport",
      "111111111111 getAccessKeyLastUse",
      "111111111111 getAccessKeyLastUse",
      "111111111111 getAccessKeyLastUse",
      "111111111111 listAccessKeys",
      "111111111111 listAccessKeys",
      "111111111111 userDirectory",
    ]);
    const warned = ports.log.lines.filter((l) => l.includes("credential report unreadable"));
    expect(warned).toHaveLength(1);
    expect(JSON.parse(warned[0] ?? "{}")).toMatchObject({
      level: "WARN",
      accountId: "111111111111",
      rows: 1,
    });
  });

  it("shows an account unreadable when the listing that replaces its credential report fails too", async () => {
    // Prepare
    const { ports, accounts } = organization();
    unreadableReport(accounts.get("111111111111"), "111111111111");
    accounts.get("111111111111")?.failing.add("ListAccessKeys");
    // Act
    const report = await buildOrgReport(ports, CONFIG, NOW);
    // Assess
    expect(report.accounts.find((a) => a.name === "Prod")).toMatchObject({
      users: 0,
      error: "Fake ListAccessKeys failed (InternalFailure): injected",
    });
  });

  it("counts the ledger's rotations of every account, and reads at most `concurrency` accounts at once", async () => {
    // Prepare
    const { ports, ledger } = organization();
    ledger.users.set(
      "111111111111",
      new Map([
        [
          "ci",
          {
            userName: "ci",
            recorded: {
              keyId: "AKIA3",
              versionId: "v",
              at: "2026-05-22T06:00:00.000Z",
              dueOn: "2026-05-20T06:00:00.000Z",
            },
          },
        ],
      ]),
    );
    let inFlight = 0;
    let most = 0;
    const load = ledger.loadAccount.bind(ledger);
    ledger.loadAccount = async (id) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      return load(id);
    };
    // Act
    const report = await buildOrgReport(ports, CONFIG, NOW, { concurrency: 2 });
    // Assess
    expect(most).toBe(2);
    expect(report.history).toEqual([
      { month: "2026-05", rotations: 1, medianDaysLate: 2 },
      { month: "2026-06", rotations: 0, medianDaysLate: null },
    ]);
  });

  it("sums the Active keys each account's runs recorded by month, an account it cannot open included", async () => {
    // Prepare: Prod's runs counted 4 keys in May and 3 in June; Locked's role is gone since May
    const { ports, ledger } = organization();
    const run = (activeKeysByMonth: Record<string, number>) => ({
      lastRunId: "r",
      lastRunAt: "2026-05-31T06:00:00.000Z",
      activeKeysByMonth,
    });
    ledger.runs.set("111111111111", run({ "2026-05": 4, "2026-06": 3 }));
    ledger.runs.set("333333333333", run({ "2026-04": 2 }));
    // Act
    const report = await buildOrgReport(ports, CONFIG, NOW);
    // Assess
    expect(report.trend?.slice(-3)).toEqual([
      { month: "2026-04", activeKeys: 2, accounts: 1, carried: 0 },
      { month: "2026-05", activeKeys: 6, accounts: 2, carried: 1 },
      // June: Prod's 3 and Empty's none as the report read them, Locked's 2 carried from April
      { month: "2026-06", activeKeys: 5, accounts: 3, carried: 1 },
    ]);
  });

  it("lists the ledger's incidents, those of an account it cannot open included, the most recent first", async () => {
    // Prepare: Prod's ci key was exposed and handled a week ago; Locked's role is gone, its incident open
    const { ports, ledger } = organization();
    const exposed = (keyId: string, days: number) => ({
      keyId,
      trigger: "health" as const,
      source: `arn:aws:health:global::event/IAM/AWS_RISK_CREDENTIALS_EXPOSED/${keyId}`,
      response: "revoke" as const,
      openedAt: addDays(NOW, -days).toISOString(),
    });
    await ledger.setIncidents("111111111111", "ci", [
      {
        ...exposed("AKIA3", 7),
        replacedBy: "AKIA9",
        revokedAt: addDays(NOW, -7).toISOString(),
        handledAt: addDays(NOW, -7).toISOString(),
      },
    ]);
    await ledger.setIncidents("333333333333", "old", [exposed("AKIA7", 1)]);
    // Act
    const report = await buildOrgReport(ports, CONFIG, NOW);
    // Assess
    expect(report.incidents?.map((i) => [i.accountId, i.userName, i.keyId, i.state])).toEqual([
      ["333333333333", "old", "AKIA7", "open"],
      ["111111111111", "ci", "AKIA3", "handled"],
    ]);
  });

  it("advises on the credential report's keys with the destinations the settings bind to each user", async () => {
    // Prepare: Prod's ci user delivers to GitHub only; its key was made 10 days ago and is in use
    const { ports } = organization();
    const config: ReportConfig = {
      ...CONFIG,
      deliveries: [
        bindingSchema.parse({
          account: "111111111111",
          user: "ci",
          destinations: [{ type: "github", repository: "acme/app", tokenSecret: "keyrotor-tokens/github" }],
        }),
      ],
    };
    // Act
    const report = await buildOrgReport(ports, config, NOW);
    // Assess: app's two keys were never used in 90 days and more; ci's goes to GitHub only
    expect(report.accounts.find((a) => a.name === "Prod")?.byAdvice).toEqual({
      remove: 2,
      oidc: 1,
      "scoped-role": 0,
      "roles-anywhere-or-identity-center": 0,
    });
  });

  it("fails only when the organization cannot be listed", async () => {
    // Prepare
    const { ports } = organization();
    const failing = {
      ...ports,
      organization: {
        ...ports.organization,
        listAccounts: async () => {
          throw new AwsCallError("Organizations", "ListAccounts", "AccessDenied", "no");
        },
      },
    };
    // Act
    const built = buildOrgReport(failing, CONFIG, NOW);
    // Assess
    await expect(built).rejects.toThrow("Organizations ListAccounts failed (AccessDenied): no");
  });
});
