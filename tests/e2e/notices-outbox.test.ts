import type { SQSRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  clientsIn,
  createOrganization,
  createUsers,
  type Organization,
  sentEmails,
} from "../../scripts/lib/emulator";
import type { FaultProxy } from "../../scripts/lib/fault-proxy";
import type { Moto } from "../../scripts/lib/moto";
import { drain, lambdaContext, scheduledEvent } from "../support/org-fixture";
import { deployService, type Service, startEmulators, stopService } from "../support/service";

const LEDGER = "keyrotor-notices-ledger";

let moto: Moto;
let proxy: FaultProxy;
let org: Organization;
let queues: Service["queues"];
let handlers: Service["handlers"];

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
  const emulators = await startEmulators();
  ({ moto } = emulators);
  org = await createOrganization([{ name: "Prod", ouPath: ["Workloads"] }]);
  await createUsers((await clientsIn(org.accounts.Prod?.id ?? "")).iam, [{ name: "app", keys: ["Active"] }]);
  ({ queues, handlers } = await deployService(emulators, LEDGER, {
    KEYROTOR_INCLUDE_ACCOUNTS: org.accounts.Prod?.id ?? "",
  }));
  proxy = emulators.proxy;
}, 120_000);

afterAll(() => stopService({ moto, proxy }));

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
