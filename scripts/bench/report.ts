import { parseConfig } from "../../shared/config";
import { MemoryLedger } from "../../shared/ledger/memory-ledger";
import type { RecordedKey, UserRecord } from "../../shared/ledger/records";
import { addDays } from "../../shared/lifecycle";
import type { Log } from "../../shared/log";
import { buildOrgReport, REPORT_CONCURRENCY, type ReportPorts } from "../../shared/report/build-report";
import { renderCsv } from "../../shared/report/render-csv";
import { renderHtml } from "../../shared/report/render-html";
import { renderJson } from "../../shared/report/render-json";
import type { OrgReport } from "../../shared/report/types";
import type { AccountInfo } from "../../shared/scheduling/select";
import { FakeAccount } from "../lib/fake-account";
import { MODEL } from "./simulated-sweep";
import { VirtualClock } from "./virtual-clock";

export interface ReportFigures {
  readonly accounts: number;
  readonly usersPerAccount: number;
  readonly concurrency: number;
  /** `buildOrgReport` over in-memory accounts: the report's own CPU time, no AWS latency. */
  readonly buildMs: number;
  /** The same under the sweep's latency model: what the reporter would wait on AWS for. */
  readonly modeledWallSeconds: number;
  readonly html: Rendered;
  readonly json: Rendered;
  readonly csv: Rendered;
}

interface Rendered {
  readonly ms: number;
  readonly MB: number;
}

const silent: Log = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
const NOW = new Date("2027-01-01T06:00:00Z");
/** One DynamoDB query of an account's partition, in the same region (the sweep's model has no ledger). */
const LEDGER_QUERY_MS = 20;

/**
 * The org-wide report for a simulated organization of `accounts` accounts of `users` users each: built
 * by the real use case over in-memory accounts and ledger (timed as it is, then again in simulated time
 * under the sweep's latency model), then rendered as HTML, JSON and CSV (time and size of each).
 */
export async function reportBench(accounts = 10_000, users = 20): Promise<ReportFigures> {
  const organization = fakeOrganization(accounts, users);
  const config = parseConfig({
    senderEmail: "k@example.com",
    deliveryKmsKeyId: "alias/keyrotor-delivery",
    deliveries: ciBindings(accounts),
  });

  let started = performance.now();
  const report = await buildOrgReport(organization.ports(), config, NOW);
  const buildMs = Math.round(performance.now() - started);

  const clock = new VirtualClock();
  const { elapsedMs } = await clock.run(() => buildOrgReport(organization.ports(clock), config, NOW));

  const render = (renderer: (r: OrgReport) => string): Rendered => {
    started = performance.now();
    const out = renderer(report);
    const ms = Math.round(performance.now() - started);
    return { ms, MB: Math.round((Buffer.byteLength(out) / 1024 / 1024) * 100) / 100 };
  };
  return {
    accounts,
    usersPerAccount: users,
    concurrency: REPORT_CONCURRENCY,
    buildMs,
    modeledWallSeconds: Math.round(elapsedMs / 1000),
    html: render(renderHtml),
    json: render(renderJson),
    csv: render(renderCsv),
  };
}

/**
 * The deliveries setting of an organization with a CI pipeline in one account of twenty (its user-3's
 * key goes to a GitHub environment: an OIDC role's case), and an SSM binding for any account: as many
 * bindings as a large organization has, so the advice must not try each one for every user.
 */
function ciBindings(accounts: number) {
  const bindings: object[] = [
    { account: "*", user: "batch-*", destinations: [{ type: "ssm", path: "/keyrotor/{userName}" }] },
  ];
  for (let a = 0; a < accounts; a += 20) {
    const destination = {
      type: "github",
      repository: `acme/app-${a}`,
      environment: "prod",
      tokenSecret: "keyrotor-tokens/github",
    };
    bindings.push({ account: String(100000000000 + a), user: "user-3", destinations: [destination] });
  }
  return bindings;
}

/** Where the credential report says a key was last used: S3 for one user in three, STS for another. */
function lastUse(u: number) {
  if (u % 3 === 1) return { lastUsedService: "s3", lastUsedRegion: "eu-west-1" };
  return u % 3 === 2 ? { lastUsedService: "sts", lastUsedRegion: "us-east-1" } : {};
}

