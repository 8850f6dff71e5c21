import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import { FakeAccount } from "../../../scripts/lib/fake-account";
import { parseConfig } from "../../../shared/config";
import { AwsCallError } from "../../../shared/errors";
import { rotateJob } from "../../../shared/jobs/rotate-job";
import { addDays, DAY_MS, type KeyFacts } from "../../../shared/lifecycle";
import type { Notice } from "../../../shared/messages";
import {
  type AccountReport,
  reconcileAccount,
  requestTokenFor,
  SECRET_TAGS,
  TimeBudgetError,
  type UserReport,
} from "../../../shared/rotation";
import { key, NOW } from "../../support/keys";
import { memoryLog } from "../../support/log";

const enforce = parseConfig({ mode: "enforce", senderEmail: "k@example.com" });
const audit = parseConfig({ senderEmail: "k@example.com" });
const run = { accountId: "111122223333", runId: "run-1", now: NOW };

let account: FakeAccount;
let log: ReturnType<typeof memoryLog>;
const reconcile = (settings = enforce, at = run) =>
  reconcileAccount({ iam: account, secrets: account, ledger: account.ledger, log }, settings, at);
const userOf = (report: AccountReport, name = "alice"): UserReport => {
  const u = report.users.find((x) => x.userName === name);
  if (!u) throw new Error(`no ${name}`);
  return u;
};

beforeEach(() => {
  account = new FakeAccount();
  account.clock = () => NOW;
  log = memoryLog();
});

