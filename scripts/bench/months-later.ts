import { parseConfig } from "../../shared/config";
import { rotateJob } from "../../shared/jobs/rotate-job";
import { MemoryLedger } from "../../shared/ledger/memory-ledger";
import { addDays } from "../../shared/lifecycle";
import type { Notice } from "../../shared/messages";
import type { AccountPorts, AccountReport, Log } from "../../shared/rotation";
import { FakeAccount } from "../lib/fake-account";
import { seededRandom } from "../lib/fault-proxy";

/**
 * An organization months into rotation, as users live with it: keys of every age (created across 90
 * days), a few users exempt, blocked by two keys of their own or holding only inactive keys, rotated by
 * keyrotor itself for two cycles before anything is counted. Then `days` consecutive daily runs are
 * counted: every call keyrotor makes in the member accounts, and every action it takes.
 */

const silent: Log = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
const DAY_MS = 86_400_000;
/** Two full cycles of rotation (delete threshold 110 days, twice) before counting starts. */
const WARM_UP_DAYS = 220;

export interface MonthsLaterFigures {
  readonly usersPerAccount: number;
  readonly accounts: number;
  readonly days: number;
  /** IAM, Secrets Manager and STS calls per account per day, averaged over the counted days. */
  readonly callsPerAccountPerDay: number;
  /** Ledger (DynamoDB) calls per account per day: in the management account, not rate-limited per member. */
  readonly ledgerCallsPerAccountPerDay: number;
  /** Keys created, deactivated or deleted per account per day. */
  readonly actionsPerAccountPerDay: number;
  /** Users looked at per account per day (the rest cost nothing beyond the account's reads). */
  readonly usersLookedAtPerDay: number;
  /** Calls per rotated key, over the counted days. */
  readonly callsByOperation: Record<string, number>;
  /** AWS's sample on the same days: 4 per account, 2 IAM calls per user, 8 writes per rotation. */
  readonly awsSampleCallsPerAccountPerDay: number;
}

/** Counts every port call of a fake account; the credential report is two calls, the directory one per 1,000 users. */
function counted(fake: FakeAccount, users: number, counts: Map<string, number>) {
  const weight = (op: string) =>
    op === "credentialReport" ? 2 : op === "userDirectory" ? Math.max(1, Math.ceil(users / 1000)) : 1;
  return new Proxy(fake, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        counts.set(String(prop), (counts.get(String(prop)) ?? 0) + weight(String(prop)));
        return value.apply(obj, args);
      };
    },
  });
}

function buildAccount(users: number, start: Date, random: () => number, now: () => Date): FakeAccount {
  const fake = new FakeAccount();
  fake.clock = now;
  for (let u = 0; u < users; u++) {
    const name = `user-${u}`;
    const created = (days: number) =>
      new Date(addDays(start, -days).getTime() - Math.floor(random() * DAY_MS));
    const age = Math.floor(random() * 90);
    const kind = random();
    if (kind < 0.02) {
      fake.addUser(name, [{ id: `K${u}a`, status: "Active", createdAt: created(age) }]);
      fake.groupMembers.add(name);
    } else if (kind < 0.04) {
      const older = { id: `K${u}a`, status: "Active" as const, createdAt: created(age + 40) };
      fake.addUser(name, [older, { id: `K${u}b`, status: "Active", createdAt: created(age) }]);
    } else if (kind < 0.05) {
      fake.addUser(name, [{ id: `K${u}a`, status: "Inactive", createdAt: created(age) }]);
    } else {
      fake.addUser(name, [{ id: `K${u}a`, status: "Active", createdAt: created(age) }]);
    }
  }
  return fake;
}

/** Runs the organization through warm-up and `days` counted daily runs; the figures are per account per day. */
export async function monthsLater(users: number, accounts = 2, days = 30): Promise<MonthsLaterFigures> {
  const config = parseConfig({ mode: "enforce", senderEmail: "k@example.com" });
  const start = new Date("2027-01-01T06:00:00Z");
  let now = start;
  const random = seededRandom(users);
  const ledger = new MemoryLedger();
  const counts = new Map<string, number>();
  const ids = Array.from({ length: accounts }, (_, i) => String(100000000000 + i));
  const fakes = ids.map(() => buildAccount(users, start, random, () => now));
  let actions = 0;
  let looked = 0;
  let ledgerCalls = 0;
  let rotations = 0;
  for (let day = 0; day < WARM_UP_DAYS + days; day++) {
    now = addDays(start, day);
    const counting = day >= WARM_UP_DAYS;
    for (const [i, id] of ids.entries()) {
      const fake = fakes[i] as FakeAccount;
      const sink = counting ? counts : new Map<string, number>();
      const port = counted(fake, users, sink);
      const before = ledger.writes.length + ledger.reads;
      const { report } = await rotateJob(
        {
          openAccount: async () => {
            sink.set("AssumeRole", (sink.get("AssumeRole") ?? 0) + 1);
            return { iam: port, secrets: port } as unknown as Omit<AccountPorts, "log">;
          },
          ledger,
          notices: { sendNotice: async (_: Notice) => undefined },
          log: silent,
        },
        config,
        {
          version: 1,
          runId: `day-${day}`,
          asOf: now.toISOString(),
          account: { id, name: id, email: "o@example.com" },
        },
      );
      if (!counting) continue;
      ledgerCalls += ledger.writes.length + ledger.reads - before;
      looked += report.users.length;
      actions += doneActions(report);
      rotations += doneActions(report, "create");
    }
  }
  const perAccountDay = (n: number) => Math.round((n / (accounts * days)) * 10) / 10;
  const calls = [...counts.values()].reduce((a, b) => a + b, 0);
  return {
    usersPerAccount: users,
    accounts,
    days,
    callsPerAccountPerDay: perAccountDay(calls),
    ledgerCallsPerAccountPerDay: perAccountDay(ledgerCalls),
    actionsPerAccountPerDay: perAccountDay(actions),
    usersLookedAtPerDay: perAccountDay(looked),
    callsByOperation: Object.fromEntries([...counts].map(([op, n]) => [op, perAccountDay(n)])),
    awsSampleCallsPerAccountPerDay: perAccountDay(accounts * days * (4 + 2 * users) + 8 * rotations),
  };
}

const doneActions = (report: AccountReport, kind?: string) =>
  report.users
    .flatMap((u) => u.actions)
    .filter((a) => a.outcome === "done" && (kind === undefined || a.kind === kind)).length;
