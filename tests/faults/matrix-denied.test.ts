import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failCall } from "../../scripts/lib/fault-proxy";
import { buildWorld, type Harness } from "./harness";
import { type BaselineCall, faultedDay, leakedSecrets, reportsHonestly, startMatrix } from "./matrix-support";

let h: Harness;
let baseline: BaselineCall[] = [];
let stop = async () => {};

beforeAll(async () => {
  ({ h, baseline, stop } = await startMatrix());
}, 120_000);

afterAll(() => stop());

// The fault matrix, one: access denied at every AWS call of a rotation day, one at a time
// (matrix-transient.test.ts: 5xx, throttling and timeouts; matrix-worst.test.ts: the worst cases).

describe("access denied at every AWS call of a rotation day, one at a time", () => {
  it("the clean day makes the calls the matrix walks", () => {
    const operations = new Set(baseline.map((c) => c.operation));
    for (const op of [
      "AssumeRole",
      "GenerateCredentialReport",
      "GetCredentialReport",
      "Query",
      "UpdateItem",
      "DescribeSecret",
      "ListAccessKeys",
      "CreateSecret",
      "CreateAccessKey",
      "PutSecretValue",
      "GetCallerIdentity",
      "Encrypt",
      "DescribeParameters",
      "PutParameter",
      "SendEmail",
    ]) {
      expect(operations).toContain(op);
    }
  });

  it("access denied at each call: nothing lost, the failure is reported, the next run heals", async () => {
    for (const call of baseline) {
      const world = await buildWorld(h);
      const run = await faultedDay(
        h,
        world,
        () => h.proxy.rules.push(failCall(call.operation, call.occurrence, "access-denied")),
        `access denied at ${call.operation} #${call.occurrence}`,
      );
      reportsHonestly(run, call.operation);
      if (run.code === 0) expect(call.operation).toBe("TagResource");
    }
  }, 600_000);
});

describe("no leaks", () => {
  it("no secret access key appears in any output, log line, report or email of these runs", () => {
    expect(leakedSecrets(h)).toEqual([]);
  });
});
