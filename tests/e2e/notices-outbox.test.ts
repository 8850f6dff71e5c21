import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  clientsIn,
  createOrganization,
  createUsers,
  type Organization,
  sentEmails,
  verifySender,
} from "../../scripts/lib/emulator";
import { startFaultProxy } from "../../scripts/lib/fault-proxy";
import { type Moto, startMoto } from "../../scripts/lib/moto";
import { LedgerAdapter } from "../../shared/aws/ledger";
import { createQueues, drain, lambdaContext, scheduledEvent } from "../support/org-fixture";

const SENDER = "keyrotor@example.com";
const LEDGER = "keyrotor-notices-ledger";

let moto: Moto;
let proxy: Awaited<ReturnType<typeof startFaultProxy>>;
let org: Organization;
let queues: Awaited<ReturnType<typeof createQueues>>;
type SqsHandler = (e: SQSEvent, c: unknown) => Promise<SQSBatchResponse>;
let handlers: {
  scheduler: (e: unknown, c: unknown) => Promise<unknown>;
  rotator: SqsHandler;
  notifier: SqsHandler;
};

/** Moves moto's clock and the handlers' to `day` (hours after the 06:00 schedule as given). */
function at(day: number, hours = 0) {
  moto.setClockOffsetDays(day);
  const now = new Date(moto.now().getTime() + hours * 3_600_000);
  vi.setSystemTime(now);
  return now;
}

/** Schedules a run and gives every job to the rotator; returns the job records and the rotator's failures. */
async function schedule(now: Date): Promise<{ jobs: SQSRecord[]; failures: number }> {
  await handlers.scheduler(scheduledEvent(now), lambdaContext("keyrotor-scheduler"));
  const jobs = await drain(queues.jobs.url);
  return { jobs, failures: await rotate(jobs) };
}

async function rotate(jobs: SQSRecord[]): Promise<number> {
  let failures = 0;
  for (const record of jobs) {
    const response = await handlers.rotator({ Records: [record] }, lambdaContext("keyrotor-rotator"));
    failures += response.batchItemFailures.length;
  }
  return failures;
}

/** The notifier over every queued notice; returns the emails SES accepted and the records that failed. */
async function notify() {
  const before = (await sentEmails(moto.endpoint)).length;
  const notices = await drain(queues.notices.url);
  const response = await handlers.notifier({ Records: notices }, lambdaContext("keyrotor-notifier"));
  return {
    notices,
    failed: response.batchItemFailures,
    emails: (await sentEmails(moto.endpoint)).slice(before),
  };
}

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  moto = await startMoto();
  proxy = await startFaultProxy(moto.endpoint);
  vi.stubEnv("AWS_ENDPOINT_URL", proxy.endpoint);
  vi.stubEnv("AWS_REGION", "us-east-1");
  vi.stubEnv("AWS_ACCESS_KEY_ID", "testing");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "testing");
  org = await createOrganization([{ name: "Prod", ouPath: ["Workloads"] }]);
  queues = await createQueues();
  await verifySender(SENDER);
  await LedgerAdapter.create(LEDGER).ensureTable();
  await createUsers((await clientsIn(org.accounts.Prod?.id ?? "")).iam, [{ name: "app", keys: ["Active"] }]);
  vi.stubEnv("KEYROTOR_MODE", "enforce");
  vi.stubEnv("KEYROTOR_SENDER_EMAIL", SENDER);
  vi.stubEnv("KEYROTOR_INCLUDE_ACCOUNTS", org.accounts.Prod?.id ?? "");
  vi.stubEnv("KEYROTOR_LEDGER_TABLE", LEDGER);
  vi.stubEnv("JOBS_QUEUE_URL", queues.jobs.url);
  vi.stubEnv("NOTICES_QUEUE_URL", queues.notices.url);
  vi.stubEnv("AWS_PARTITION", "aws");
  vi.stubEnv("POWERTOOLS_DEV", "true");
  for (const method of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, method).mockImplementation(() => undefined);
  }
  handlers = {
    scheduler: (await import("../../functions/scheduler")).handler as never,
    rotator: (await import("../../functions/rotator")).handler as never,
    notifier: (await import("../../functions/notifier")).handler as never,
  };
}, 120_000);

afterAll(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  await proxy?.stop();
  await moto?.stop();
});

describe("notices through the outbox, end to end against moto", () => {
  it("day 83: the warning is mailed once, whatever runs follow the same day or the next", async () => {
    // Act: the daily run, a retried job, a second run the same day, the next day's run
    const first = await schedule(at(83));
    const daily = await notify();
    await rotate(first.jobs);
    await schedule(at(83, 3));
    await schedule(at(84));
    const later = await notify();
    // Assess
    expect(daily.emails.map((e) => e.subject)).toEqual([
      `[keyrotor] Prod (${org.accounts.Prod?.id}): 1 key rotates soon`,
    ]);
    expect(daily.emails[0]?.body).toContain("app: key");
    expect(later.emails).toEqual([]);
  });

  it("day 90: a notice whose queuing failed after the key was created is still mailed, once", async () => {
    // Prepare: the notices queue refuses every send during the first attempt
    proxy.rules.push((call) =>
      call.operation.startsWith("SendMessage") && call.body.includes("notices") ? "server-error" : null,
    );
    const { jobs, failures } = await schedule(at(90));
    proxy.rules.length = 0;
    // Act: the job's retry finds nothing new to do
    await rotate(jobs);
    const { emails } = await notify();
    await schedule(at(91));
    const after = await notify();
    // Assess
    expect(failures).toBe(1);
    expect(emails.map((e) => e.subject)).toEqual([
      `[keyrotor] Prod (${org.accounts.Prod?.id}): 1 key rotated`,
    ]);
    expect(emails[0]?.body).toContain("app or a reader fetches it");
    expect(after.emails).toEqual([]);
  });

  it("day 100: a notice SES refused is sent by the next run, once; its dead letter redriven sends nothing", async () => {
    // Prepare: SES refuses every send of this day's notice
    await schedule(at(100));
    proxy.rules.push((call) => (call.operation === "SendEmail" ? "server-error" : null));
    const refused = await notify();
    proxy.rules.length = 0;
    // Act
    await schedule(at(101));
    const next = await notify();
    const redriven = await handlers.notifier(
      { Records: refused.notices },
      lambdaContext("keyrotor-notifier"),
    );
    // Assess
    expect(refused.failed).toHaveLength(1);
    expect(next.emails.map((e) => e.subject)).toEqual([
      `[keyrotor] Prod (${org.accounts.Prod?.id}): 1 old key deactivated`,
    ]);
    expect(redriven.batchItemFailures).toEqual([]);
    expect((await sentEmails(moto.endpoint)).filter((e) => e.subject.endsWith("deactivated"))).toHaveLength(
      1,
    );
  });
});
