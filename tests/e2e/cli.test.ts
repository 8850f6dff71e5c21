import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runCaptured } from "../../cli/io";
import type { PlanRow } from "../../cli/plan";
import type { SweepResult } from "../../cli/sweep";
import {
  clientsIn,
  createOrganization,
  createUsers,
  type Organization,
  sentEmails,
  verifySender,
} from "../../scripts/lib/emulator";
import { startFaultProxy } from "../../scripts/lib/fault-proxy";
import { type Moto, startMoto } from "../../scripts/lib/moto";
import { readSecretJson, snapshot } from "../support/account-fixture";
import { schemaProblems } from "../support/json-schema";
import { stubMotoEnv } from "../support/moto-env";

const exec = promisify(execFile);
let moto: Moto;
let proxy: Awaited<ReturnType<typeof startFaultProxy>>;
let org: Organization;
let dir: string;
let configPath: string;
let day91: string;
const ids = new Map<string, string[]>();

/** The CLI's clock is moto's: a run on a simulated day is a run at the present time. */
const cli = (...args: string[]) => runCaptured(args, { ...process.env }, () => moto.now());

const writeConfig = (name: string, content: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
};
const prodState = async () => snapshot(await clientsIn(org.accounts.Prod?.id ?? ""));

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startFaultProxy(moto.endpoint);
  dir = mkdtempSync(join(tmpdir(), "keyrotor-cli-"));
  stubMotoEnv(proxy.endpoint);
  org = await createOrganization([{ name: "Prod", ouPath: ["Workloads"] }]);
  expect((await cli("ledger", "init")).stdout).toBe("created the ledger table keyrotor-prod-ledger");
  await verifySender("keyrotor@example.com");
  const created = await createUsers((await clientsIn(org.accounts.Prod?.id ?? "")).iam, [
    { name: "app", keys: ["Active"] },
    { name: "auditor", keys: ["Active"], tags: { "keyrotor:exempt": "true" } },
  ]);
  for (const [user, keys] of created) ids.set(user, keys);
  await createUsers((await clientsIn(org.accounts.management?.id ?? "")).iam, [
    { name: "ci", keys: ["Active"] },
  ]);
  moto.setClockOffsetDays(91);
  day91 = moto.now().toISOString();
  configPath = writeConfig("config.json", { senderEmail: "keyrotor@example.com" });
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await proxy?.stop();
  await moto?.stop();
});

describe("keyrotor plan", () => {
  it("prints one JSON row per key with decision and due date, and changes nothing", async () => {
    // Prepare
    const before = await prodState();
    // Act
    const { code, stdout, stderr } = await cli(
      "plan",
      "--config",
      configPath,
      "--as-of",
      day91,
      "--format",
      "json",
    );
    // Assess
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as PlanRow[];
    const app = rows.find((r) => r.userName === "app");
    expect(app).toMatchObject({
      accountId: org.accounts.Prod?.id,
      accountName: "Prod",
      keyId: ids.get("app")?.[0],
      status: "Active",
      ageDays: 91,
      lastUsed: "never",
      decision: "rotate",
    });
    expect(new Date(app?.due ?? "").getTime()).toBeLessThanOrEqual(new Date(day91).getTime());
    expect(rows.find((r) => r.userName === "auditor")?.decision).toBe("exempt by tag");
    expect(rows.map((r) => r.userName).sort()).toEqual(["app", "auditor", "ci"]);
    expect(await prodState()).toEqual(before);
    expect(stderr).toMatch(/^\[1\/2\] \d{12} \(.+\) done$/m);
    expect(stderr).toMatch(/^\[2\/2\] /m);
  });

  it("prints CSV with a header of the JSON field names, and an aligned table", async () => {
    const csv = await cli("plan", "--config", configPath, "--as-of", day91, "--format", "csv");
    expect(csv.code).toBe(0);
    const [header, ...lines] = csv.stdout.split("\n");
    expect(header).toBe("accountId,accountName,userName,keyId,status,ageDays,lastUsed,decision,due");
    expect(lines.find((l) => l.includes(",app,"))).toMatch(/,Active,91,never,rotate,\d{4}-/);

    const table = await cli("plan", "--config", configPath, "--as-of", day91);
    expect(table.stdout.split("\n")[0]).toMatch(
      /^ACCOUNT\s+NAME\s+USER\s+KEY\s+STATUS\s+AGE\s+LAST USED\s+DECISION\s+DUE$/,
    );
    expect(table.stdout).toMatch(/app\s+AKIA\w+\s+Active\s+91\s+never\s+rotate\s+\d{4}-\d\d-\d\d/);
  });

  it("needs no sender address, since it sends nothing", async () => {
    const { code } = await cli("plan", "--as-of", day91, "--format", "json");
    expect(code).toBe(0);
  });
});

