import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  FAULT_KINDS,
  type FaultProxy,
  failCall,
  seededRandom,
  startFaultProxy,
} from "../../scripts/lib/fault-proxy";
import { type Moto, startMoto } from "../../scripts/lib/moto";
import {
  buildWorld,
  type Harness,
  harnessConfig,
  healedViolations,
  invariantViolations,
  keysOf,
  type RunOutcome,
  runCli,
  type World,
  type WorldAccount,
  worldState,
} from "./harness";

let h: Harness;
let baseline: { operation: string; occurrence: number }[] = [];
const saved = { ...process.env };

beforeAll(async () => {
  const moto: Moto = await startMoto();
  // Held calls outlast the client's one-second timeout (awsTimeoutSeconds: 1 in the harness config).
  const proxy: FaultProxy = await startFaultProxy(moto.endpoint, { timeoutHoldMs: 2_500 });
  Object.assign(process.env, {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  });
  h = { moto, proxy, transcript: [], configPath: harnessConfig() };
  // The clean rotation day, to learn every AWS call it makes.
  const world = await buildWorld(h);
  const clean = await runCli(h, world);
  expect(clean.code).toBe(0);
  expect(healedViolations(world, await worldState(h, world))).toEqual([]);
  // One entry per call (first attempts), whatever the SDK retried.
  baseline = h.proxy.calls
    .filter((c) => c.attempt === 1)
    .map(({ operation, occurrence }) => ({ operation, occurrence }));
}, 120_000);

afterAll(async () => {
  process.env = saved;
  await h?.proxy.stop();
  await h?.moto.stop();
});

/** A run that failed must say so, naming the call; one that succeeded must have lost nothing. */
function reportsHonestly(run: RunOutcome, operation: string) {
  if (run.code !== 0) {
    expect(run.code).toBe(1);
    expect(run.output).toContain(`${operation} failed`);
  }
  for (const count of run.emailsTo.values()) expect(count).toBeLessThanOrEqual(1);
}

/** Whether a faulted ledger write came after an email was sent: the one way a notice goes out twice. */
function ledgerWriteFailedAfterSending(): boolean {
  const { calls, faults } = h.proxy;
  const firstSend = calls.findIndex((c) => c.operation === "SendEmail");
  return (
    firstSend >= 0 &&
    faults.some(
      (f) =>
        f.operation === "UpdateItem" &&
        calls.findIndex((c) => c.operation === f.operation && c.occurrence === f.occurrence) > firstSend,
    )
  );
}

/** Faulted run, invariants; clean run an hour later, everything healed. */
async function faultedDay(world: World, setup: () => void, label = "") {
  setup();
  const faulted = await runCli(h, world);
  expect(h.proxy.faults.length).toBeGreaterThan(0);
  expect(invariantViolations(world, await worldState(h, world)), label).toEqual([]);
  const deliveryUnrecorded = ledgerWriteFailedAfterSending();
  h.proxy.reset();
  const next: World = { ...world, asOf: new Date(new Date(world.asOf).getTime() + 3_600_000).toISOString() };
  const clean = await runCli(h, next);
  expect(clean.code, `${label}: ${clean.output.slice(-800)}`).toBe(0);
  expect(healedViolations(world, await worldState(h, world)), label).toEqual([]);
  // The clean run sends its own notice and, from the outbox, one the faulted run could not deliver:
  // at most two emails to an address, and the same email twice only where SES accepted it but the
  // ledger write recording that failed (delivery is at least once: a notice is never lost).
  for (const count of clean.emailsTo.values()) expect(count).toBeLessThanOrEqual(2);
  const both = [...faulted.sent, ...clean.sent];
  if (!deliveryUnrecorded) expect(both.length, `${label}: an email sent twice`).toBe(new Set(both).size);
  return faulted;
}

describe("a fault at every AWS call of a rotation day, one at a time", () => {
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
        world,
        () => h.proxy.rules.push(failCall(call.operation, call.occurrence, "access-denied")),
        `access denied at ${call.operation} #${call.occurrence}`,
      );
      reportsHonestly(run, call.operation);
      if (run.code === 0) expect(call.operation).toBe("TagResource");
    }
  }, 600_000);

  it("5xx, throttling or a timeout at each call, persisting through the retries or not", async () => {
    const kinds = FAULT_KINDS.filter((k) => k !== "access-denied");
    for (const [i, call] of baseline.entries()) {
      const kind = kinds[i % kinds.length] ?? "throttling";
      const persistent = i % 2 === 0;
      const world = await buildWorld(h);
      const run = await faultedDay(
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

describe("the worst cases", () => {
  it("the secret write and its rollback both fail: the key stays announced, the next run removes it", async () => {
    const world = await buildWorld(h);
    const run = await faultedDay(world, () => {
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
      const run = await faultedDay(world, () =>
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
    const run = await faultedDay(world, () =>
      h.proxy.rules.push(() => (random() < 0.35 ? "throttling" : null)),
    );
    expect(h.transcript.length).toBeGreaterThan(0);
    for (const count of run.emailsTo.values()) expect(count).toBeLessThanOrEqual(1);
  }, 60_000);
});

describe("no leaks", () => {
  it("no secret access key appears in any output, log line, report or email of these runs", () => {
    expect(h.proxy.handedOut.size).toBeGreaterThan(30);
    const text = h.transcript.join("\n");
    const leaked = [...h.proxy.handedOut].filter((secret) => text.includes(secret));
    expect(leaked).toEqual([]);
  });
});
