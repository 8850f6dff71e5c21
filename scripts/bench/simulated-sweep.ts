import { mapWithConcurrency } from "../../shared/concurrency";
import { parseConfig } from "../../shared/config";
import { rotateJob } from "../../shared/jobs/rotate-job";
import { addDays } from "../../shared/lifecycle";
import type { Notice } from "../../shared/messages";
import type { AccountPorts, Log } from "../../shared/rotation";
import { scheduleRun } from "../../shared/scheduling/schedule-run";
import { FakeAccount } from "../lib/fake-account";
import { VirtualClock } from "./virtual-clock";

/** The latency and throttling model: per-call latency by service, IAM's per-account rate. */
export const MODEL = {
  latencyMs: { iam: 60, secrets: 40, sts: 30, organizations: 150, sqs: 20 },
  /** IAM calls per second per account before throttling (IAM's control plane is modest). */
  iamRatePerSecond: 15,
  /** Attempts per call, as the SDK's adaptive mode retries a throttled call. */
  maxAttempts: 5,
  /** Organizations ListAccounts page size. */
  pageSize: 20,
};

const silent: Log = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
const SECRETS_OPS = new Set([
  "listSecrets",
  "describeSecret",
  "getResourcePolicy",
  "restoreSecret",
  "createSecret",
  "putResourcePolicy",
  "putSecretValue",
]);

/** A token bucket in simulated time. */
class RateLimit {
  private tokens: number;
  private last = 0;
  constructor(
    private readonly clock: VirtualClock,
    private readonly perSecond: number,
  ) {
    this.tokens = perSecond;
  }
  take(): boolean {
    this.tokens = Math.min(
      this.perSecond,
      this.tokens + ((this.clock.now - this.last) / 1000) * this.perSecond,
    );
    this.last = this.clock.now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** One simulated member account: the in-memory fake behind latency, an IAM rate limit and retries. */
function simulatedAccount(
  clock: VirtualClock,
  fake: FakeAccount,
  counter: { calls: number; throttled: number },
) {
  const iamLimit = new RateLimit(clock, MODEL.iamRatePerSecond);
  const wrap = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(obj, prop, receiver) {
        const value = Reflect.get(obj, prop, receiver);
        if (typeof value !== "function") return value;
        const secrets = SECRETS_OPS.has(String(prop));
        // The fake reads the credential report in one method; IAM needs Generate then Get.
        const weight = prop === "credentialReport" ? 2 : 1;
        return async (...args: unknown[]) => {
          for (let attempt = 1; ; attempt++) {
            counter.calls += weight;
            await clock.sleep(secrets ? MODEL.latencyMs.secrets : MODEL.latencyMs.iam);
            if (secrets || iamLimit.take()) return value.apply(obj, args);
            counter.throttled++;
            if (attempt >= MODEL.maxAttempts) throw new Error("Throttling: rate exceeded");
            await clock.sleep(Math.min(100 * 2 ** attempt, 5_000));
          }
        };
      },
    });
  return { iam: wrap(fake), secrets: wrap(fake) } as unknown as Omit<AccountPorts, "log">;
}

export interface SweepFigures {
  readonly accounts: number;
  readonly usersPerAccount: number;
  readonly day: "steady" | "rotation";
  readonly discovery: "report" | "full";
  readonly concurrency: number;
  readonly wallMinutes: number;
  readonly callsPerAccount: number;
  readonly throttledPerAccount: number;
}

/**
 * Sweeps `accounts` simulated accounts of `users` users each, through the real scheduler and rotator
 * use cases, at `concurrency` rotators at once (the event source's maximumConcurrency).
 */
export async function simulateSweep(
  accounts: number,
  users: number,
  day: "steady" | "rotation",
  discovery: "report" | "full",
  concurrency: number,
): Promise<SweepFigures> {
  const clock = new VirtualClock();
  const config = parseConfig({ mode: "enforce", senderEmail: "k@example.com", discovery });
  const now = new Date("2027-01-01T06:00:00Z");
  const ids = Array.from({ length: accounts }, (_, i) => String(100000000000 + i));
  let calls = 0;
  let throttled = 0;
  const { elapsedMs } = await clock.run(async () => {
    const jobs: Parameters<typeof rotateJob>[2][] = [];
    const organization = {
      listAccounts: async () => {
        for (let page = 0; page < Math.ceil(accounts / MODEL.pageSize); page++)
          await clock.sleep(MODEL.latencyMs.organizations);
        return ids.map((id) => ({ id, name: id, email: `${id}@example.com`, state: "ACTIVE" }));
      },
      describeAccount: async (id: string) => ({ id, name: id, email: "", state: "ACTIVE" }),
      listAccountIdsUnder: async () => new Set<string>(),
      ancestorsOf: async () => [],
    };
    const sendJobs = async (batch: readonly (typeof jobs)[number][]) => {
      for (let i = 0; i < batch.length; i += 10) await clock.sleep(MODEL.latencyMs.sqs);
      jobs.push(...batch);
    };
    await scheduleRun({ organization, jobs: { sendJobs }, log: silent }, config, {
      runId: "bench",
      asOf: now,
    });
    await mapWithConcurrency(jobs, concurrency, async (job) => {
      const fake = new FakeAccount();
      fake.clock = () => now;
      for (let u = 0; u < users; u++) {
        const age = day === "rotation" ? 90 : (u * 7) % 80;
        fake.addUser(`user-${u}`, [
          { id: `K${u}`, status: "Active", createdAt: new Date(addDays(now, -age).getTime() - 1000) },
        ]);
      }
      const counter = { calls: 0, throttled: 0 };
      const ports = {
        openAccount: async () => {
          counter.calls++;
          await clock.sleep(MODEL.latencyMs.sts);
          return simulatedAccount(clock, fake, counter);
        },
        ledger: fake.ledger,
        notices: { sendNotice: async (_: Notice) => clock.sleep(MODEL.latencyMs.sqs) },
        log: silent,
      };
      await rotateJob(ports, config, job);
      calls += counter.calls;
      throttled += counter.throttled;
    });
  });
  return {
    accounts,
    usersPerAccount: users,
    day,
    discovery,
    concurrency,
    wallMinutes: Math.round((elapsedMs / 60_000) * 10) / 10,
    callsPerAccount: Math.round((calls / accounts) * 10) / 10,
    throttledPerAccount: Math.round((throttled / accounts) * 10) / 10,
  };
}
