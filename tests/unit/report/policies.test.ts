import { describe, expect, it } from "vitest";
import { FakeAccount } from "../../../scripts/lib/fake-account";
import { parseConfig } from "../../../shared/config";
import { MemoryLedger } from "../../../shared/ledger/memory-ledger";
import { addDays } from "../../../shared/lifecycle";
import { buildOrgReport } from "../../../shared/report/build-report";
import { CSV_COLUMNS, renderCsv } from "../../../shared/report/render-csv";
import { renderHtml } from "../../../shared/report/render-html";
import { renderJson } from "../../../shared/report/render-json";
import { PolicyScopeError } from "../../../shared/rotation/rotate-account";
import { memoryLog } from "../../support/log";
import { NOW } from "./fixtures";

const PROD_OU = "ou-ab12-prod0001";
const [PROD, SANDBOX, OTHER] = ["111111111111", "222222222222", "333333333333"];
const key = (id: string, age: number) => ({ id, status: "Active" as const, createdAt: addDays(NOW, -age) });
const PRODUCTION = { mode: "enforce", rotateAfterDays: 30, deactivateAfterDays: 35, deleteAfterDays: 40 };

const config = (policies: object[]) =>
  parseConfig({
    senderEmail: "keyrotor@example.com",
    policies,
  });
const POLICIES = [
  { name: "production", ous: [PROD_OU], ...PRODUCTION },
  { name: "sandbox", accounts: [SANDBOX], rotateAfterDays: 60, deactivateAfterDays: 70, deleteAfterDays: 80 },
  { name: "ci", ous: [PROD_OU], users: ["ci-*"], ...PRODUCTION, holdWhileInUse: true },
  { name: "deploy", users: ["*-deploy"] },
];

/** Three accounts: Prod two OUs down under the production OU, Sandbox named by its policy, Other under none. */
function organization({ depths = true } = {}) {
  const asked: string[] = [];
  const fakes = new Map<string, FakeAccount>([
    [
      PROD,
      new FakeAccount()
        // The member account's people ask for the sandbox policy by tag: nothing reads it.
        .addUser("app", [key("AKIA1", 45)], { "keyrotor:policy": "sandbox", policy: "sandbox" })
        .addUser("ci-build", [key("AKIA2", 10)])
        .addUser("ci-deploy", [key("AKIA3", 50)])
        .addUser("ci-exempt", [key("AKIA4", 20)], { "keyrotor:exempt": "true" }),
    ],
    [SANDBOX, new FakeAccount().addUser("dev", [key("AKIA5", 45)])],
    [OTHER, new FakeAccount().addUser("x", [key("AKIA6", 45)])],
  ]);
  const infos = [
    [PROD, "Prod"],
    [SANDBOX, "Sandbox"],
    [OTHER, "Other"],
  ].map(([id, name]) => ({ id: id ?? "", name: name ?? "", email: `${name}@example.com`, state: "ACTIVE" }));
  const ports = {
    organization: {
      listAccounts: async () => infos,
      listAccountIdsUnder: async () => new Set<string>(),
      ...(depths
        ? {
            accountDepthsUnder: async (ou: string) => {
              asked.push(ou);
              return new Map(ou === PROD_OU ? [[PROD, 2]] : []);
            },
          }
        : {}),
    },
    openAccount: async (accountId: string) => {
      const fake = fakes.get(accountId) ?? new FakeAccount();
      return { iam: fake, secrets: fake };
    },
    ledger: new MemoryLedger(),
    log: memoryLog(),
  };
  return { ports, asked };
}

const accountOf = (report: Awaited<ReturnType<typeof buildOrgReport>>, id: string) => {
  const found = report.accounts.find((a) => a.accountId === id);
  if (!found) throw new Error(`no account ${id}`);
  return found;
};

