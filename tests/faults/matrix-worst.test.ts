import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failCall, seededRandom } from "../../scripts/lib/fault-proxy";
import {
  buildWorld,
  type Harness,
  keysOf,
  runCli,
  type World,
  type WorldAccount,
  worldState,
} from "./harness";
import { faultedDay, leakedSecrets, startMatrix } from "./matrix-support";

let h: Harness;
let stop = async () => {};

beforeAll(async () => {
  ({ h, stop } = await startMatrix());
}, 120_000);

afterAll(() => stop());

// The fault matrix, three: the worst cases (two faults at once, answers lost after the call was
// applied, random throttling over a whole sweep).

describe("the worst cases", () => {
  it("the secret write and its rollback both fail: the key stays announced, the next run removes it", async () => {
    const world = await buildWorld(h);
    const run = await faultedDay(h, world, () => {
      h.proxy.rules.push(
        failCall("PutSecretValue", 1, "server-error"),
        failCall("DeleteAccessKey", 1, "access-denied"),
      );
    });
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/could not be deleted \(.*\): it stays unrecorded/);
  }, 60_000);

  it.each([
    ["PutSecretValue", true],
    ["CreateAccessKey", true],
    ["CreateAccessKey", false],
  ] as const)(
    "a %s applied whose answer was lost (every attempt: %s) loses nothing",
    async (operation, persistent) => {
      const world = await buildWorld(h);
      const run = await faultedDay(h, world, () =>
        h.proxy.rules.push(failCall(operation, 1, "answer-lost", persistent)),
      );
      if (operation === "PutSecretValue") {
        // The write landed: the key is recorded at once, not rolled back, and the run reports no failure.
        expect(run.code, run.output.slice(-600)).toBe(0);
        expect(run.output).toContain("secret write applied though its answer was lost");
      }
    },
    60_000,
  );

  it("an UpdateAccessKey or DeleteAccessKey applied whose answer was lost is retried to a clean end", async () => {
    // Prepare: a clean rotation day, then the deactivation and deletion days with the first answer lost.
    const world = await buildWorld(h);
    expect((await runCli(h, world)).code).toBe(0);
    for (const [day, operation, status] of [
      [100, "UpdateAccessKey", "Inactive"],
      [110, "DeleteAccessKey", null],
    ] as const) {
      h.moto.setClockOffsetDays(day);
      const later: World = { ...world, asOf: h.moto.now().toISOString() };
      h.proxy.reset();
      h.proxy.rules.push(failCall(operation, 1, "answer-lost", false));
      // Act
      const run = await runCli(h, later);
      // Assess
      expect(h.proxy.faults.length, operation).toBeGreaterThan(0);
      expect(run.code, `${operation}: ${run.output.slice(-600)}`).toBe(0);
      const states = await worldState(h, world);
      for (const [account, users] of world.original) {
        for (const [user, originalKey] of users) {
          const original = keysOf(states.get(account) as WorldAccount, user).find(
            (k) => k.id === originalKey,
          );
          expect(original?.status ?? null, `${account}/${user} on day ${day}`).toBe(status);
        }
      }
    }
  }, 120_000);

  it("random throttling over a whole sweep, then a clean re-run", async () => {
    const world = await buildWorld(h);
    const random = seededRandom(20261123);
    const run = await faultedDay(h, world, () =>
      h.proxy.rules.push(() => (random() < 0.35 ? "throttling" : null)),
    );
    expect(h.transcript.length).toBeGreaterThan(0);
    for (const count of run.emailsTo.values()) expect(count).toBeLessThanOrEqual(1);
  }, 60_000);
});

describe("no leaks", () => {
  it("no secret access key appears in any output, log line, report or email of these runs", () => {
    expect(leakedSecrets(h)).toEqual([]);
  });
});