describe("reconcileAccount: rotating one key (docs/lifecycle.md, day 90)", () => {
  it("creates the secret first, then the key, then the value under the key's token, then records it", async () => {
    // Prepare
    account.addUser("alice", [key("OLD", 95)]);
    // Act
    const report = await reconcile();
    // Assess
    expect(account.mutations).toEqual([
      "CreateSecret keyrotor/alice",
      "PutResourcePolicy keyrotor/alice",
      "CreateAccessKey alice",
      "PutSecretValue keyrotor/alice",
    ]);
    const newId = account.users.get("alice")?.keys[1]?.id ?? "";
    const secret = account.secrets.get("keyrotor/alice");
    expect(secret?.currentVersionId).toBe(requestTokenFor(newId));
    // The ledger holds the record; the secret's tags only name the user, for people reading the console.
    expect(secret?.tags).toEqual({ [SECRET_TAGS.user]: "alice" });
    expect(account.ledger.user(run.accountId, "alice")).toMatchObject({
      secret: { arn: secret?.arn, name: "keyrotor/alice", kmsKeyId: null, adopted: false },
      recorded: { keyId: newId, versionId: requestTokenFor(newId) },
    });
    expect(account.ledger.user(run.accountId, "alice")?.pending).toBeUndefined();
    expect(account.ledger.writes).toEqual(["markPending alice", "recordKey alice", "recordRun 111122223333"]);
    expect(JSON.parse(secret?.value ?? "{}")).toEqual({
      AccessKeyId: newId,
      SecretAccessKey: `fake-secret-${newId}-${"x".repeat(20)}`,
      UserName: "alice",
      CreateDate: NOW.toISOString(),
    });
    expect(userOf(report)).toMatchObject({
      status: "due",
      secretName: "keyrotor/alice",
      secretArn: "arn:fake:keyrotor/alice:1",
      actions: [{ kind: "create", keyId: newId, outcome: "done", detail: "replaces OLD" }],
    });
    expect(userOf(report).upcoming).toEqual([
      { keyId: "OLD", action: "deactivate", on: addDays(NOW, 10).toISOString() },
      { keyId: newId, action: "rotate", on: addDays(NOW, 90).toISOString() },
    ]);
  });

  it("reuses its own secret: puts back its policy, then rotates into it", async () => {
    account.addUser("alice", [key("OLD", 95)]);
    account.ownSecret("alice");
    await reconcile();
    expect(account.mutations).toEqual([
      "PutResourcePolicy keyrotor/alice",
      "CreateAccessKey alice",
      "PutSecretValue keyrotor/alice",
    ]);
  });

  it("applies replica regions added to or removed from the configuration to an existing secret, and reports it", async () => {
    // Prepare: the secret was replicated to us-west-2; the operator now wants eu-west-1 instead.
    account.addUser("alice", [key("OLD", 95)]);
    const secret = account.ownSecret("alice");
    account.secrets.set(secret.name, { ...secret, replicaRegions: ["us-west-2"] });
    // Act
    const report = await reconcile({ ...enforce, replicaRegions: ["eu-west-1"] });
    // Assess
    expect(account.mutations).toEqual(
      expect.arrayContaining([
        "ReplicateSecretToRegions keyrotor/alice eu-west-1",
        "RemoveRegionsFromReplication keyrotor/alice us-west-2",
      ]),
    );
    expect(account.secrets.get("keyrotor/alice")?.replicaRegions).toEqual(["eu-west-1"]);
    expect(userOf(report).findings).toContainEqual({
      kind: "replicas-updated",
      outcome: "done",
      detail: "replica regions of keyrotor/alice: +eu-west-1 -us-west-2",
    });
  });

  it("in audit mode only reports what it would repair", async () => {
    account.addUser("alice", [key("OLD", 95)]);
    account.ownSecret("alice");
    const report = await reconcile({ ...audit, replicaRegions: ["eu-west-1"] });
    expect(account.mutations).toEqual([]);
    expect(account.ledger.writes).toEqual(["recordRun 111122223333"]);
    expect(userOf(report).findings.map((f) => `${f.kind}:${f.outcome}`)).toEqual([
      "policy-updated:planned",
      "replicas-updated:planned",
    ]);
  });

  it("gives the user, the configured readers and allowlisted tag readers read access in the policy", async () => {
    const tagReader = "arn:aws:iam::111122223333:role/app";
    const globalReader = "arn:aws:iam::111122223333:role/ci";
    account.addUser("alice", [key("OLD", 95)], { "keyrotor:readers": tagReader });
    const report = await reconcile({
      ...enforce,
      readerPrincipals: [globalReader],
      readerTagAllowlist: ["arn:aws:iam::111122223333:role/app*"],
    });
    // The notice tells the owner who may read the new key.
    expect(userOf(report).readers).toEqual([globalReader, tagReader]);
    const policy = JSON.parse(account.secrets.get("keyrotor/alice")?.policy ?? "{}");
    expect(policy.Statement[0].Principal.AWS).toEqual([
      "arn:aws:iam::111122223333:role/app",
      "arn:aws:iam::111122223333:role/ci",
      "arn:aws:iam::111122223333:user/alice",
    ]);
  });

  it("grants nothing for a readers tag the allowlist does not cover (the default: empty), and says so", async () => {
    // Prepare: anyone with iam:TagUser names their own role, or garbage.
    const attacker = "arn:aws:iam::111122223333:role/attacker";
    account.addUser("alice", [key("OLD", 95)], { "keyrotor:readers": `${attacker} everyone` });
    // Act
    const report = await reconcile();
    // Assess
    const policy = JSON.parse(account.secrets.get("keyrotor/alice")?.policy ?? "{}");
    expect(policy.Statement[0].Principal.AWS).toEqual(["arn:aws:iam::111122223333:user/alice"]);
    expect(JSON.stringify(policy)).not.toContain("attacker");
    expect(userOf(report).findings).toEqual([
      {
        kind: "readers-ignored",
        outcome: "noted",
        detail: expect.stringContaining(`tag keyrotor:readers names ${attacker}, everyone`),
      },
    ]);
    expect(userOf(report).actions[0]?.outcome).toBe("done");
  });

  it("deletes the new key again when the value cannot be written: the user is exactly as before", async () => {
    account.addUser("alice", [key("OLD", 95)]);
    account.failing.add("PutSecretValue");
    const report = await reconcile();
    expect(account.users.get("alice")?.keys.map((k) => k.id)).toEqual(["OLD"]);
    expect(account.mutations.slice(-1)).toEqual([expect.stringMatching(/^DeleteAccessKey alice AKIAFAKE/)]);
    expect(account.ledger.user(run.accountId, "alice")?.pending).toBeUndefined();
    expect(userOf(report).actions[0]).toMatchObject({
      kind: "create",
      outcome: "failed",
      error: { name: "SecretWriteError", message: expect.stringMatching(/was deleted again/) },
    });
  });

  it("records the key, not rolls it back, when the value was written but the answer was lost", async () => {
    // Prepare: the write is applied, then the connection drops.
    account.addUser("alice", [key("OLD", 95)]);
    const put = account.putSecretValue.bind(account);
    account.putSecretValue = async (...args) => {
      await put(...args);
      throw new AwsCallError("SecretsManager", "PutSecretValue", "ECONNRESET", "socket hang up");
    };
    // Act
    const report = await reconcile();
    // Assess
    const newId = account.users.get("alice")?.keys.find((k) => k.id !== "OLD")?.id ?? "";
    expect(newId).not.toBe("");
    expect(account.mutations).not.toContain(`DeleteAccessKey alice ${newId}`);
    expect(account.ledger.user(run.accountId, "alice")?.recorded?.keyId).toBe(newId);
    expect(account.ledger.user(run.accountId, "alice")?.pending).toBeUndefined();
    expect(userOf(report).actions).toMatchObject([{ kind: "create", keyId: newId, outcome: "done" }]);
  });

  it("keeps the key announced when the failed write cannot even be read back: the next run settles it", async () => {
    account.addUser("alice", [key("OLD", 95)]);
    // The write fails, and from then on Secrets Manager cannot be read either.
    account.putSecretValue = async () => {
      account.failing.add("DescribeSecret");
      throw new AwsCallError("SecretsManager", "PutSecretValue", "InternalFailure", "injected");
    };
    const report = await reconcile();
    expect(userOf(report).actions[0]).toMatchObject({
      outcome: "failed",
      error: { name: "SecretWriteError", message: expect.stringContaining("nor read back") },
    });
    expect(account.users.get("alice")?.keys).toHaveLength(2);
    expect(account.ledger.user(run.accountId, "alice")?.pending).toBeDefined();
  });

  describe("when the rollback fails too", () => {
    async function leaveUnrecordedKey(): Promise<string> {
      account.addUser("alice", [key("OLD", 150)]);
      account.failing.add("PutSecretValue");
      account.failing.add("DeleteAccessKey");
      const report = await reconcile();
      expect(userOf(report).actions[0]?.error?.message).toMatch(
        /could not be deleted \(.*\): it stays unrecorded/,
      );
      account.failing.clear();
      return account.users.get("alice")?.keys[1]?.id ?? "";
    }

    it("the next run deletes the unused unrecorded key and rotates again", async () => {
      const unrecorded = await leaveUnrecordedKey();
      account.mutations.length = 0;
      const report = await reconcile(enforce, { ...run, now: addDays(NOW, 1) });
      expect(userOf(report).actions.map((a) => `${a.kind}:${a.detail}:${a.outcome}`)).toEqual([
        "delete:unrecorded:done",
        "create:replaces OLD:done",
      ]);
      const keys = account.users.get("alice")?.keys.map((k) => k.id);
      expect(keys).toContain("OLD");
      expect(keys).not.toContain(unrecorded);
      expect(account.ledger.user(run.accountId, "alice")?.pending).toBeUndefined();
    });

    it("a used unrecorded key holds the user: nothing is done, the reason is reported", async () => {
      const unrecorded = await leaveUnrecordedKey();
      account.lastUsed.set(unrecorded, addDays(NOW, 0.5));
      account.mutations.length = 0;
      const report = await reconcile(enforce, { ...run, now: addDays(NOW, 20) });
      expect(account.mutations).toEqual([]);
      expect(userOf(report)).toMatchObject({ status: "held", reason: expect.stringContaining(unrecorded) });
    });

    it("the unrecorded key never retires the working key, even past the deactivation age", async () => {
      await leaveUnrecordedKey();
      account.lastUsed.clear();
      const report = await reconcile(enforce, { ...run, now: addDays(NOW, 30) });
      expect(userOf(report).actions.some((a) => a.kind === "deactivate")).toBe(false);
      expect(account.users.get("alice")?.keys.find((k) => k.id === "OLD")?.status).toBe("Active");
    });
  });
});

