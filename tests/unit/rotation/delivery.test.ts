import { beforeEach, describe, expect, it } from "vitest";
import { FakeAccount } from "../../../scripts/lib/fake-account";
import { addDays } from "../../../shared/lifecycle";
import { Redacted } from "../../../shared/redacted";
import { type AccountReport, reconcileAccount, type UserReport } from "../../../shared/rotation";
import { deliverySettings, fakeKeyPorts, GITHUB_LABEL, SSM_LABEL } from "../../support/key-ports";
import { key, NOW } from "../../support/keys";
import { memoryLog } from "../../support/log";

const ACCOUNT = "111122223333";
const GITHUB = GITHUB_LABEL;
const SSM = SSM_LABEL;
const enforce = deliverySettings(ACCOUNT);
const audit = { ...enforce, mode: "audit" as const };

let account: FakeAccount;
let keys: ReturnType<typeof fakeKeyPorts>;
let log: ReturnType<typeof memoryLog>;

/** One run `day` days after NOW, with the account's clock there too. */
async function runOn(day: number, settings = enforce): Promise<UserReport> {
  const now = addDays(NOW, day);
  account.clock = () => now;
  const report: AccountReport = await reconcileAccount(
    { iam: account, secrets: account, ledger: account.ledger, log, keys: keys.ports },
    settings,
    { accountId: ACCOUNT, runId: `run-${day}`, now },
  );
  const alice = report.users.find((u) => u.userName === "alice");
  if (!alice) throw new Error("alice was not looked at");
  return alice;
}

const keyIds = () => account.users.get("alice")?.keys.map((k) => `${k.id}:${k.status}`) ?? [];
const record = () => account.ledger.user(ACCOUNT, "alice");

beforeEach(() => {
  account = new FakeAccount();
  keys = fakeKeyPorts(account);
  log = memoryLog();
  account.addUser("alice", [key("OLD", 90)]);
});

describe("create → verify → deliver → confirm → retire", () => {
  it("delivers a new key to every destination, records each confirmation and keeps no escrow", async () => {
    // Act
    const alice = await runOn(0);
    // Assess
    const created = alice.actions.find((a) => a.kind === "create");
    expect(created?.outcome).toBe("done");
    expect(keys.received.map((r) => [r.destination, r.accessKeyId])).toEqual([
      [GITHUB, created?.keyId],
      [SSM, created?.keyId],
    ]);
    expect(keys.received[0]?.secret).toMatch(/^fake-secret-/);
    expect(alice.deliveries?.map((d) => [d.destination, d.outcome])).toEqual([
      [GITHUB, "done"],
      [SSM, "done"],
    ]);
    expect(record()?.delivery).toMatchObject({ keyId: created?.keyId, failures: {} });
    expect(record()?.delivery?.escrow).toBeUndefined();
    expect(JSON.stringify(log.lines)).not.toMatch(/fake-secret-/);
  });

  it("a failing destination keeps the old key Active past its deactivation date, and it is retired once the destination recovers", async () => {
    // Prepare: GitHub is down when the key is made.
    keys.fail(GITHUB);
    const day0 = await runOn(0);
    const newId = day0.actions.find((a) => a.kind === "create")?.keyId ?? "";
    expect(day0.deliveries?.find((d) => d.destination === GITHUB)).toMatchObject({
      outcome: "failed",
      attempts: 1,
    });
    expect(record()?.delivery?.escrow).toBeDefined();

    // Act: day 10 (the old key is 100 days old), still down.
    const day10 = await runOn(10);
    // Assess: retried, held, and said why.
    expect(keyIds()).toEqual(["OLD:Active", `${newId}:Active`]);
    expect(day10.holds).toEqual([
      expect.objectContaining({ keyId: "OLD", reason: "undelivered", destinations: [GITHUB] }),
    ]);
    expect(day10.deliveries?.find((d) => d.destination === GITHUB)).toMatchObject({
      outcome: "failed",
      attempts: 2,
      fix: "wait",
    });

    // Act: day 11, GitHub is back: the key comes from the escrow, then the old key goes.
    keys.recover(GITHUB);
    const day11 = await runOn(11);
    // Assess
    expect(keys.received.filter((r) => r.destination === GITHUB).map((r) => r.accessKeyId)).toEqual([newId]);
    expect(day11.deliveries?.find((d) => d.destination === GITHUB)?.outcome).toBe("done");
    expect(day11.actions).toEqual([
      expect.objectContaining({ kind: "deactivate", keyId: "OLD", outcome: "done" }),
    ]);
    expect(keyIds()).toEqual(["OLD:Inactive", `${newId}:Active`]);
    expect(record()?.delivery?.escrow).toBeUndefined();
  });

  it("a destination removed from the configuration no longer holds the old key back", async () => {
    // Prepare
    keys.fail(GITHUB);
    await runOn(0);
    const withoutGitHub = {
      ...enforce,
      deliveries: [{ ...enforce.deliveries[0], destinations: [enforce.deliveries[0]?.destinations[1]] }],
    } as typeof enforce;
    // Act
    const day10 = await runOn(10, withoutGitHub);
    // Assess
    expect(day10.holds).toBeUndefined();
    expect(day10.actions).toEqual([
      expect.objectContaining({ kind: "deactivate", keyId: "OLD", outcome: "done" }),
    ]);
    // The delivery is settled: no escrow kept, nothing left to look at the user for.
    expect(record()?.delivery?.escrow).toBeUndefined();
    expect(record()?.delivery?.due).toHaveLength(1);
  });

  it("a key whose recording in the ledger failed is healed from its secret and delivered by the next run", async () => {
    // Prepare: the value is stored, then the ledger write recording the key fails.
    account.ledger.failing.add("recordKey");
    const day0 = await runOn(0);
    expect(day0.actions[0]).toMatchObject({ kind: "create", outcome: "failed" });
    expect(keys.received).toEqual([]);
    account.ledger.failing.delete("recordKey");
    // Act
    const day1 = await runOn(1);
    // Assess: the key the secret holds is recorded and reaches both destinations in that same run.
    const stored = record()?.recorded?.keyId;
    expect(stored).toBeDefined();
    expect(keys.received.map((r) => [r.destination, r.accessKeyId])).toEqual([
      [GITHUB, stored],
      [SSM, stored],
    ]);
    expect(day1.deliveries?.map((d) => d.outcome)).toEqual(["done", "done"]);
    expect(record()?.delivery?.escrow).toBeUndefined();
  });

  it("a key that fails verification is deleted again and never stored or delivered", async () => {
    // Prepare
    keys.failVerification();
    // Act
    const alice = await runOn(0);
    // Assess
    expect(alice.actions).toEqual([
      expect.objectContaining({
        kind: "create",
        outcome: "failed",
        error: expect.objectContaining({ name: "KeyVerificationError" }),
      }),
    ]);
    expect(keyIds()).toEqual(["OLD:Active"]);
    expect(account.mutations.filter((m) => m.startsWith("PutSecretValue"))).toEqual([]);
    expect(keys.received).toEqual([]);
    expect(record()?.pending).toBeUndefined();
    expect(record()?.recorded).toBeUndefined();
  });

  it("a key that cannot be escrowed for its deliveries is rolled back before it is stored", async () => {
    // Prepare
    const settings = { ...enforce, deliveryKmsKeyId: null };
    // Act
    const alice = await runOn(0, settings);
    // Assess
    expect(alice.actions[0]).toMatchObject({ kind: "create", outcome: "failed" });
    expect(keyIds()).toEqual(["OLD:Active"]);
    expect(account.mutations.filter((m) => m.startsWith("PutSecretValue"))).toEqual([]);
  });

  it("audit mode shows the deliveries it would make and makes none", async () => {
    // Act
    const alice = await runOn(0, audit);
    // Assess
    expect(alice.deliveries?.map((d) => [d.destination, d.outcome])).toEqual([
      [GITHUB, "planned"],
      [SSM, "planned"],
    ]);
    expect(keys.received).toEqual([]);
  });

  it("an escrow copied onto another key's record does not open: the destination is reported failed, the old key held", async () => {
    // Prepare
    keys.fail(GITHUB);
    await runOn(0);
    const r = record();
    if (!r?.delivery) throw new Error("no delivery");
    const bobs = await keys.ports.escrow?.encrypt("alias/keyrotor-delivery", new Redacted("bob's secret"), {
      accountId: ACCOUNT,
      userName: "bob",
      accessKeyId: r.delivery.keyId,
    });
    await account.ledger.setDelivery(ACCOUNT, "alice", { ...r.delivery, escrow: bobs });
    keys.recover(GITHUB);
    // Act
    const day10 = await runOn(10);
    // Assess
    expect(day10.deliveries?.find((d) => d.destination === GITHUB)?.outcome).toBe("failed");
    expect(keyIds().filter((k) => k.endsWith("Inactive"))).toEqual([]);
  });
});

