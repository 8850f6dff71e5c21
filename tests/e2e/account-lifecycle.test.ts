import { IAMClient } from "@aws-sdk/client-iam";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { adminClients, createUsers } from "../../scripts/lib/emulator";
import { freePort, MOTO_CREDENTIALS, type Moto, startMoto } from "../../scripts/lib/moto";
import { IamAdapter } from "../../shared/aws/iam";
import { LedgerAdapter } from "../../shared/aws/ledger";
import { SecretsAdapter } from "../../shared/aws/secrets";
import { parseConfig } from "../../shared/config";
import {
  type AccountPorts,
  type AccountReport,
  reconcileAccount,
  requestTokenFor,
  SECRET_TAGS,
} from "../../shared/rotation";
import { type AccountState, readSecretJson, snapshot } from "../support/account-fixture";
import { memoryLog } from "../support/log";

const ACCOUNT = "123456789012";
const settings = parseConfig({ mode: "enforce", senderEmail: "keyrotor@example.com" });
const clientOptions = { region: "us-east-1", credentials: MOTO_CREDENTIALS, maxAttempts: 2 };
const BULK = Array.from({ length: 150 }, (_, i) => `bulk-${String(i).padStart(3, "0")}`);
/** IAM user names at the limits: one character, and 64 with every symbol IAM allows. */
const LIMITS = ["q", "Zz09+=,.@_-".padEnd(64, "x")];

let moto: Moto;
const log = memoryLog();
const reports: AccountReport[] = [];
/** Every secret access key moto handed out, to prove none reached a log or report. */
const handedOut = new Set<string>();

type Ports = AccountPorts & { readonly ledger: LedgerAdapter };

function ports(overrides: Partial<Ports> = {}): Ports {
  return {
    iam: IamAdapter.create(clientOptions),
    secrets: SecretsAdapter.create(clientOptions),
    ledger: LedgerAdapter.create("keyrotor-e2e-ledger", clientOptions),
    log,
    ...overrides,
  };
}

async function runOn(day: number, p: Ports = ports()): Promise<AccountReport> {
  moto.setClockOffsetDays(day);
  const report = await reconcileAccount(p, settings, {
    accountId: ACCOUNT,
    runId: `day-${day}`,
    now: moto.now(),
  });
  reports.push(report);
  return report;
}

const userReport = (report: AccountReport, name: string) => {
  const found = report.users.find((u) => u.userName === name);
  if (!found) throw new Error(`no report for ${name}`);
  return found;
};
const actionsOf = (report: AccountReport, name: string) =>
  userReport(report, name).actions.map((a) => `${a.kind}:${a.outcome}`);

/** Records the secret access keys now stored, so the leak scan knows what to look for. */
async function collectStoredSecrets(state: AccountState) {
  const { secrets } = adminClients();
  for (const [name, s] of Object.entries(state.secrets)) {
    if (s.currentVersionId) handedOut.add((await readSecretJson(secrets, name)).SecretAccessKey);
  }
}

/** Key states of a user as `status` strings, oldest first, ids hidden. */
const statusesOf = (state: AccountState, user: string, ids: Map<string, string[]>) => {
  const original = ids.get(user) ?? [];
  return (state.users[user] ?? []).map((entry) => {
    const [id, status] = entry.split(":");
    return `${original.includes(id ?? "") ? "old" : "new"}:${status}`;
  });
};

beforeAll(async () => {
  moto = await startMoto();
  vi.stubEnv("AWS_ENDPOINT_URL", moto.endpoint);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await moto?.stop();
});

