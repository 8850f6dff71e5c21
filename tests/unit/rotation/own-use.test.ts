import { beforeEach, describe, expect, it } from "vitest";
import { FakeAccount } from "../../../scripts/lib/fake-account";
import { addDays } from "../../../shared/lifecycle";
import { type AccountReport, reconcileAccount, type UserReport } from "../../../shared/rotation";
import { deliverySettings, fakeKeyPorts } from "../../support/key-ports";
import { key, NOW } from "../../support/keys";
import { memoryLog } from "../../support/log";

// keyrotor's own verification of a new key, recorded with the key and taken out of its use: the
// unused-key rule and usage-aware retirement see what consumers did, not keyrotor's STS call.

const ACCOUNT = "111122223333";
const settings: ReturnType<typeof deliverySettings> = {
  ...deliverySettings(ACCOUNT),
  deliveries: [],
  discovery: "full",
};

let account: FakeAccount;
let keys: ReturnType<typeof fakeKeyPorts>;

async function runOn(day: number, more: Partial<typeof settings> = {}): Promise<UserReport> {
  const now = addDays(NOW, day);
  account.clock = () => now;
  const report: AccountReport = await reconcileAccount(
    { iam: account, secrets: account, ledger: account.ledger, log: memoryLog(), keys: keys.ports },
    { ...settings, ...more },
    { accountId: ACCOUNT, runId: `run-${day}`, now },
  );
  const alice = report.users.find((u) => u.userName === "alice");
  if (!alice) throw new Error("alice was not looked at");
  return alice;
}

const record = () => account.ledger.user(ACCOUNT, "alice");

/** IAM shows the new key's last use as keyrotor's STS call, dated to the minute after it. */
function iamRecordsTheVerification(keyId: string) {
  const verified = record()?.recorded?.verified;
  if (!verified) throw new Error("no verification recorded");
  account.lastUsed.set(keyId, new Date(new Date(verified.at).getTime() + 60_000));
  account.lastUsedWhere.set(keyId, { service: "sts", region: verified.region });
}

beforeEach(() => {
  account = new FakeAccount();
  keys = fakeKeyPorts(account);
  account.addUser("alice", [key("OLD", 90)]);
  // Consumers use the old key every day: it is neither unused nor idle.
  account.lastUsed.set("OLD", addDays(NOW, -1));
});

describe("the verification, recorded with the key", () => {
  it("records when and where keyrotor verified the key, in the write that records the key", async () => {
    // Prepare: the same rotation without verification, for the ledger writes it costs.
    await runOn(0, { verifyNewKeys: false });
    const unverified = account.ledger.writes.length;
    expect(record()?.recorded?.verified).toBeUndefined();
    account = new FakeAccount();
    keys = fakeKeyPorts(account);
    account.addUser("alice", [key("OLD", 90)]);
    account.lastUsed.set("OLD", addDays(NOW, -1));

    // Act
    const alice = await runOn(0);

    // Assess
    const created = alice.actions.find((a) => a.kind === "create");
    expect(record()?.recorded).toMatchObject({
      keyId: created?.keyId,
      verified: { at: NOW.toISOString(), region: "us-east-1" },
    });
    expect(account.ledger.writes.length).toBe(unverified);
  });
});

describe("the unused-key rule", () => {
  it.each(["full", "report"] as const)(
    "counts a new key only keyrotor used from its creation, not from its STS call (%s discovery)",
    async (discovery) => {
      // Prepare
      const day0 = await runOn(0, { deactivateUnusedAfterDays: 45, discovery });
      const newId = day0.actions.find((a) => a.kind === "create")?.keyId ?? "";
      iamRecordsTheVerification(newId);
      // The old key is retired on day 10 and deleted on day 20: the new one is alice's only key.
      await runOn(10, { deactivateUnusedAfterDays: 45, discovery });
      await runOn(20, { deactivateUnusedAfterDays: 45, discovery });
      expect(account.users.get("alice")?.keys.map((k) => k.id)).toEqual([newId]);
      // The day before, the warning of its retirement (due 7 days ahead) has gone out.
      await runOn(44, { deactivateUnusedAfterDays: 45, discovery });

      // Act: 45 days after it was made, to the second.
      const day45 = await runOn(45, { deactivateUnusedAfterDays: 45, discovery });

      // Assess
      expect(day45.actions).toContainEqual(
        expect.objectContaining({ kind: "deactivate", keyId: newId, dueOn: addDays(NOW, 45).toISOString() }),
      );
    },
  );

  it("counts a consumer's use of the new key, even one with STS", async () => {
    // Prepare
    const day0 = await runOn(0, { deactivateUnusedAfterDays: 45 });
    const newId = day0.actions.find((a) => a.kind === "create")?.keyId ?? "";
    account.lastUsed.set(newId, addDays(NOW, 1));
    account.lastUsedWhere.set(newId, { service: "sts", region: "us-east-1" });

    // Act
    const day45 = await runOn(45, { deactivateUnusedAfterDays: 45 });

    // Assess
    expect(day45.actions.filter((a) => a.keyId === newId)).toEqual([]);
  });
});

describe("usage-aware retirement (holdWhileInUse)", () => {
  it("a superseded key whose last use within the day is a verification the ledger recorded is not held", async () => {
    // Prepare: OLD is replaced on day 0; the ledger's history holds a verification of OLD an hour
    // before day 10's run, and IAM shows that call as OLD's last use.
    const hold = { holdWhileInUse: true };
    await runOn(0, hold);
    const recorded = record()?.recorded;
    if (!recorded) throw new Error("nothing recorded");
    const at = new Date(addDays(NOW, 10).getTime() - 3_600_000);
    const verified = { at: at.toISOString(), region: "eu-west-1" };
    await account.ledger.recordKey(ACCOUNT, "alice", recorded, [
      { keyId: "OLD", versionId: "v-old", at: NOW.toISOString(), verified },
    ]);
    account.lastUsed.set("OLD", at);
    account.lastUsedWhere.set("OLD", { service: "sts", region: "eu-west-1" });

    // Act
    const day10 = await runOn(10, hold);

    // Assess
    expect(day10.holds ?? []).toEqual([]);
    expect(day10.actions).toContainEqual(expect.objectContaining({ kind: "deactivate", keyId: "OLD" }));
  });

  it("a superseded key a consumer used within the day is held", async () => {
    // Prepare
    const hold = { holdWhileInUse: true };
    await runOn(0, hold);
    account.lastUsed.set("OLD", new Date(addDays(NOW, 10).getTime() - 3_600_000));
    account.lastUsedWhere.set("OLD", { service: "sts", region: "eu-west-1" });

    // Act
    const day10 = await runOn(10, hold);

    // Assess
    expect(day10.holds).toEqual([expect.objectContaining({ keyId: "OLD", reason: "in-use" })]);
  });
});
