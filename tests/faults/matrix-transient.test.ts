import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAULT_KINDS, failCall } from "../../scripts/lib/fault-proxy";
import { buildWorld, type Harness } from "./harness";
import { type BaselineCall, faultedDay, leakedSecrets, reportsHonestly, startMatrix } from "./matrix-support";

let h: Harness;
let baseline: BaselineCall[] = [];
let stop = async () => {};

beforeAll(async () => {
  ({ h, baseline, stop } = await startMatrix());
}, 120_000);

afterAll(() => stop());

// The fault matrix, two: a fault of a moment (5xx, throttling, a timeout) at every AWS call of a
// rotation day, one at a time, persisting through the retries or not.

describe("a fault of a moment at every AWS call of a rotation day, one at a time", () => {
  it("5xx, throttling or a timeout at each call, persisting through the retries or not", async () => {
    const kinds = FAULT_KINDS.filter((k) => k !== "access-denied");
    for (const [i, call] of baseline.entries()) {
      const kind = kinds[i % kinds.length] ?? "throttling";
      const persistent = i % 2 === 0;
      const world = await buildWorld(h);
      const run = await faultedDay(
        h,
        world,
        () => h.proxy.rules.push(failCall(call.operation, call.occurrence, kind, persistent)),
        `${kind} at ${call.operation} #${call.occurrence}${persistent ? " (persistent)" : ""}`,
      );
      reportsHonestly(run, call.operation);
      // The verifier asks STS again with a fresh call while a new key may still be propagating in IAM
      // (throttling, a rejected signature): a fault that persists through one call's retries ends there.
      if (persistent && run.code === 0)
        expect(["TagResource", "GetCallerIdentity"]).toContain(call.operation);
      // A fault the SDK's retry absorbs changes nothing in the outcome.
      if (!persistent)
        expect(
          run.code,
          `${kind} once at ${call.operation} #${call.occurrence}: ${run.output.slice(-600)}`,
        ).toBe(0);
    }
  }, 600_000);
});

describe("no leaks", () => {
  it("no secret access key appears in any output, log line, report or email of these runs", () => {
    expect(leakedSecrets(h)).toEqual([]);
  });
});
