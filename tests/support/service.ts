import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { vi } from "vitest";
import { verifySender } from "../../scripts/lib/emulator";
import { type FaultProxy, startFaultProxy } from "../../scripts/lib/fault-proxy";
import { type Moto, startMoto } from "../../scripts/lib/moto";
import { LedgerAdapter } from "../../shared/aws/ledger";
import { stubMotoEnv } from "./moto-env";
import { createQueues } from "./org-fixture";

/**
 * The deployed service inside one test file: moto behind the fault proxy, the two queues with their
 * dead-letter queues, the ledger table, a verified sender, and the real handlers wired to them by the
 * environment the stack gives them. The handlers' clock is faked (`Date` only) so a test moves it with
 * moto's; every line they log is kept.
 */

export type SqsHandler = (event: SQSEvent, context: unknown) => Promise<SQSBatchResponse>;

export interface Emulators {
  readonly moto: Moto;
  readonly proxy: FaultProxy;
}

export interface Service extends Emulators {
  readonly queues: Awaited<ReturnType<typeof createQueues>>;
  readonly handlers: {
    readonly scheduler: (event: unknown, context: unknown) => Promise<unknown>;
    readonly rotator: SqsHandler;
    readonly notifier: SqsHandler;
  };
  /** Every line the handlers logged. */
  readonly output: string[];
}

export const SENDER = "keyrotor@example.com";

/** moto behind the fault proxy, and the AWS environment pointing at it; the handlers' clock faked. */
export async function startEmulators(): Promise<Emulators> {
  vi.useFakeTimers({ toFake: ["Date"] });
  const moto = await startMoto();
  const proxy = await startFaultProxy(moto.endpoint);
  stubMotoEnv(proxy.endpoint);
  return { moto, proxy };
}

/**
 * Deploys the service into the emulators: queues, sender, ledger, then the handlers, loaded with
 * `settings` as their KEYROTOR_* variables (enforce mode unless they say otherwise).
 */
export async function deployService(
  emulators: Emulators,
  ledgerTable: string,
  settings: Record<string, string> = {},
): Promise<Service> {
  const queues = await createQueues();
  await verifySender(SENDER);
  await LedgerAdapter.create(ledgerTable).ensureTable();
  const env: Record<string, string> = {
    KEYROTOR_MODE: "enforce",
    KEYROTOR_SENDER_EMAIL: SENDER,
    KEYROTOR_LEDGER_TABLE: ledgerTable,
    ...settings,
    JOBS_QUEUE_URL: queues.jobs.url,
    NOTICES_QUEUE_URL: queues.notices.url,
    AWS_PARTITION: "aws",
    POWERTOOLS_DEV: "true",
  };
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  const output: string[] = [];
  for (const method of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      output.push(args.map(String).join(" "));
    });
  }
  const handlers = {
    scheduler: (await import("../../functions/scheduler")).handler as never,
    rotator: (await import("../../functions/rotator")).handler as never,
    notifier: (await import("../../functions/notifier")).handler as never,
  };
  return { ...emulators, queues, handlers, output };
}

/** Undoes what `startEmulators` and `deployService` set up. */
export async function stopService(emulators: Partial<Emulators> | undefined): Promise<void> {
  vi.useRealTimers();
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  await emulators?.proxy?.stop();
  await emulators?.moto?.stop();
}