describe("one account walked from day 0 to day 120", () => {
  let ids: Map<string, string[]>;
  const alikeAlice = ["alice", "frank,jr", ...LIMITS, ...BULK];

  beforeAll(async () => {
    await moto.reset();
    await ports().ledger.ensureTable();
    moto.setClockOffsetDays(0);
    ids = await createUsers(adminClients().iam, [
      { name: "alice", keys: ["Active"], tags: { "keyrotor:owner": "alice@example.com" } },
      { name: "bob", keys: ["Active", "Active"] },
      { name: "carol", keys: ["Inactive"] },
      { name: "dave", keys: ["Active"], groups: ["IAMKeyRotationExemptionGroup"] },
      { name: "erin", keys: ["Active"], tags: { "keyrotor:exempt": "true" } },
      { name: "frank,jr", keys: ["Active"] },
      { name: "nokeys" },
      ...[...LIMITS, ...BULK].map((name) => ({ name, keys: ["Active" as const] })),
    ]);
  });

  /** Runs the day, then the same day again, which must change nothing. */
  async function day(n: number): Promise<{ report: AccountReport; state: AccountState }> {
    const report = await runOn(n);
    const failed = report.users.filter((u) => u.actions.some((a) => a.outcome === "failed"));
    expect(failed, `users whose step failed on day ${n}`).toEqual([]);
    const state = await snapshot(adminClients());
    const again = await runOn(n);
    expect(again.users.flatMap((u) => u.actions)).toEqual([]);
    expect(await snapshot(adminClients())).toEqual(state);
    await collectStoredSecrets(state);
    expect(report.failedUsers).toBe(0);
    return { report, state };
  }

  const untouched = (state: AccountState) => {
    for (const user of ["dave", "erin"]) {
      expect(state.users[user]).toEqual([`${ids.get(user)?.[0]}:Active`]);
      expect(state.secrets[`keyrotor/${user}`]).toBeUndefined();
    }
    expect(state.users.nokeys).toEqual([]);
  };

  it("day 0: nothing is due, so the credential report alone settles the account", async () => {
    const { report, state } = await day(0);
    expect(report.users).toEqual([]);
    expect(report.unexaminedUsers).toBe(7 + LIMITS.length + BULK.length);
    expect(Object.keys(state.secrets)).toEqual([]);
    untouched(state);
  });

  it("day 0, every user looked at (discovery: full): exempt users are reported as such", async () => {
    const full = await reconcileAccount(
      ports(),
      { ...settings, discovery: "full" },
      {
        accountId: ACCOUNT,
        runId: "day-0-full",
        now: moto.now(),
      },
    );
    reports.push(full);
    const report = full;
    const state = await snapshot(adminClients());
    expect(report.users).toHaveLength(7 + LIMITS.length + BULK.length);
    expect(report.users.flatMap((u) => u.actions)).toEqual([]);
    expect(userReport(report, "dave")).toMatchObject({ status: "exempt", reason: "exempt by group" });
    expect(userReport(report, "erin")).toMatchObject({ status: "exempt", reason: "exempt by tag" });
    expect(userReport(report, "carol").status).toBe("inactive");
    expect(userReport(report, "nokeys").status).toBe("no-keys");
    expect(Object.keys(state.secrets)).toEqual([]);
    untouched(state);
  });

  it("day 83: the owners of keys turning 90 in a week are warned, nothing changes", async () => {
    const { report, state } = await day(83);
    expect(report.users.flatMap((u) => u.actions)).toEqual([]);
    for (const user of [...alikeAlice, "bob"])
      expect(userReport(report, user).warnings.map((w) => w.action)).toEqual(["rotate"]);
    // carol's inactive key is due for deletion on day 110: nothing about her is looked at before.
    expect(report.users.map((u) => u.userName)).not.toContain("carol");
    expect(Object.keys(state.secrets)).toEqual([]);
  });

  it("day 90: a new key for every due user, stored in its secret; two-key bob is blocked", async () => {
    const { report, state } = await day(90);
    for (const user of alikeAlice) {
      expect(actionsOf(report, user)).toEqual(["create:done"]);
      expect(statusesOf(state, user, ids)).toHaveLength(2);
      expect(userReport(report, user).warnings).toEqual([]);
    }
    expect(userReport(report, "bob")).toMatchObject({ status: "blocked", actions: [] });
    expect(statusesOf(state, "bob", ids)).toEqual(["old:Active", "old:Active"]);

    const { secrets } = adminClients();
    const alice = await readSecretJson(secrets, "keyrotor/alice");
    const aliceNew = (state.users.alice ?? [])
      .map((e) => e.split(":")[0])
      .find((id) => id !== ids.get("alice")?.[0]);
    expect(alice.AccessKeyId).toBe(aliceNew);
    expect(alice.UserName).toBe("alice");
    expect(Number.isNaN(Date.parse(alice.CreateDate))).toBe(false);
    expect(typeof alice.SecretAccessKey === "string" && alice.SecretAccessKey.length >= 40).toBe(true);
    expect(state.secrets["keyrotor/alice"]).toEqual({
      currentVersionId: requestTokenFor(alice.AccessKeyId),
      tags: { [SECRET_TAGS.user]: "alice" },
    });
    // The comma user's secret name is encoded; its value names the real user.
    const frank = await readSecretJson(secrets, "keyrotor/frank=2Cjr");
    expect(frank.UserName).toBe("frank,jr");
    const longest = LIMITS[1] ?? "";
    const encoded = `keyrotor/Zz09+=3D=2C.@_-${"x".repeat(53)}`;
    expect((await readSecretJson(secrets, encoded)).UserName).toBe(longest);
    expect(state.secrets[encoded]?.tags[SECRET_TAGS.user]).toBe(encoded.slice("keyrotor/".length));
    expect(Object.keys(state.secrets)).toHaveLength(alikeAlice.length);
    untouched(state);
  });

  it("day 95: nothing is due yet, so nobody is looked at (blocked bob is quiet until his keys change)", async () => {
    const { report } = await day(95);
    expect(report.users).toEqual([]);
    expect(report.unexaminedUsers).toBe(7 + LIMITS.length + BULK.length);
  });

  it("day 100: superseded keys are deactivated; bob's older key too", async () => {
    const { report, state } = await day(100);
    for (const user of alikeAlice) {
      expect(actionsOf(report, user)).toEqual(["deactivate:done"]);
      expect(statusesOf(state, user, ids)).toEqual(expect.arrayContaining(["old:Inactive", "new:Active"]));
    }
    expect(actionsOf(report, "bob")).toEqual(["deactivate:done"]);
    expect(userReport(report, "bob").status).toBe("blocked");
    const bobOlder = ids.get("bob")?.[0];
    expect(state.users.bob).toContain(`${bobOlder}:Inactive`);
    expect(state.users.bob).toContain(`${ids.get("bob")?.[1]}:Active`);
    untouched(state);
  });

  it("day 110: old keys are deleted; bob gets his slot back and a new key; carol's inactive key goes", async () => {
    const { report, state } = await day(110);
    for (const user of alikeAlice) {
      expect(actionsOf(report, user)).toEqual(["delete:done"]);
      expect(statusesOf(state, user, ids)).toEqual(["new:Active"]);
    }
    expect(actionsOf(report, "bob")).toEqual(["delete:done", "create:done"]);
    expect(statusesOf(state, "bob", ids).sort()).toEqual(["new:Active", "old:Active"]);
    expect(actionsOf(report, "carol")).toEqual(["delete:done"]);
    expect(state.users.carol).toEqual([]);
    untouched(state);
  });

  it("day 120: bob's superseded key is deactivated; everyone else is quiet", async () => {
    const { report, state } = await day(120);
    expect(actionsOf(report, "bob")).toEqual(["deactivate:done"]);
    expect(statusesOf(state, "bob", ids).sort()).toEqual(["new:Active", "old:Inactive"]);
    const others = report.users.filter((u) => u.userName !== "bob");
    expect(others.flatMap((u) => u.actions)).toEqual([]);
    for (const user of alikeAlice) expect(statusesOf(state, user, ids)).toEqual(["new:Active"]);
    untouched(state);
  });
});