describe("reconcileAccount: one user failing does not stop the others", () => {
  it("a user whose keys cannot be listed is reported failed", async () => {
    account.addUser("alice", [key("A", 95)]);
    const listAccessKeys = account.listAccessKeys.bind(account);
    account.listAccessKeys = async (name: string) => {
      if (name === "alice") throw new AwsCallError("IAM", "ListAccessKeys", "Throttling", "slow down");
      return listAccessKeys(name);
    };
    account.addUser("bob", [key("B", 95)]);
    const report = await reconcile();
    expect(userOf(report)).toMatchObject({ status: "failed", error: { name: "AwsCallError" } });
    expect(userOf(report, "bob").actions[0]?.outcome).toBe("done");
    expect(report.failedUsers).toBe(1);
  });

  it("a failed deletion skips the new key that needed its slot", async () => {
    account.addUser("alice", [key("A", 120, "Inactive"), key("B", 95)]);
    account.failing.add("DeleteAccessKey");
    const report = await reconcile();
    expect(userOf(report).actions.map((a) => a.outcome)).toEqual(["failed", "skipped"]);
    expect(account.users.get("alice")?.keys).toHaveLength(2);
  });

  it("the account fails as a whole when its users cannot be listed", async () => {
    account.failing.add("GetCredentialReport");
    await expect(reconcile()).rejects.toThrow("GetCredentialReport");
    account.failing.add("GetAccountAuthorizationDetails");
    await expect(reconcile({ ...enforce, discovery: "full" })).rejects.toThrow(
      "GetAccountAuthorizationDetails",
    );
  });
});

