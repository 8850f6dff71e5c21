import { expect } from "vitest";
import { type FaultProxy, startFaultProxy } from "../../scripts/lib/fault-proxy";
import { type Moto, startMoto } from "../../scripts/lib/moto";
import {
  buildWorld,
  type Harness,
  harnessConfig,
  healedViolations,
  invariantViolations,
  type RunOutcome,
  runCli,
  type World,
  worldState,
} from "./harness";

// The fault matrix's shared setup, split over three files so that they can run side by side: each
// file has its own moto, proxy and baseline (the clean rotation day's calls).

/** One AWS call of the clean rotation day, by its first attempt. */
export interface BaselineCall {
  readonly operation: string;
  readonly occurrence: number;
}

/** A moto and a fault proxy for one file, and the calls of a clean rotation day through them. */
export async function startMatrix(): Promise<{
  h: Harness;
  baseline: BaselineCall[];
  stop: () => Promise<void>;
}> {
  const saved = { ...process.env };
  const moto: Moto = await startMoto();
  // Held calls outlast the client's one-second timeout (awsTimeoutSeconds: 1 in the harness config).
  const proxy: FaultProxy = await startFaultProxy(moto.endpoint, { timeoutHoldMs: 2_500 });
  Object.assign(process.env, {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  });
  const h: Harness = { moto, proxy, transcript: [], configPath: harnessConfig() };
  // The clean rotation day, to learn every AWS call it makes.
  const world = await buildWorld(h);
  const clean = await runCli(h, world);
  expect(clean.code).toBe(0);
  expect(healedViolations(world, await worldState(h, world))).toEqual([]);
  // One entry per call (first attempts), whatever the SDK retried.
  const baseline = h.proxy.calls
    .filter((c) => c.attempt === 1)
    .map(({ operation, occurrence }) => ({ operation, occurrence }));
  const stop = async () => {
    process.env = saved;
    await proxy.stop();
    await moto.stop();
  };
  return { h, baseline, stop };
}

/** A run that failed must say so, naming the call; one that succeeded must have lost nothing. */
export function reportsHonestly(run: RunOutcome, operation: string) {
  if (run.code !== 0) {
    expect(run.code).toBe(1);
    expect(run.output).toContain(`${operation} failed`);
  }
  for (const count of run.emailsTo.values()) expect(count).toBeLessThanOrEqual(1);
}

/** Whether a faulted ledger write came after an email was sent: the one way a notice goes out twice. */
function ledgerWriteFailedAfterSending(h: Harness): boolean {
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
export async function faultedDay(h: Harness, world: World, setup: () => void, label = "") {
  setup();
  const faulted = await runCli(h, world);
  expect(h.proxy.faults.length).toBeGreaterThan(0);
  expect(invariantViolations(world, await worldState(h, world)), label).toEqual([]);
  const deliveryUnrecorded = ledgerWriteFailedAfterSending(h);
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

/** No secret access key the proxy handed out appears in any output, log line, report or email. */
export function leakedSecrets(h: Harness): string[] {
  expect(h.proxy.handedOut.size).toBeGreaterThan(0);
  const text = h.transcript.join("\n");
  return [...h.proxy.handedOut].filter((secret) => text.includes(secret));
}