describe("a secret that cannot be written", () => {
  let ids: Map<string, string[]>;

  beforeAll(async () => {
    await moto.reset();
    await ports().ledger.ensureTable();
    moto.setClockOffsetDays(0);
    ids = await createUsers(adminClients().iam, [{ name: "grace", keys: ["Active"] }]);
  });

  /** A client whose named commands fail as AWS's servers would, after the SDK's retries. */
  function failing<C extends IAMClient | SecretsManagerClient>(client: C, commands: string[]): C {
    const stack = client.middlewareStack as IAMClient["middlewareStack"];
    stack.add(
      (next, context) => async (args) => {
        if (commands.includes(context.commandName ?? "")) {
          throw Object.assign(new Error("injected fault"), { name: "InternalServiceError" });
        }
        return next(args);
      },
      { step: "initialize", name: "injectFault" },
    );
    return client;
  }

  it("with Secrets Manager unreachable, the user fails before any key is made", async () => {
    const before = await snapshot(adminClients());
    vi.stubEnv("AWS_ENDPOINT_URL_SECRETS_MANAGER", `http://127.0.0.1:${await freePort()}`);
    try {
      const unreachable = SecretsAdapter.create(clientOptions);
      const report = await runOn(91, ports({ secrets: unreachable }));
      expect(userReport(report, "grace")).toMatchObject({
        status: "failed",
        error: { name: "AwsCallError" },
      });
    } finally {
      vi.stubEnv("AWS_ENDPOINT_URL_SECRETS_MANAGER", moto.endpoint);
    }
    expect(await snapshot(adminClients())).toEqual(before);
  });

  it("when PutSecretValue fails, the new key is deleted again and the user is exactly as before", async () => {
    const secrets = failing(new SecretsManagerClient(clientOptions), ["PutSecretValueCommand"]);
    const report = await runOn(91, ports({ secrets: new SecretsAdapter(secrets) }));
    const state = await snapshot(adminClients());

    expect(userReport(report, "grace").actions).toMatchObject([
      { kind: "create", outcome: "failed", error: { name: "SecretWriteError" } },
    ]);
    expect(report.failedUsers).toBe(1);
    expect(state.users.grace).toEqual([`${ids.get("grace")?.[0]}:Active`]);
    expect(state.secrets["keyrotor/grace"]).toMatchObject({ currentVersionId: null });
    expect((await ports().ledger.loadAccount(ACCOUNT)).users.get("grace")?.pending).toBeUndefined();
  });

  it("when the rollback fails too, the unrecorded key never replaces the working one and the next run heals it", async () => {
    const secrets = failing(new SecretsManagerClient(clientOptions), ["PutSecretValueCommand"]);
    const iam = failing(new IAMClient(clientOptions), ["DeleteAccessKeyCommand"]);
    const report = await runOn(92, ports({ iam: new IamAdapter(iam), secrets: new SecretsAdapter(secrets) }));
    const original = `${ids.get("grace")?.[0]}:Active`;
    const broken = await snapshot(adminClients());
    expect(userReport(report, "grace").actions[0]?.error?.message).toMatch(
      /could not be deleted \(.*\): it stays unrecorded/,
    );
    expect(broken.users.grace).toHaveLength(2);
    expect(broken.users.grace).toContain(original);

    // Ten days on, a run with everything healthy: the unused unrecorded key is removed, a fresh key
    // is made and recorded, and the original key stays Active (not retired by the unrecorded one).
    const healed = await runOn(102);
    const state = await snapshot(adminClients());
    expect(actionsOf(healed, "grace")).toEqual(["delete:done", "create:done"]);
    expect(userReport(healed, "grace").actions[0]?.detail).toBe("unrecorded");
    expect(state.users.grace).toHaveLength(2);
    expect(state.users.grace).toContain(original);
    const stored = await readSecretJson(adminClients().secrets, "keyrotor/grace");
    handedOut.add(stored.SecretAccessKey);
    expect(state.users.grace).toContain(`${stored.AccessKeyId}:Active`);
    expect(broken.users.grace).not.toContain(`${stored.AccessKeyId}:Active`);
  });
});

describe("no secret leaks", () => {
  it("no secret access key appears in any log line or report of these runs", () => {
    expect(handedOut.size).toBeGreaterThan(150);
    const text = [...log.lines, ...reports.map((r) => JSON.stringify(r))].join("\n");
    const leaked = [...handedOut].filter((secret) => text.includes(secret));
    expect(leaked.length).toBe(0);
  });
});
