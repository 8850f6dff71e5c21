import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type CliServices, type Io, main } from "../../../cli/main";
import type { PlanPorts } from "../../../cli/services";
import { FakeAccount } from "../../../scripts/lib/fake-account";
import { AwsCallError } from "../../../shared/errors";
import { MemoryLedger } from "../../../shared/ledger/memory-ledger";
import { addDays } from "../../../shared/lifecycle";

const NOW = new Date("2026-06-01T06:00:00Z");
const unused = async (): Promise<never> => {
  throw new Error("not expected");
};

/** An organization of two accounts, one of which cannot be opened, behind fake services. */
function services(): { services: CliServices; seen: { ledgerTable?: string } } {
  const seen: { ledgerTable?: string } = {};
  const prod = new FakeAccount().addUser("app", [
    { id: "AKIA1", status: "Active", createdAt: addDays(NOW, -95) },
  ]);
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
      sweepPorts: async (config) => {
        seen.ledgerTable = config.ledgerTable;
        return ports;
      },
      secretValue: unused,
      ensureLedger: unused,
    },
  };
}

async function run(argv: string[], fakes: CliServices) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    env: {},
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