describe("keyrotor run", () => {
  it("in audit mode (the default) reports and changes nothing", async () => {
    const before = await prodState();
    const { code, stdout } = await cli("run", "--config", configPath, "--as-of", day91);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^keyrotor audit run cli-run-/);
    expect(stdout).toContain("Audit mode: nothing was changed");
    expect(await prodState()).toEqual(before);
  });

  it("in enforce mode rotates, emails the owners and prints the result as JSON", async () => {
    const mailed = (await sentEmails(moto.endpoint)).length;
    const { code, stdout } = await cli(
      "run",
      "--config",
      configPath,
      "--as-of",
      day91,
      "--mode",
      "enforce",
      "--json",
    );
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as SweepResult;
    expect(schemaProblems("run", result)).toEqual([]);
    expect(result.mode).toBe("enforce");
    const prod = result.accounts.find((a) => a.job.account.id === org.accounts.Prod?.id);
    expect(prod?.notice).toBe("sent");
    expect(prod?.report?.users.find((u) => u.userName === "app")?.actions).toMatchObject([
      { kind: "create", outcome: "done" },
    ]);
    expect((await prodState()).users.app).toHaveLength(2);
    expect((await sentEmails(moto.endpoint)).length).toBe(mailed + 2);
    expect(stdout).not.toMatch(/SecretAccessKey/);
  });

  it("exits 1 and names the account when one account cannot be opened", async () => {
    const prodId = org.accounts.Prod?.id ?? "";
    proxy.rules.push((call) =>
      call.operation === "AssumeRole" && call.body.includes(prodId) ? "access-denied" : null,
    );
    try {
      const { code, stdout, stderr } = await cli("run", "--config", configPath, "--as-of", day91);
      expect(code).toBe(1);
      expect(stdout).toMatch(
        new RegExp(`${prodId}\\s+Prod.*account: STS AssumeRole failed \\(AccessDenied\\)`),
      );
      expect(stderr).toMatch(/failed: STS AssumeRole failed/);
    } finally {
      proxy.rules.length = 0;
    }
  });
});

describe("keyrotor ledger init", () => {
  it("creates the table once, then finds it", async () => {
    const first = await cli("ledger", "init", "--ledger", "keyrotor-cli-test-ledger");
    const again = await cli("ledger", "init", "--ledger", "keyrotor-cli-test-ledger");
    expect(first).toMatchObject({ code: 0, stdout: "created the ledger table keyrotor-cli-test-ledger" });
    expect(again).toMatchObject({ code: 0, stdout: "the ledger table keyrotor-cli-test-ledger exists" });
  });
});

describe("keyrotor credential-process", () => {
  it("prints the current key of a secret as credential_process JSON", async () => {
    const stored = await readSecretJson(
      (await clientsIn(org.accounts.Prod?.id ?? "")).secrets,
      "keyrotor/app",
    );
    const prod = await clientsIn(org.accounts.Prod?.id ?? "");
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: prod.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: prod.credentials.secretAccessKey,
      AWS_SESSION_TOKEN: prod.credentials.sessionToken,
    };
    // Through the real bin, as an AWS profile runs it.
    const { stdout } = await exec(
      "node",
      ["bin/keyrotor.mjs", "credential-process", "--secret-id", "keyrotor/app"],
      { env },
    );
    const printed = JSON.parse(stdout);
    expect(Object.keys(printed)).toEqual(["Version", "AccessKeyId", "SecretAccessKey"]);
    expect(printed.Version).toBe(1);
    expect(printed.AccessKeyId).toBe(stored.AccessKeyId);
    expect(printed.SecretAccessKey === stored.SecretAccessKey).toBe(true);
  });

  it("exits 2 naming the secret and the AWS error when the secret does not exist", async () => {
    const { code, stdout, stderr } = await cli("credential-process", "--secret-id", "keyrotor/nobody");
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(
      /cannot read secret keyrotor\/nobody: SecretsManager GetSecretValue failed \(ResourceNotFoundException\)/,
    );
  });

  it("exits 1 when AWS fails for another reason than the set-up", async () => {
    proxy.rules.push((call) => (call.operation === "GetSecretValue" ? "server-error" : null));
    try {
      const { code, stderr } = await cli("credential-process", "--secret-id", "keyrotor/app");
      expect(code).toBe(1);
      expect(stderr).toMatch(/SecretsManager GetSecretValue failed/);
    } finally {
      proxy.rules.length = 0;
    }
  });
});