describe("the org report under policies", () => {
  it("shows each account's policy, as the rotation resolves it, never as the account asks", async () => {
    // Prepare
    const { ports } = organization();
    // Act
    const report = await buildOrgReport(ports, config(POLICIES), NOW);
    // Assess
    expect(accountOf(report, PROD).policy).toEqual({
      name: "production",
      mode: "enforce",
      rotateAfterDays: 30,
      deactivateAfterDays: 35,
      deleteAfterDays: 40,
      warnBeforeDays: 7,
      deactivateUnusedAfterDays: null,
      holdWhileInUse: false,
    });
    expect(accountOf(report, SANDBOX).policy).toMatchObject({
      name: "sandbox",
      mode: "audit",
      rotateAfterDays: 60,
    });
    expect(accountOf(report, OTHER).policy).toMatchObject({
      name: "default",
      mode: "audit",
      rotateAfterDays: 90,
    });
  });

  it("judges each user by its own policy: compliance and the next 14 days", async () => {
    // Prepare
    const { ports } = organization();
    // Act
    const report = await buildOrgReport(ports, config(POLICIES), NOW);
    // Assess: app (45 days) is past production's 30; ci-build (10) is within ci's; 45 is within 60 and 90.
    const prod = accountOf(report, PROD);
    expect(prod.rotationCompliant).toBe(2);
    expect(prod.activeKeys).toBe(4);
    expect(prod.upcoming.rotations).toBe(1);
    expect(accountOf(report, SANDBOX).rotationCompliant).toBe(1);
    expect(accountOf(report, OTHER)).toMatchObject({ rotationCompliant: 1, upcoming: { rotations: 0 } });
  });

  it("keeps IAM.3 apart from the policies: every Active key under 90 days passes it, whatever rotateAfterDays", async () => {
    // Prepare: Prod's app (45 days) and ci-deploy (50) are past production's 30 days, but no key is 90
    const { ports } = organization();
    // Act
    const report = await buildOrgReport(ports, config(POLICIES), NOW);
    const html = renderHtml(report);
    const csv = renderCsv(report).split("\r\n");

    // Assess
    const prod = accountOf(report, PROD);
    expect(prod).toMatchObject({ activeKeys: 4, rotationCompliant: 2, iam3Compliant: 4 });
    expect(report.totals).toMatchObject({ activeKeys: 6, iam3Compliant: 6 });
    expect(report.failingIam3).toEqual([]);
    expect(html).toContain("IAM.3: Active keys under 90 days");
    expect(html).toContain("Within policy: Active keys under their rotateAfterDays");
    expect(csv[0]?.split(",").slice(-2)).toEqual(["iam3Compliant", "iam3CompliantShare"]);
  });

  it("reports a user two user policies match as blocked, naming both, and lists a user's own policy where it differs", async () => {
    // Prepare
    const { ports } = organization();
    // Act
    const report = await buildOrgReport(ports, config(POLICIES), NOW);
    // Assess
    expect(report.attention).toEqual([
      expect.objectContaining({
        accountId: PROD,
        userName: "ci-deploy",
        kind: "blocked",
        reason: expect.stringContaining('policies "ci" and "deploy" both match this user'),
      }),
      expect.objectContaining({ accountId: PROD, userName: "ci-exempt", kind: "exempt", policy: "ci" }),
    ]);
    expect(report.attention[0]).not.toHaveProperty("policy");
  });

  it("asks Organizations once per OU a policy names, walking down from it, and not at all when none does", async () => {
    // Prepare
    const named = organization();
    const unnamed = organization();
    // Act
    await buildOrgReport(named.ports, config(POLICIES), NOW);
    await buildOrgReport(unnamed.ports, config(POLICIES.filter((p) => !("ous" in p))), NOW);
    // Assess
    expect(named.asked).toEqual([PROD_OU]);
    expect(unnamed.asked).toEqual([]);
  });

  it("refuses to guess when a policy names an OU and the OUs cannot be read", async () => {
    // Prepare
    const { ports } = organization({ depths: false });
    // Act
    const built = buildOrgReport(ports, config(POLICIES), NOW);
    // Assess
    await expect(built).rejects.toBeInstanceOf(PolicyScopeError);
  });

  it("shows the policies in the HTML, the JSON and the CSV", async () => {
    // Prepare
    const { ports } = organization();
    const report = await buildOrgReport(ports, config(POLICIES), NOW);
    // Act
    const html = renderHtml(report);
    const json = JSON.parse(renderJson(report));
    const csv = renderCsv(report).split("\r\n");
    // Assess
    expect(html).toContain("<th>Policy</th>");
    expect(html).toContain("<bdi>production</bdi><br><small>enforce, 30 / 35 / 40 days</small>");
    expect(html).toContain("<small>policy <bdi>ci</bdi></small>");
    expect(json.accounts[0].policy.name).toBe("production");
    const at = CSV_COLUMNS.indexOf("policy");
    expect(CSV_COLUMNS.slice(at, at + 5)).toEqual([
      "policy",
      "policyMode",
      "policyRotateAfterDays",
      "policyDeactivateAfterDays",
      "policyDeleteAfterDays",
    ]);
    const policyCells = (line: string | undefined) =>
      line
        ?.split(",")
        .slice(at, at + 5)
        .join(",");
    expect(policyCells(csv[1])).toBe("production,enforce,30,35,40");
    expect(csv[4]?.startsWith("TOTAL,")).toBe(true);
    expect(policyCells(csv[4])).toBe(",,,,");
  });
});

describe("the org report's configuration digest", () => {
  it("is in the JSON and the HTML header when given, and absent otherwise", async () => {
    // Prepare
    const { ports } = organization();
    const digest = `sha256:${"ab".repeat(32)}`;
    // Act
    const report = await buildOrgReport(ports, config([]), NOW, { configDigest: digest });
    const without = await buildOrgReport(ports, config([]), NOW);
    // Assess
    expect(report.configDigest).toBe(digest);
    expect(JSON.parse(renderJson(report)).configDigest).toBe(digest);
    expect(renderHtml(report)).toMatch(
      new RegExp(`<header>.*configuration <code>${digest}</code>.*</header>`, "s"),
    );
    expect(without).not.toHaveProperty("configDigest");
    expect(renderHtml(without)).not.toContain("configuration <code>");
  });
});
