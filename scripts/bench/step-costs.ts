import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCaptured } from "../../cli/io";
import { LedgerAdapter } from "../../shared/aws/ledger";
import { clientsIn, createOrganization, createUsers, verifySender } from "../lib/emulator";
import { type CallInfo, startFaultProxy } from "../lib/fault-proxy";
import { startMoto } from "../lib/moto";

/**
 * What each step of one user's key life costs on the wire: `keyrotor run` (the real CLI, the real SDK)
 * against moto through the fault proxy (no fault injected), which records every call. One member
 * account holds one user whose key was made on day 0; the management account holds none and is swept
 * too. A run on each day a step falls on, and one on a day with nothing due, whose calls every run pays.
 */

const SENDER = "keyrotor@example.com";
/** The CLI's default ledger table. */
const LEDGER_TABLE = "keyrotor-prod-ledger";
/** DynamoDB's operations: the ledger's calls. */
const LEDGER_OPERATIONS = new Set([
  "DescribeTable",
  "Query",
  "GetItem",
  "PutItem",
  "UpdateItem",
  "DeleteItem",
  "Scan",
  "BatchGetItem",
  "BatchWriteItem",
  "TransactGetItems",
  "TransactWriteItems",
]);
/** The management account's other services: Organizations (the accounts) and SES (the notices). */
const OTHER_OPERATIONS = new Set(["ListAccounts", "DescribeAccount", "ListParents", "SendEmail"]);
/** A swept account's own reads, paid whatever its users do. */
const ACCOUNT_OPERATIONS = new Set([
  "AssumeRole",
  "GenerateCredentialReport",
  "GetCredentialReport",
  "GetAccountAuthorizationDetails",
]);

/** The steps, by the day since the key was made that each falls on. */
export const STEP_DAYS = {
  "first rotation": 90,
  "nothing due": 95,
  deactivation: 100,
  deletion: 110,
  "warning day": 173,
  "later rotation": 180,
} as const;
export type StepName = keyof typeof STEP_DAYS;

export interface StepCost {
  readonly step: StepName;
  readonly day: number;
  /**
   * Member-account calls (IAM, Secrets Manager, STS with the new key's verification), by name in
   * order: for the user alone, or on the nothing-due day everything the run paid there.
   */
  readonly memberOperations: readonly string[];
  readonly member: number;
  /** Ledger (DynamoDB) calls: the user's (beyond the nothing-due day's), or on that day the run's. */
  readonly ledger: number;
  readonly together: number;
  /** Notices emailed (SES) beyond the nothing-due day's. */
  readonly emails: number;
}

export interface StepCosts {
  readonly measuredOn: string;
  /** Accounts swept on each day: the member account and the management account. */
  readonly accountsSwept: number;
  readonly steps: readonly StepCost[];
  /** The nothing-due day's other calls in the management account (Organizations, SES). */
  readonly runOtherCalls: number;
}

const count = (calls: readonly CallInfo[], keep: (op: string) => boolean) =>
  calls.filter((c) => keep(c.operation)).length;

/** A day's calls into member accounts: the first STS `GetCallerIdentity` is the run's own identity. */
function memberOf(calls: readonly CallInfo[]): string[] {
  const identity = calls.findIndex((c) => c.operation === "GetCallerIdentity");
  return calls
    .filter(
      (c, i) => i !== identity && !LEDGER_OPERATIONS.has(c.operation) && !OTHER_OPERATIONS.has(c.operation),
    )
    .map((c) => c.operation);
}

/** Measures each step's calls on moto. Restores the environment it changes. */
export async function stepCosts(): Promise<StepCosts> {
  const moto = await startMoto();
  const proxy = await startFaultProxy(moto.endpoint);
  const saved = { ...process.env };
  const dir = mkdtempSync(join(tmpdir(), "keyrotor-bench-steps-"));
  Object.assign(process.env, {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  });
  try {
    const configPath = join(dir, "config.json");
    writeFileSync(configPath, JSON.stringify({ senderEmail: SENDER, mode: "enforce" }));
    const org = await createOrganization([{ name: "Prod", ouPath: ["Workloads"] }]);
    await verifySender(SENDER);
    await LedgerAdapter.create(LEDGER_TABLE).ensureTable();
    await createUsers((await clientsIn(org.accounts.Prod?.id ?? "")).iam, [
      { name: "solo", keys: ["Active"] },
    ]);
    process.env.AWS_ENDPOINT_URL = proxy.endpoint;
    const days = new Map<number, CallInfo[]>();
    for (const day of Object.values(STEP_DAYS).sort((a, b) => a - b)) {
      moto.setClockOffsetDays(day);
      proxy.reset();
      const asOf = moto.now().toISOString();
      const run = await runCaptured(
        ["run", "--config", configPath, "--as-of", asOf, "--json"],
        { ...process.env },
        () => new Date(asOf),
      );
      if (run.code !== 0)
        throw new Error(`keyrotor run on day ${day} exited ${run.code}: ${run.stderr.slice(-600)}`);
      // First attempts only: a retry is the SDK's, not keyrotor's choice.
      days.set(
        day,
        proxy.calls.filter((c) => c.attempt === 1),
      );
    }
    const base = days.get(STEP_DAYS["nothing due"]) ?? [];
    const baseLedger = count(base, (op) => LEDGER_OPERATIONS.has(op));
    const baseEmails = count(base, (op) => op === "SendEmail");
    const steps = (Object.entries(STEP_DAYS) as [StepName, number][]).map(([step, day]): StepCost => {
      const calls = days.get(day) ?? [];
      const nothingDue = step === "nothing due";
      const memberOperations = nothingDue
        ? memberOf(calls)
        : memberOf(calls).filter((op) => !ACCOUNT_OPERATIONS.has(op));
      const ledger = count(calls, (op) => LEDGER_OPERATIONS.has(op)) - (nothingDue ? 0 : baseLedger);
      return {
        step,
        day,
        memberOperations,
        member: memberOperations.length,
        ledger,
        together: memberOperations.length + ledger,
        emails: nothingDue ? 0 : count(calls, (op) => op === "SendEmail") - baseEmails,
      };
    });
    return {
      measuredOn: new Date().toISOString().slice(0, 10),
      accountsSwept: 2,
      steps,
      runOtherCalls: count(base, (op) => OTHER_OPERATIONS.has(op)),
    };
  } finally {
    process.env = saved;
    await proxy.stop();
    await moto.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
