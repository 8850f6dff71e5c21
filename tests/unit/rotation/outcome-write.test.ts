import { beforeEach, describe, expect, it } from "vitest";
import { FakeAccount } from "../../../scripts/lib/fake-account";
import { parseConfig } from "../../../shared/config";
import { reconcileAccount, type UserReport } from "../../../shared/rotation";
import { fakeKeyPorts } from "../../support/key-ports";
import { key, NOW } from "../../support/keys";
import { memoryLog } from "../../support/log";

/**
 * A first rotation writes the ledger twice: its intent before the key, its outcome (the key and the
 * secret created for it) after. Until the outcome is written, the announced creation vouches for the
 * secret; whichever write ends the announcement records the secret, so it never turns foreign.
 */

const ACCOUNT = "111122223333";
const enforce = parseConfig({ mode: "enforce", senderEmail: "k@example.com" });

let account: FakeAccount;
let keys: ReturnType<typeof fakeKeyPorts>;

/** One run `hours` hours after NOW, with the account's clock there too. */
async function runAt(hours: number): Promise<UserReport> {
  const now = new Date(NOW.getTime() + hours * 3_600_000);
  account.clock = () => now;
  const report = await reconcileAccount(
    { iam: account, secrets: account, ledger: account.ledger, log: memoryLog(), keys: keys.ports },
    enforce,
    { accountId: ACCOUNT, runId: `run-${hours}`, now },
  );
  const alice = report.users.find((u) => u.userName === "alice");
  if (!alice) throw new Error("alice was not looked at");
  return alice;
}

const record = () => account.ledger.user(ACCOUNT, "alice");
const secretArn = () => account.secrets.get("keyrotor/alice")?.arn;
const created = (u: UserReport) => u.actions.find((a) => a.kind === "create");

/** The old key's retirement eleven days on: only a secret keyrotor answers for lets it go. */
async function retiresOldKey(): Promise<void> {
  const later = await runAt(11 * 24);
  expect(later.findings.map((f) => f.kind)).not.toContain("foreign-secret");
  expect(later.actions).toEqual([
    expect.objectContaining({ kind: "deactivate", keyId: "OLD", outcome: "done" }),
  ]);
}

beforeEach(() => {
  account = new FakeAccount();
  keys = fakeKeyPorts(account);
  account.addUser("alice", [key("OLD", 90)]);
});

describe("a first rotation's outcome write carries its secret", () => {
  it("the outcome write lost: the next run records the key from the secret, and the secret with it", async () => {
    // Prepare: the value is stored, then the outcome write fails.
    account.ledger.failing.add("recordKey");
    expect(created(await runAt(0))?.outcome).toBe("failed");
    expect(record()?.secret).toBeUndefined();
    account.ledger.failing.delete("recordKey");
    // Act
    const next = await runAt(1);
    // Assess
    expect(next.findings.map((f) => f.kind)).not.toContain("foreign-secret");
    expect(record()?.secret?.arn).toBe(secretArn());
    expect(record()?.pending).toBeUndefined();
    expect(record()?.recorded?.keyId).toBe(account.users.get("alice")?.keys[1]?.id);
    await retiresOldKey();
  });

  it("a key that fails verification is deleted and the secret created for it is recorded", async () => {
    // Prepare
    keys.failVerification();
    // Act
    const first = await runAt(0);
    // Assess
    expect(created(first)?.outcome).toBe("failed");
    expect(account.users.get("alice")?.keys.map((k) => k.id)).toEqual(["OLD"]);
    expect(record()?.secret?.arn).toBe(secretArn());
    expect(record()?.pending).toBeUndefined();
    // The next rotation writes into that secret: keyrotor's own, not created again.
    keys.failVerification(false);
    account.mutations.length = 0;
    expect(created(await runAt(1))?.outcome).toBe("done");
    expect(account.mutations.filter((m) => m.startsWith("CreateSecret"))).toEqual([]);
    await retiresOldKey();
  });

  it("CreateAccessKey refused: the announcement is cleared and the secret recorded in one write", async () => {
    // Prepare
    account.failing.add("CreateAccessKey");
    // Act
    const first = await runAt(0);
    // Assess
    expect(created(first)?.outcome).toBe("failed");
    expect(account.ledger.writes.filter((w) => w.endsWith(" alice"))).toEqual([
      "markPending alice",
      "clearPending alice",
    ]);
    expect(record()?.secret?.arn).toBe(secretArn());
    expect(record()?.pending).toBeUndefined();
  });

  it("no outcome written at all: the next run's rotation takes the secret as its own and records it", async () => {
    // Prepare: the key cannot be made and the announcement cannot be cleared (a run that stops there).
    account.failing.add("CreateAccessKey");
    account.ledger.failing.add("clearPending");
    await runAt(0);
    expect(record()?.pending).toBeDefined();
    expect(record()?.secret).toBeUndefined();
    account.failing.delete("CreateAccessKey");
    account.ledger.failing.delete("clearPending");
    account.mutations.length = 0;
    const written = account.ledger.writes.length;
    // Act
    const next = await runAt(1);
    // Assess
    expect(created(next)?.outcome).toBe("done");
    expect(account.mutations.filter((m) => m.startsWith("CreateSecret"))).toEqual([]);
    expect(account.ledger.writes.slice(written).filter((w) => w.endsWith(" alice"))).toEqual([
      "markPending alice",
      "recordKey alice",
    ]);
    expect(record()?.secret?.arn).toBe(secretArn());
    await retiresOldKey();
  });
});