/**
 * Accounts whose users hold keys of every age and last use (and the service of that use), one user in
 * forty two Active keys, one in fifty exempt, and a ledger that recorded each key with the two before
 * it, a few days late now and then, and each account's Active keys in each of the last 24 months.
 */
function fakeOrganization(accounts: number, users: number) {
  const ledger = new MemoryLedger();
  const fakes = new Map<string, FakeAccount>();
  const infos: AccountInfo[] = [];
  for (let a = 0; a < accounts; a++) {
    const id = String(100000000000 + a);
    infos.push({ id, name: `account-${a}`, email: `${id}@example.com`, state: "ACTIVE" });
    const fake = new FakeAccount();
    const records = new Map<string, UserRecord>();
    for (let u = 0; u < users; u++) {
      const userName = `user-${u}`;
      const age = (a * 7 + u * 13) % 130;
      const keyId = `K${a}x${u}`;
      const createdAt = addDays(NOW, -age);
      // One user in forty holds a second, older Active key: keyrotor is blocked until a person acts.
      const second =
        (a + u) % 40 === 39
          ? [{ id: `${keyId}b`, status: "Active" as const, createdAt: addDays(NOW, -120) }]
          : [];
      fake.addUser(userName, [{ id: keyId, status: "Active", createdAt }, ...second]);
      fake.lastUsed.set(keyId, u % 9 === 0 ? null : addDays(NOW, -((a + u * 11) % 120)));
      if (u % 50 === 49) fake.groupMembers.add(userName);
      const recorded = (back: number): RecordedKey => ({
        keyId: `${keyId}-${back}`,
        versionId: `v${back}`,
        at: addDays(createdAt, -90 * back).toISOString(),
        dueOn: addDays(createdAt, -90 * back - ((a + u + back) % 4)).toISOString(),
      });
      records.set(userName, {
        userName,
        recorded: { ...recorded(0), keyId },
        history: [recorded(2), recorded(1)],
      });
    }
    ledger.users.set(id, records);
    ledger.runs.set(id, {
      lastRunId: "run",
      lastRunAt: NOW.toISOString(),
      // Fewer keys month by month; one account in ten skipped the last month (its count carried).
      activeKeysByMonth: Object.fromEntries(
        Array.from({ length: a % 10 === 0 ? 23 : 24 }, (_, m) => [
          new Date(Date.UTC(2025, m, 1)).toISOString().slice(0, 7),
          users + 24 - m,
        ]),
      ),
    });
    fakes.set(id, fake);
  }
  return {
    /** The report's ports; with a clock, each call waits as long as the latency model says. */
    ports(clock?: VirtualClock): ReportPorts {
      const wait = (ms: number) => clock?.sleep(ms) ?? Promise.resolve();
      return {
        organization: {
          listAccounts: async () => {
            for (let page = 0; page < Math.ceil(accounts / MODEL.pageSize); page++)
              await wait(MODEL.latencyMs.organizations);
            return infos;
          },
          listAccountIdsUnder: async () => new Set<string>(),
        },
        openAccount: async (accountId) => {
          await wait(MODEL.latencyMs.sts);
          const fake = fakes.get(accountId);
          if (!fake) throw new Error(`no account ${accountId}`);
          return {
            iam: {
              // Generate, then Get once IAM has it ready (a report at most four hours old is reused).
              credentialReport: async () => {
                await wait(2 * MODEL.latencyMs.iam);
                const report = await fake.credentialReport();
                return report.map((user) => {
                  const used = lastUse(Number(user.userName.slice(5)));
                  return { ...user, keys: user.keys.map((k) => (k.lastUsedAt ? { ...k, ...used } : k)) };
                });
              },
              userDirectory: async () => {
                await wait(MODEL.latencyMs.iam);
                return fake.userDirectory();
              },
              // Only for an account whose credential report cannot be read, which the bench has none of.
              listAccessKeys: (userName) => fake.listAccessKeys(userName),
              getAccessKeyLastUse: (keyId) => fake.getAccessKeyLastUse(keyId),
            },
          };
        },
        ledger: {
          loadAccount: async (accountId) => {
            await wait(LEDGER_QUERY_MS);
            return ledger.loadAccount(accountId);
          },
        },
        log: silent,
      };
    },
  };
}
