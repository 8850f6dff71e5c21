import { describe, expect, it } from "vitest";
import { FakeAccount } from "../../../scripts/lib/fake-account";
import { parseConfig } from "../../../shared/config";
import { addDays } from "../../../shared/lifecycle";
import { type AccountReport, type RotationSettings, reconcileAccount } from "../../../shared/rotation";
import type { KeyPorts } from "../../../shared/rotation/ports";
import { deliverySettings, fakeKeyPorts } from "../../support/key-ports";
import { key, NOW } from "../../support/keys";
import { memoryLog } from "../../support/log";

/**
 * What each step of one user's key life costs, counted call by call: the member account's calls
 * (IAM, Secrets Manager, and the new key's own STS verification) and the ledger's writes. The account's
 * own reads (credential report, directory, ledger load, run record) are counted apart: they are paid
 * once a run, whatever its users do. Counts are deterministic, so they are asserted exactly.
 */

const ACCOUNT = "111122223333";
/** Reads every run makes once for the whole account, not for one user. */
const ACCOUNT_READS = new Set(["credentialReport", "userDirectory"]);

interface DayCost {
  /** The user's actions that day, `warning` for a day that only warns. */
  readonly step: string;
  readonly member: string[];
  readonly ledger: string[];
  readonly account: string[];
}

/** A port whose every method call is appended to `calls` by name before it runs. */
function counting<T extends object>(target: T, calls: string[], rename?: (name: string) => string): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls.push(rename ? rename(String(prop)) : String(prop));
        return value.apply(obj, args);
      };
    },
  });
}

/**
 * Runs one account of one user (one key, 90 days old) daily from NOW for `days` days, and says what each
 * day that cost the user anything cost: its first rotation, the old key's deactivation and deletion,
 * the warning before the next rotation, and the later rotation.
 */
async function walk(settings: RotationSettings, days: number): Promise<DayCost[]> {
  let now = NOW;
  const account = new FakeAccount();
  account.clock = () => now;
  account.addUser("alice", [key("OLD", 90)]);
  const calls: string[] = [];
  const keyPorts = fakeKeyPorts(account).ports;
  const keys: KeyPorts = {
    ...keyPorts,
    ...(keyPorts.verifier ? { verifier: counting(keyPorts.verifier, calls, () => "GetCallerIdentity") } : {}),
  };
  const member = counting(account, calls);
  const costs: DayCost[] = [];
  for (let day = 0; day < days; day += 1) {
    now = addDays(NOW, day);
    calls.length = 0;
    const written = account.ledger.writes.length;
    const report: AccountReport = await reconcileAccount(
      { iam: member, secrets: member, ledger: account.ledger, log: memoryLog(), keys },
      settings,
      { accountId: ACCOUNT, runId: `day-${day}`, now },
    );
    const writes = account.ledger.writes.slice(written);
    const own = calls.filter((c) => !ACCOUNT_READS.has(c));
    const ledger = writes.filter((w) => !w.startsWith("recordRun"));
    if (own.length === 0 && ledger.length === 0) continue;
    const alice = report.users.find((u) => u.userName === "alice");
    const actions = alice?.actions.map((a) => `${a.kind}:${a.outcome}`) ?? [];
    costs.push({
      step: actions.length > 0 ? actions.join(" ") : "warning",
      member: own,
      ledger,
      account: [
        ...calls.filter((c) => ACCOUNT_READS.has(c)),
        ...writes.filter((w) => w.startsWith("recordRun")),
      ],
    });
  }
  return costs;
}

const stepsOf = (costs: DayCost[]) => costs.map((c) => c.step);
const costOf = (costs: DayCost[], step: string, nth = 0) => {
  const found = costs.filter((c) => c.step === step)[nth];
  if (!found) throw new Error(`no ${step} #${nth + 1} in ${stepsOf(costs).join(", ")}`);
  return { member: found.member, ledger: found.ledger };
};

describe("what each step of a key's life costs", () => {
  const plain = parseConfig({ mode: "enforce", senderEmail: "k@example.com" });

  it("walks one user through a first rotation, the retirement of its old key and a later rotation", async () => {
    // Act
    const costs = await walk(plain, 95);
    // Assess: the days that cost the user a call, in order.
    expect(stepsOf(costs)).toEqual([
      "create:done",
      "deactivate:done",
      "delete:done",
      "warning",
      "create:done",
    ]);
    // Every run pays the account's reads once, and records itself once.
    for (const day of costs) {
      expect(day.account).toEqual(["credentialReport", "userDirectory", `recordRun ${ACCOUNT}`]);
    }
  });

  it("a first rotation: the secret, its policy, the key, its verification and its value", async () => {
    // Act
    const first = costOf(await walk(plain, 1), "create:done");
    // Assess
    expect(first.member).toEqual([
      "listAccessKeys",
      "describeSecret",
      "createSecret",
      "putResourcePolicy",
      "createAccessKey",
      "GetCallerIdentity",
      "putSecretValue",
    ]);
    expect(first.ledger).toEqual(["markPending alice", "recordKey alice"]);
  });

  it("a later rotation: the secret is read again and its policy compared", async () => {
    // Act
    const later = costOf(await walk(plain, 95), "create:done", 1);
    // Assess
    expect(later.member).toEqual([
      "listAccessKeys",
      "describeSecret",
      "getResourcePolicy",
      "createAccessKey",
      "GetCallerIdentity",
      "putSecretValue",
    ]);
    expect(later.ledger).toEqual(["markPending alice", "recordKey alice"]);
  });

  it("a deactivation re-reads the keys and the secret that holds their replacement", async () => {
    // Act
    const deactivation = costOf(await walk(plain, 11), "deactivate:done");
    // Assess
    expect(deactivation.member).toEqual(["listAccessKeys", "describeSecret", "deactivateAccessKey"]);
    expect(deactivation.ledger).toEqual(["setRetired alice"]);
  });

  it("a deletion re-reads the keys only", async () => {
    // Act
    const deletion = costOf(await walk(plain, 21), "delete:done");
    // Assess
    expect(deletion.member).toEqual(["listAccessKeys", "deleteAccessKey"]);
    expect(deletion.ledger).toEqual([]);
  });

  it("a warning costs the user's key listing", async () => {
    // Act
    const warning = costOf(await walk(plain, 95), "warning");
    // Assess
    expect(warning).toEqual({ member: ["listAccessKeys"], ledger: [] });
  });

  it("a rotation with destinations adds the delivery's two ledger writes, before and after the value", async () => {
    // Act
    const costs = await walk(deliverySettings(ACCOUNT), 95);
    // Assess
    expect(stepsOf(costs)).toEqual([
      "create:done",
      "deactivate:done",
      "delete:done",
      "warning",
      "create:done",
    ]);
    const first = costOf(costs, "create:done");
    expect(first.member).toEqual([
      "listAccessKeys",
      "describeSecret",
      "createSecret",
      "putResourcePolicy",
      "createAccessKey",
      "GetCallerIdentity",
      "putSecretValue",
    ]);
    expect(first.ledger).toEqual([
      "markPending alice",
      "setDelivery alice",
      "recordKey alice",
      "setDelivery alice",
    ]);
    expect(costOf(costs, "create:done", 1).ledger).toEqual([
      "markPending alice",
      "setDelivery alice",
      "recordKey alice",
      "setDelivery alice",
    ]);
  });
});
