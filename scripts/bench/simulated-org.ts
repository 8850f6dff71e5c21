import { parseConfig } from "../../shared/config";
import { rotateJob } from "../../shared/jobs/rotate-job";
import { MemoryLedger } from "../../shared/ledger/memory-ledger";
import type { Notice, RotationJob } from "../../shared/messages";
import type { AccountPorts, AccountReport, KeyPorts, Log } from "../../shared/rotation";
import { scheduleRun } from "../../shared/scheduling/schedule-run";
import type { FakeAccount } from "../lib/fake-account";

/**
 * An organization of in-memory accounts (`FakeAccount`) swept as the service sweeps it: the real
 * scheduler lists the accounts and queues a job for each, the real rotator job runs each, and every
 * call is counted by the port it goes through. The management account is one of the accounts swept.
 */

const silent: Log = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
/** Organizations' ListAccounts page size. */
const ACCOUNTS_PER_PAGE = 20;

/** What a day (or days) of runs cost, counted call by call. */
export interface Tally {
  /**
   * Calls in the member accounts (IAM, Secrets Manager, STS: the role, each new key's verification),
   * by operation.
   */
  readonly member: Map<string, number>;
  /** Ledger (DynamoDB) reads and writes made for the member accounts, in the management account. */
  ledger: number;
  /**
   * The management account's own: its sweep as an account (its IAM, Secrets Manager, STS calls and its
   * ledger calls) and the scheduler's Organizations calls.
   */
  management: number;
}

export const newTally = (): Tally => ({ member: new Map(), ledger: 0, management: 0 });
export const memberCalls = (t: Tally) => [...t.member.values()].reduce((a, b) => a + b, 0);
/** Every call counted: the member accounts', their ledger's, and the management account's. */
export const allCalls = (t: Tally) => memberCalls(t) + t.ledger + t.management;

const add = (sink: Map<string, number>, op: string, n = 1) => sink.set(op, (sink.get(op) ?? 0) + n);

/** The calls a port method makes on the wire: the credential report is two, the directory one per 1,000 users. */
function weightOf(op: string, users: number): number {
  if (op === "credentialReport") return 2;
  if (op === "userDirectory") return Math.max(1, Math.ceil(users / 1000));
  return 1;
}

function countedPort(fake: FakeAccount, sink: Map<string, number>): FakeAccount {
  return new Proxy(fake, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        add(sink, String(prop), weightOf(String(prop), obj.users.size));
        return value.apply(obj, args);
      };
    },
  });
}

export interface SimulatedAccount {
  readonly id: string;
  readonly fake: FakeAccount;
}

export class SimulatedOrganization {
  readonly ledger = new MemoryLedger();
  private now = new Date(0);
  readonly accounts: readonly SimulatedAccount[];

  /** `accounts` fakes, the first being the management account; their clocks become the organization's. */
  constructor(fakes: readonly FakeAccount[]) {
    this.accounts = fakes.map((fake, i) => {
      fake.clock = () => this.now;
      return { id: String(100000000000 + i), fake };
    });
  }

  /** One daily run at `now`: counted into `tally` when given. The accounts' reports, in job order. */
  async runDay(now: Date, runId: string, tally?: Tally): Promise<AccountReport[]> {
    this.now = now;
    const sink = tally ?? newTally();
    const config = parseConfig({ mode: "enforce", senderEmail: "k@example.com" });
    const byId = new Map(this.accounts.map((a) => [a.id, a]));
    const listed = this.accounts.map((a) => ({
      id: a.id,
      name: a.id,
      email: "o@example.com",
      state: "ACTIVE",
    }));
    const jobs: RotationJob[] = [];
    await scheduleRun(
      {
        organization: {
          listAccounts: async () => {
            sink.management += Math.ceil(listed.length / ACCOUNTS_PER_PAGE);
            return listed;
          },
          describeAccount: async (id: string) => {
            sink.management++;
            return listed.find((a) => a.id === id) ?? { id, name: id, email: "", state: "ACTIVE" };
          },
          listAccountIdsUnder: async () => new Set<string>(),
          ancestorsOf: async () => [],
        },
        jobs: { sendJobs: async (batch: readonly RotationJob[]) => void jobs.push(...batch) },
        log: silent,
      },
      config,
      { runId, asOf: now },
    );
    const reports: AccountReport[] = [];
    for (const job of jobs) {
      const account = byId.get(job.account.id);
      if (!account) throw new Error(`the scheduler queued unknown account ${job.account.id}`);
      const isManagement = account === this.accounts[0];
      const calls = isManagement ? new Map<string, number>() : sink.member;
      const before = this.ledger.writes.length + this.ledger.reads;
      const port = countedPort(account.fake, calls);
      const keys: KeyPorts = {
        verifier: {
          verify: async () => {
            add(calls, "GetCallerIdentity");
            return { at: this.now, region: "us-east-1" };
          },
        },
      };
      const { report } = await rotateJob(
        {
          openAccount: async () => {
            add(calls, "AssumeRole");
            return { iam: port, secrets: port } as unknown as Omit<AccountPorts, "log">;
          },
          ledger: this.ledger,
          notices: { sendNotice: async (_: Notice) => undefined },
          keys,
          log: silent,
        },
        config,
        job,
      );
      const ledgerCalls = this.ledger.writes.length + this.ledger.reads - before;
      if (isManagement) sink.management += ledgerCalls + [...calls.values()].reduce((a, b) => a + b, 0);
      else sink.ledger += ledgerCalls;
      reports.push(report);
    }
    return reports;
  }
}

/** Actions done in `reports` (all kinds, or one). */
export const doneActions = (reports: readonly AccountReport[], kind?: string) =>
  reports
    .flatMap((r) => r.users)
    .flatMap((u) => u.actions)
    .filter((a) => a.outcome === "done" && (kind === undefined || a.kind === kind)).length;
