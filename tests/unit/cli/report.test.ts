import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it, vi } from "vitest";
import { awsSweepPorts, sessionOpener } from "../../../cli/aws/sweep-ports";
import { type CliServices, type Io, main } from "../../../cli/main";
import type { PlanPorts, SweepPortsOptions } from "../../../cli/services";
import { FakeAccount } from "../../../scripts/lib/fake-account";
import { parseConfig } from "../../../shared/config";
import { AwsCallError } from "../../../shared/errors";
import { MemoryLedger } from "../../../shared/ledger/memory-ledger";
import { addDays } from "../../../shared/lifecycle";
import type { AccountOpener } from "../../../shared/rotation";

const NOW = new Date("2026-06-01T06:00:00Z");
const unused = async (): Promise<never> => {
  throw new Error("not expected");
};

interface Seen {
  ledgerTable?: string;
  options?: SweepPortsOptions;
}

/** An organization of two accounts, one of which cannot be opened, behind fake services. */
function services(more: (prod: FakeAccount) => void = () => {}): { services: CliServices; seen: Seen } {
  const seen: Seen = {};
  const prod = new FakeAccount().addUser("app", [
    { id: "AKIA1", status: "Active", createdAt: addDays(NOW, -95) },
  ]);
  more(prod);
  const account = (id: string, name: string) => ({ id, name, email: `${name}@example.com`, state: "ACTIVE" });
  const ports = {
    organization: {
      listAccounts: async () => [account("111111111111", "Prod"), account("222222222222", "Locked")],
      listAccountIdsUnder: async () => new Set<string>(),
      describeAccount: unused,
      ancestorsOf: unused,
    },
    openAccount: async (id: string) => {
      if (id !== "111111111111") throw new AwsCallError("STS", "AssumeRole", "AccessDenied", "denied");
      return { iam: prod, secrets: prod };
    },
    ledger: new MemoryLedger(),
    mail: null,
    log: { debug() {}, info() {}, warn() {}, error() {} },
    lastUsed: unused,
  } as unknown as PlanPorts;
  return {
    seen,
    services: {
      sweepPorts: async (config, _log, _aws, options) => {
        seen.ledgerTable = config.ledgerTable;
        seen.options = options;
        return ports;
      },
      secretValue: unused,
      ensureLedger: unused,
    },
  };
}

async function run(argv: string[], fakes: CliServices, env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    env,
    now: () => NOW,
  };
  const code = await main(argv, io, fakes);
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