describe("usage and configuration errors exit 2 and say what is wrong", () => {
  it.each([
    [["frobnicate"], /unknown command "frobnicate"/],
    [["plan", "--format", "xml"], /--format must be table, json or csv, got "xml"/],
    [["plan", "--as-of", "yesterday"], /--as-of must be an ISO date/],
    [["plan", "--secret-id", "x"], /plan does not take --secret-id/],
    [["run", "--mode", "yolo"], /--mode must be audit or enforce/],
    [["credential-process"], /credential-process needs --secret-id/],
    [["plan", "--bogus"], /unknown option --bogus for plan[\s\S]*Usage: keyrotor plan \[options\]/],
    [["run", "--json=yes"], /--json takes no value/],
    [["plan", "--config"], /--config needs a value \(FILE\)/],
    [["plan", "extra"], /plan takes no argument, got "extra"/],
    [[], /missing command[\s\S]*Usage: keyrotor <command>/],
  ])("keyrotor %j", async (args, message) => {
    const { code, stdout, stderr } = await cli(...args);
    expect(code).toBe(2);
    expect(`${stderr}${stdout}`).toMatch(message);
  });

  it("validates the settings file as given in plan too, though plan overrides the mode", async () => {
    const path = writeConfig("bad-mode.json", { senderEmail: "k@example.com", mode: "Enforce" });
    for (const command of ["plan", "run"]) {
      const { code, stdout, stderr } = await cli(command, "--config", path, "--as-of", day91);
      expect(code).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toMatch(/mode: .*"audit"\|"enforce".*bad-mode\.json/);
    }
  });

  it("rejects unknown settings in the config file, naming them and the file", async () => {
    const path = writeConfig("typo.json", { senderEmail: "k@example.com", rotateAfterDay: 80 });
    const { code, stderr } = await cli("run", "--config", path);
    expect(code).toBe(2);
    expect(stderr).toContain("unknown setting(s): rotateAfterDay");
    expect(stderr).toContain(path);
  });

  it.each([
    ["missing.json", null, /cannot read config file .*missing.json/],
    ["broken.json", "{ not json", /config file .*broken.json is not valid JSON/],
    ["list.json", "[1,2]", /must hold a JSON object of settings/],
    [
      "inverted.json",
      { senderEmail: "k@example.com", rotateAfterDays: 120 },
      /0 < rotateAfterDays < deactivateAfterDays/,
    ],
  ])("rejects %s", async (name, content, message) => {
    const path = content === null ? join(dir, name) : writeConfig(name, content);
    const { code, stderr } = await cli("run", "--config", path);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it("lets KEYROTOR_* variables override the file, and rejects unknown ones", async () => {
    vi.stubEnv("KEYROTOR_MODE", "sometimes");
    try {
      const { code, stderr } = await cli("run", "--config", configPath);
      expect(code).toBe(2);
      expect(stderr).toMatch(/mode: /);
    } finally {
      vi.stubEnv("KEYROTOR_MODE", undefined as unknown as string);
    }
    vi.stubEnv("KEYROTOR_MOOD", "enforce");
    try {
      const { code, stderr } = await cli("run", "--config", configPath);
      expect(code).toBe(2);
      expect(stderr).toContain("unknown environment variable(s): KEYROTOR_MOOD");
    } finally {
      vi.stubEnv("KEYROTOR_MOOD", undefined as unknown as string);
    }
  });

  it("the installed command exits 2 on bad usage too", async () => {
    const failure = await exec("node", ["bin/keyrotor.mjs", "plan", "--format", "xml"]).catch((e) => e);
    expect(failure.code).toBe(2);
    expect(failure.stderr).toMatch(/--format must be table, json or csv/);
  });
});

describe("keyrotor run and plan refuse what they must not do", () => {
  it("refuses a future --as-of in enforce mode (exit 2) before touching anything; plan may look ahead", async () => {
    // Prepare
    const future = new Date(moto.now().getTime() + 3 * 86_400_000).toISOString();
    const before = await prodState();
    // Act
    const refused = await cli("run", "--config", configPath, "--as-of", future, "--mode", "enforce");
    const planned = await cli("plan", "--config", configPath, "--as-of", future, "--format", "json");
    // Assess
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--as-of .* is in the future: enforce mode acts only at the present time/);
    expect(await prodState()).toEqual(before);
    expect(planned.code).not.toBe(2);
  });

  it("says the ledger is missing and how to create it (exit 2), before any account is opened", async () => {
    for (const command of ["run", "plan"]) {
      const { code, stderr } = await cli(command, "--config", configPath, "--ledger", "no-such-ledger");
      expect(code, command).toBe(2);
      expect(stderr).toContain("the ledger table no-such-ledger does not exist");
      expect(stderr).toContain("keyrotor ledger init --ledger no-such-ledger");
    }
  });
});
