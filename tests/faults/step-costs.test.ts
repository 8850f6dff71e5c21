import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientsIn, createOrganization, createUsers, verifySender } from "../../scripts/lib/emulator";
import { type CallInfo, startFaultProxy } from "../../scripts/lib/fault-proxy";
import { startMoto } from "../../scripts/lib/moto";
import { LedgerAdapter } from "../../shared/aws/ledger";
import { type Harness, runCli, type World } from "./harness";

// What each step of one user's key life costs on the wire: every call keyrotor makes, as the fault
// proxy in front of moto records it (no fault injected). One member account holds one user, "solo",
// whose key was made on day 0; the run of each day is told apart from a day with nothing due.

const SENDER = "keyrotor@example.com";
/** The run's own calls, paid whatever its users do: identity, ledger loads, the credential report, notices. */
const RUN_OPERATIONS = new Set([
  "DescribeTable",
  "ListAccounts",
  "AssumeRole",
  "Query",
  "GenerateCredentialReport",
  "GetCredentialReport",
  "GetAccountAuthorizationDetails",
  "PutItem",
  "GetItem",
  "DescribeAccount",
  "SendEmail",
]);

let h: Harness;
/** Each day's calls (first attempts), by day since the key was made. */
const days = new Map<number, CallInfo[]>();
const saved = { ...process.env };

beforeAll(async () => {
  // Prepare: an organization whose one member account has one user with one key, and a run on each
  // day a step falls on (rotate on 90, retire the old key on 100 and 110, warn on 173, rotate on 180).
  const moto = await startMoto();
  const proxy = await startFaultProxy(moto.endpoint);
  Object.assign(process.env, {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_ENDPOINT_URL: moto.endpoint,
  });
  const configPath = join(mkdtempSync(join(tmpdir(), "keyrotor-costs-")), "config.json");
  writeFileSync(configPath, JSON.stringify({ senderEmail: SENDER, mode: "enforce" }));
  h = { moto, proxy, transcript: [], configPath };
  const org = await createOrganization([{ name: "Prod", ouPath: ["Workloads"] }]);
  await verifySender(SENDER);
  await LedgerAdapter.create("keyrotor-prod-ledger").ensureTable();
  await createUsers((await clientsIn(org.accounts.Prod?.id ?? "")).iam, [{ name: "solo", keys: ["Active"] }]);
  process.env.AWS_ENDPOINT_URL = proxy.endpoint;
  for (const day of [90, 95, 100, 110, 173, 180]) {
    moto.setClockOffsetDays(day);
    proxy.reset();
    const world: World = { org, original: new Map(), asOf: moto.now().toISOString() };
    const run = await runCli(h, world);
    expect(run.code, `day ${day}: ${run.output.slice(-600)}`).toBe(0);
    days.set(
      day,
      proxy.calls.filter((c) => c.attempt === 1),
    );
  }
}, 120_000);

afterAll(async () => {
  process.env = saved;
  await h.proxy.stop();
  await h.moto.stop();
});

/** The day's calls to the member account for the user: everything but the run's own (its first STS call is its identity). */
function memberCalls(day: number): string[] {
  const calls = days.get(day) ?? [];
  const firstIdentity = calls.findIndex((c) => c.operation === "GetCallerIdentity");
  return calls
    .filter((c, i) => i !== firstIdentity && !RUN_OPERATIONS.has(c.operation) && c.operation !== "UpdateItem")
    .map((c) => c.operation);
}

/**
 * The day's writes to the user's ledger record, each named by the attributes it sets and removes
 * (`announced` is the notice's, the rest the key's).
 */
function ledgerWrites(day: number): string[] {
  return (days.get(day) ?? [])
    .filter((c) => c.operation === "UpdateItem" && c.body.includes('"USER#solo"'))
    .map((c) => {
      const { UpdateExpression = "", ExpressionAttributeNames = {} } = JSON.parse(c.body) as {
        UpdateExpression?: string;
        ExpressionAttributeNames?: Record<string, string>;
      };
      const named = (part: string) =>
        [...part.matchAll(/#\w+/g)]
          .map((m) => ExpressionAttributeNames[m[0]] ?? m[0])
          .filter((n) => n !== "userName");
      const [set = "", remove = ""] = UpdateExpression.replace(/^SET /, "").split(" REMOVE ");
      const removed = named(remove);
      return [...named(set), ...(removed.length > 0 ? [`-${removed.join(" -")}`] : [])].join(" ");
    });
}

describe("what each step of a key's life costs on the wire", () => {
  it("a day with nothing due: the run's identity, the ledger, the role and the credential report", () => {
    // Assess
    // The two accounts are looked at side by side, so only the count of each call is certain; how often
    // the credential report is generated until it is ready depends on moto's pace.
    const calls = (days.get(95) ?? []).map((c) => c.operation);
    expect(calls.filter((op) => op !== "GenerateCredentialReport").sort()).toEqual([
      "AssumeRole",
      "AssumeRole",
      "DescribeTable",
      "GetCallerIdentity",
      "GetCredentialReport",
      "GetCredentialReport",
      "ListAccounts",
      "PutItem",
      "PutItem",
      "Query",
      "Query",
      "Query",
      "Query",
    ]);
    expect(ledgerWrites(95)).toEqual([]);
    expect(memberCalls(95)).toEqual([]);
  });

  it("a first rotation", () => {
    // Assess
    expect(memberCalls(90)).toEqual([
      "ListAccessKeys",
      "DescribeSecret",
      "CreateSecret",
      "PutResourcePolicy",
      "CreateAccessKey",
      "GetCallerIdentity",
      "PutSecretValue",
    ]);
    expect(ledgerWrites(90)).toEqual(["pending", "recorded history secret -pending", "announced"]);
  });

  it("the old key's deactivation", () => {
    // Assess
    expect(memberCalls(100)).toEqual(["ListAccessKeys", "DescribeSecret", "UpdateAccessKey"]);
    expect(ledgerWrites(100)).toEqual(["retired", "announced"]);
  });

  it("the old key's deletion", () => {
    // Assess
    expect(memberCalls(110)).toEqual(["ListAccessKeys", "DeleteAccessKey"]);
    expect(ledgerWrites(110)).toEqual(["-announced"]);
  });

  it("the warning before the next rotation", () => {
    // Assess
    expect(memberCalls(173)).toEqual(["ListAccessKeys"]);
    expect(ledgerWrites(173)).toEqual(["announced"]);
  });

  it("a later rotation", () => {
    // Assess
    expect(memberCalls(180)).toEqual([
      "ListAccessKeys",
      "DescribeSecret",
      "GetResourcePolicy",
      "CreateAccessKey",
      "GetCallerIdentity",
      "PutSecretValue",
    ]);
    expect(ledgerWrites(180)).toEqual(["pending", "recorded history -pending", "announced"]);
  });
});