describe("usage-aware retirement", () => {
  it("reports a superseded key still used after its replacement was delivered, and with holdWhileInUse waits until it is idle", async () => {
    // Prepare
    const hold = { ...enforce, holdWhileInUse: true, discovery: "full" as const };
    await runOn(0, hold);
    // The old key is used on day 10, an hour before the run.
    account.lastUsed.set("OLD", new Date(addDays(NOW, 10).getTime() - 3_600_000));
    // Act
    const day10 = await runOn(10, hold);
    // Assess
    expect(day10.holds).toEqual([expect.objectContaining({ keyId: "OLD", reason: "in-use" })]);
    expect(keyIds()[0]).toBe("OLD:Active");

    // Act: two days later it has been idle more than a day.
    const day12 = await runOn(12, hold);
    // Assess
    expect(day12.actions).toEqual([
      expect.objectContaining({ kind: "deactivate", keyId: "OLD", outcome: "done" }),
    ]);
  });

  it("holds an in-use key at most until its delete date", async () => {
    // Prepare
    const hold = { ...enforce, holdWhileInUse: true, discovery: "full" as const };
    await runOn(0, hold);
    account.lastUsed.set("OLD", new Date(addDays(NOW, 20).getTime() - 3_600_000));
    // Act: day 20, the old key is 110 days old and was used an hour ago.
    const day20 = await runOn(20, hold);
    // Assess
    expect(day20.actions).toEqual([
      expect.objectContaining({ kind: "deactivate", keyId: "OLD", outcome: "done" }),
    ]);
  });

  it("a key keyrotor deactivated and a person re-activated is reported, left Active and never deleted", async () => {
    // Prepare
    await runOn(0);
    await runOn(10);
    const old = account.users.get("alice")?.keys.find((k) => k.id === "OLD");
    if (!old) throw new Error("no OLD");
    Object.assign(old, { status: "Active" });
    // Act
    const day30 = await runOn(30);
    // Assess
    expect(day30.reactivated).toEqual(["OLD"]);
    expect(day30.holds).toEqual([expect.objectContaining({ keyId: "OLD", reason: "reactivated" })]);
    expect(day30.actions.filter((a) => a.keyId === "OLD")).toEqual([]);
    expect(keyIds()[0]).toBe("OLD:Active");
  });
});
