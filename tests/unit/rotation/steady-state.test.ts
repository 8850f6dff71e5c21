import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FakeAccount } from "../../../scripts/lib/fake-account";
import { parseConfig } from "../../../shared/config";
import { addDays, DAY_MS, type KeyStatus } from "../../../shared/lifecycle";
import { type AccountReport, reconcileAccount } from "../../../shared/rotation";
import { NOW } from "../../support/keys";
import { memoryLog } from "../../support/log";

/**
 * The steady state: a user with nothing due costs no call of its own, and nothing due is ever skipped.
 * Two twins of one random organization are walked day by day in enforce mode, one looked at in full
 * every day, one through the credential report and the ledger; every day they must do the same.
 */

interface Spec {
  readonly keys: { ageDays: number; status: KeyStatus }[];
  readonly exempt: boolean;
}

const specArb = fc.record({
  keys: fc.array(
    fc.record({
      ageDays: fc.integer({ min: 0, max: 130 }),
      status: fc.constantFrom<KeyStatus>("Active", "Inactive"),
    }),
    { maxLength: 2 },
  ),
  exempt: fc.integer({ min: 0, max: 9 }).map((n) => n < 2),
});

function twin(specs: Spec[], clock: () => Date): FakeAccount {
  const account = new FakeAccount();
  account.clock = clock;
  specs.forEach((spec, u) => {
    const keys = spec.keys.map((k, i) => ({
      id: `K${u}x${i}`,
      status: k.status,
      createdAt: new Date(NOW.getTime() - k.ageDays * DAY_MS - (u * 7 + i) * 60_000),
    }));
    account.addUser(`user${u}`, keys);
    if (spec.exempt) account.groupMembers.add(`user${u}`);
  });
  return account;
}

/** What a day did to each user: actions and warnings, by user (key ids are the twins' own). */
const deeds = (report: AccountReport) =>
  Object.fromEntries(
    report.users
      .filter((u) => u.actions.length > 0 || u.warnings.length > 0)
      .map((u) => [
        u.userName,
        { actions: u.actions.map((a) => `${a.kind}:${a.outcome}`), warnings: u.warnings.length },
      ]),
  );

describe("steady state against a full look every day", () => {
  it("does the same as a full look on every day of random organizations, and skips nobody with a step due", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(specArb, { minLength: 1, maxLength: 6 }), async (specs) => {
        let now = NOW;
        const full = twin(specs, () => now);
        const frugal = twin(specs, () => now);
        const settings = parseConfig({ mode: "enforce", senderEmail: "k@example.com", userConcurrency: 1 });
        for (let day = 0; day < 130; day += 1) {
          now = addDays(NOW, day);
          const run = { accountId: "111122223333", runId: `day-${day}`, now };
          const reference = await reconcileAccount(
            { iam: full, secrets: full, ledger: full.ledger, log: memoryLog() },
            { ...settings, discovery: "full" },
            run,
          );
          const looked = await reconcileAccount(
            { iam: frugal, secrets: frugal, ledger: frugal.ledger, log: memoryLog() },
            settings,
            run,
          );
          expect(deeds(looked), `day ${day}`).toEqual(deeds(reference));
        }
      }),
      { numRuns: 40 },
    );
  }, 120_000);

  it("a user with nothing due costs no call of its own: only the account's reads", async () => {
    // Prepare: 200 users, none within a week of any step.
    const account = new FakeAccount();
    account.clock = () => NOW;
    for (let u = 0; u < 200; u++) {
      account.addUser(`user${u}`, [{ id: `K${u}`, status: "Active", createdAt: addDays(NOW, -(u % 80)) }]);
    }
    const calls: string[] = [];
    const counted = new Proxy(account, {
      get(obj, prop, receiver) {
        const value = Reflect.get(obj, prop, receiver);
        return typeof value === "function"
          ? (...args: unknown[]) => {
              calls.push(String(prop));
              return value.apply(obj, args);
            }
          : value;
      },
    });
    // Act
    const report = await reconcileAccount(
      { iam: counted, secrets: counted, ledger: account.ledger, log: memoryLog() },
      parseConfig({ mode: "enforce", senderEmail: "k@example.com" }),
      { accountId: "111122223333", runId: "r", now: NOW },
    );
    // Assess
    expect(calls).toEqual(["credentialReport"]);
    expect(report.unexaminedUsers).toBe(200);
  });
});