describe("keyrotor report", () => {
  it("prints the report, exits 1 when an account could not be read, and says so on stderr", async () => {
    // Prepare
    const fakes = services();
    // Act
    const { code, stdout, stderr } = await run(
      ["report", "--format", "json", "--ledger", "my-ledger"],
      fakes.services,
    );
    // Assess
    expect(code).toBe(1);
    const report = JSON.parse(stdout);
    expect(report.generatedAt).toBe(NOW.toISOString());
    expect(report.accounts.map((a: { error?: string }) => a.error)).toEqual([
      undefined,
      "STS AssumeRole failed (AccessDenied): denied",
    ]);
    expect(stderr).toBe("report: 2 accounts (1 unreadable), 1 active key, 0 users needing a person");
    expect(fakes.seen.ledgerTable).toBe("my-ledger");
  });

  it("names the --config file's digest, the one config validate prints, unless a variable overrides the file", async () => {
    // Prepare
    const file = join(mkdtempSync(join(tmpdir(), "keyrotor-report-")), "keyrotor.yml");
    writeFileSync(file, "mode: audit\nrotateAfterDays: 80\n");
    const validated = JSON.parse(
      (await run(["config", "validate", "--config", file, "--json"], services().services)).stdout,
    );
    // Act
    const given = await run(["report", "--format", "json", "--config", file], services().services);
    const overridden = await run(["report", "--format", "json", "--config", file], services().services, {
      KEYROTOR_ROTATE_AFTER_DAYS: "70",
    });
    const none = await run(["report", "--format", "json"], services().services);
    // Assess
    expect(validated.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(JSON.parse(given.stdout).configDigest).toBe(validated.digest);
    expect(JSON.parse(overridden.stdout)).not.toHaveProperty("configDigest");
    expect(JSON.parse(none.stdout)).not.toHaveProperty("configDigest");
  });

  it("counts who needs a person on stderr as the report does: not an exempt user with a young key", async () => {
    // Prepare: breakglass is exempt by tag and its key is 10 days old; it is listed, but needs nobody
    const fakes = services((prod) =>
      prod.addUser("breakglass", [{ id: "AKIA2", status: "Active", createdAt: addDays(NOW, -10) }], {
        "keyrotor:exempt": "true",
      }),
    );
    // Act
    const { stdout, stderr } = await run(["report", "--format", "json"], fakes.services);
    // Assess
    const report = JSON.parse(stdout);
    expect(report.attention.map((a: { userName: string }) => a.userName)).toEqual(["breakglass"]);
    expect(report.totals.needingAPerson).toBe(0);
    expect(stderr).toBe("report: 2 accounts (1 unreadable), 2 active keys, 0 users needing a person");
  });

  it("judges keys at --as-of", async () => {
    // Act
    const { stdout } = await run(
      ["report", "--format", "json", "--as-of", "2026-06-06T06:00:00Z"],
      services().services,
    );
    // Assess
    expect(JSON.parse(stdout).accounts[0].byAge["100-110"]).toBe(1);
  });

  it("writes --output and prints where, in the format asked", async () => {
    // Prepare
    const file = join(mkdtempSync(join(tmpdir(), "keyrotor-report-")), "report.csv");
    // Act
    const { stdout } = await run(["report", "--format", "csv", "--output", file], services().services);
    // Assess
    expect(stdout).toBe(
      `wrote the csv report to ${file}: 2 accounts (1 unreadable), 1 active key, 0 users needing a person`,
    );
    expect(readFileSync(file, "utf8")).toMatch(
      /^accountId,accountName,error,[^\n]*\r\n111111111111,Prod,,1,/,
    );
  });

  it("exits 2 when the output cannot be written, and on a format it does not know", async () => {
    // Act
    const unwritable = await run(["report", "--output", "/nonexistent/dir/report.html"], services().services);
    const badFormat = await run(["report", "--format", "pdf"], services().services);
    // Assess
    expect(unwritable.code).toBe(2);
    expect(unwritable.stderr).toMatch(
      /^keyrotor: cannot write the report to \/nonexistent\/dir\/report\.html: ENOENT/,
    );
    expect(badFormat.code).toBe(2);
  });
});

describe("keyrotor report keeps no account's session", () => {
  // The collector, to see whether anything still holds a session once the report is done with it.
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;

  /** Opens a session through `opener`, drops it, collects: whether the session outlived its reader. */
  async function survives(opener: AccountOpener): Promise<boolean> {
    const ref = new WeakRef(await opener("111111111111", "report"));
    // A WeakRef keeps its target until the job that made it ends.
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
    return ref.deref() !== undefined;
  }
  const fresh: AccountOpener = async () => ({ iam: {}, secrets: {} }) as Awaited<ReturnType<AccountOpener>>;

  it("asks for ports that keep no session", async () => {
    // Prepare
    const fakes = services();
    // Act
    await run(["report", "--format", "json"], fakes.services);
    // Assess
    expect(fakes.seen.options).toEqual({ keepSessions: false });
  });

  it("an opener that keeps no session lets each one go once read; plan's keeps them", async () => {
    // Act
    const report = await survives(sessionOpener(fresh, false));
    const plan = await survives(sessionOpener(fresh, true));
    // Assess
    expect(report).toBe(false);
    expect(plan).toBe(true);
  });

  it("the AWS ports open an account anew each time without kept sessions, and once with them", async () => {
    // Prepare
    const sts = mockClient(STSClient);
    const dynamo = mockClient(DynamoDBClient);
    sts
      .on(GetCallerIdentityCommand)
      .resolves({ Account: "999999999999", Arn: "arn:aws:iam::999999999999:user/me" });
    sts.on(AssumeRoleCommand).resolves({
      Credentials: { AccessKeyId: "ASIA1", SecretAccessKey: "s", SessionToken: "t", Expiration: NOW },
    });
    dynamo.on(DescribeTableCommand).resolves({});
    const env = { AWS_ACCESS_KEY_ID: "AKIA0", AWS_SECRET_ACCESS_KEY: "s", AWS_REGION: "eu-west-1" };
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    const config = parseConfig({ senderEmail: "k@example.com" });
    const log = { debug() {}, info() {}, warn() {}, error() {} };
    const openTwice = async (options?: SweepPortsOptions) => {
      const ports = await awsSweepPorts(config, log, { env }, options);
      const before = sts.commandCalls(AssumeRoleCommand).length;
      await ports.openAccount("111111111111", "report");
      await ports.openAccount("111111111111", "report");
      return sts.commandCalls(AssumeRoleCommand).length - before;
    };
    try {
      // Act
      const report = await openTwice({ keepSessions: false });
      const plan = await openTwice();
      // Assess
      expect(report).toBe(2);
      expect(plan).toBe(1);
    } finally {
      sts.restore();
      dynamo.restore();
      vi.unstubAllEnvs();
    }
  });
});