describe("audit mode", () => {
  const keysArb = fc.array(
    fc.record({
      status: fc.constantFrom("Active" as const, "Inactive" as const),
      age: fc.integer({ min: 0, max: 400 }),
    }),
    { maxLength: 2 },
  );

  it("reports exactly the actions enforce mode takes, and changes nothing", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(keysArb, { minLength: 1, maxLength: 6 }), async (users) => {
        const build = () => {
          const a = new FakeAccount();
          a.clock = () => NOW;
          users.forEach((keys, u) => {
            const facts: KeyFacts[] = keys.map((k, i) => ({
              id: `K${u}x${i}`,
              status: k.status,
              createdAt: new Date(NOW.getTime() - k.age * DAY_MS - i),
            }));
            a.addUser(`user${u}`, facts);
          });
          return a;
        };
        const audited = build();
        const enforced = build();
        const ports = (a: FakeAccount) => ({ iam: a, secrets: a, ledger: a.ledger, log: memoryLog() });
        const auditReport = await reconcileAccount(ports(audited), audit, run);
        const enforceReport = await reconcileAccount(ports(enforced), enforce, run);

        expect(audited.mutations).toEqual([]);
        const shape = (r: AccountReport) => r.users.map((u) => u.actions.map((a) => `${a.kind}:${a.detail}`));
        expect(shape(auditReport)).toEqual(shape(enforceReport));
        expect(auditReport.users.flatMap((u) => u.actions).every((a) => a.outcome === "planned")).toBe(true);
      }),
      { numRuns: 50 },
    );
  });
});

describe("no secret leaves the engine", () => {
  it("neither the report nor any log line holds a secret access key", async () => {
    account.addUser("alice", [key("A", 95)]);
    account.addUser("bob", [key("B", 95)]);
    account.failing.add("TagResource");
    const report = await reconcile();
    const text = JSON.stringify(report) + log.lines.join("\n");
    expect(text).not.toMatch(/fake-secret-/);
    expect(log.lines.length).toBeGreaterThan(0);
  });
});

describe("time budget", () => {
  const job = {
    version: 1 as const,
    runId: "run-1",
    asOf: NOW.toISOString(),
    account: { id: "111122223333", name: "Prod", email: "prod@example.com" },
  };

  it("stops between users when time runs short, tells what it did, and the retry finishes the rest", async () => {
    // Prepare: five users due; time for two of them.
    for (const name of ["a", "b", "c", "d", "e"]) account.addUser(name, [key(`K-${name}`, 95)]);
    const notices: Notice[] = [];
    const ports = {
      openAccount: async () => ({ iam: account, secrets: account }),
      ledger: account.ledger,
      notices: { sendNotice: async (n: Notice) => void notices.push(n) },
      log,
    };
    let started = 0;
    const settings = { ...enforce, userConcurrency: 1 };
    // Act: first attempt
    const first = rotateJob(ports, settings, job, { attempt: 1, shouldStop: () => started++ >= 2 });
    // Assess
    await expect(first).rejects.toBeInstanceOf(TimeBudgetError);
    await expect(first).rejects.toThrow("stopped before the time limit with 3 of 5 users left");
    const rotated = () => [...account.users].filter(([, u]) => u.keys.length === 2).map(([name]) => name);
    expect(rotated()).toEqual(["a", "b"]);
    // Untouched users are untouched: no secret, no pending mark.
    expect([...account.secrets.keys()]).toEqual(["keyrotor/a", "keyrotor/b"]);
    expect(notices).toHaveLength(1);
    expect(notices[0]?.part).toBe(1);
    expect(notices[0]?.users.map((u) => u.userName)).toEqual(["a", "b"]);

    // Act: the retry, with time enough
    const second = await rotateJob(ports, settings, job, { attempt: 2, shouldStop: () => false });
    // Assess
    expect(second.report.deferredUsers).toBe(0);
    expect(rotated()).toEqual(["a", "b", "c", "d", "e"]);
    // Part 1, not yet delivered, is queued again (the notifier sends each outbox entry once).
    const parts = new Map(notices.map((n) => [n.noticeId, [n.part, n.users.map((u) => u.userName)]]));
    expect([...parts.values()]).toEqual([
      [1, ["a", "b"]],
      [2, ["c", "d", "e"]],
    ]);
  });
});
