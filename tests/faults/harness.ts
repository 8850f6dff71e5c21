import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { runCaptured } from "../../cli/io";
import type { SweepResult } from "../../cli/sweep";
import {
  clientsIn,
  createOrganization,
  createUsers,
  type Organization,
  sentEmails,
  verifySender,
} from "../../scripts/lib/emulator";
import type { FaultProxy } from "../../scripts/lib/fault-proxy";
import type { Moto } from "../../scripts/lib/moto";
import { LedgerAdapter } from "../../shared/aws/ledger";
import type { AccountLedger } from "../../shared/ledger/records";
import { requestTokenFor } from "../../shared/rotation";
import { type AccountState, snapshot } from "../support/account-fixture";
import { schemaProblems } from "../support/json-schema";

/**
 * One small organization (management + Prod, three users due on day 90) driven through the real CLI
 * (`keyrotor run`, the Lambdas' use cases) with faults injected between keyrotor and moto.
 */
export interface World {
  readonly org: Organization;
  /** account name -> user -> the key it had before keyrotor ran. */
  readonly original: Map<string, Map<string, string>>;
  readonly asOf: string;
}

export const ACCOUNTS = ["management", "Prod"] as const;
/** The CLI's default ledger table, created in moto as `keyrotor ledger init` would. */
const LEDGER_TABLE = "keyrotor-prod-ledger";
const SENDER = "keyrotor@example.com";
const DELIVERY_KEY_ALIAS = "alias/keyrotor-faults-delivery";
/** Where Prod/app's delivered key lands (the harness's one destination). */
export const DELIVERED_PARAMETER = "/keyrotor/ci/app/AWS_ACCESS_KEY_ID";

export interface Harness {
  readonly moto: Moto;
  readonly proxy: FaultProxy;
  /** Everything printed, emailed or reported by every run, for the leak scan. */
  readonly transcript: string[];
  readonly configPath: string;
}

export function harnessConfig(): string {
  const dir = mkdtempSync(join(tmpdir(), "keyrotor-faults-"));
  const path = join(dir, "config.json");
  // Three attempts a call (moto under libfaketime costs the SDK one clock-skew retry) and a one-second
  // timeout keep a faulted run short; the logic is the same as in production.
  writeFileSync(
    path,
    JSON.stringify({
      senderEmail: SENDER,
      mode: "enforce",
      awsMaxAttempts: 3,
      awsTimeoutSeconds: 1,
      // Prod/app's new key also goes to SSM, escrowed under a KMS key while that is outstanding.
      deliveryKmsKeyId: DELIVERY_KEY_ALIAS,
      deliveries: [
        { account: "*", user: "app", destinations: [{ type: "ssm", path: "/keyrotor/ci/{userName}" }] },
      ],
    }),
  );
  return path;
}

/** Resets moto and builds the world directly against it (not through the proxy). */
export async function buildWorld(h: Harness): Promise<World> {
  await h.moto.reset();
  h.moto.setClockOffsetDays(0);
  process.env.AWS_ENDPOINT_URL = h.moto.endpoint;
  const org = await createOrganization([{ name: "Prod", ouPath: ["Workloads"] }]);
  await verifySender(SENDER);
  await LedgerAdapter.create(LEDGER_TABLE).ensureTable();
  const kms = new KMSClient({});
  const key = await kms.send(new CreateKeyCommand({ Description: "keyrotor delivery" }));
  await kms.send(
    new CreateAliasCommand({ AliasName: DELIVERY_KEY_ALIAS, TargetKeyId: key.KeyMetadata?.KeyId }),
  );
  const original = new Map<string, Map<string, string>>();
  const specs = {
    management: [{ name: "ci", keys: ["Active" as const] }],
    Prod: [
      { name: "app", keys: ["Active" as const] },
      { name: "ops", keys: ["Active" as const], tags: { "keyrotor:owner": "ops@example.com" } },
    ],
  };
  for (const account of ACCOUNTS) {
    const ids = await createUsers((await clientsIn(org.accounts[account]?.id ?? "")).iam, specs[account]);
    original.set(account, new Map([...ids].map(([user, keys]) => [user, keys[0] ?? ""])));
  }
  h.moto.setClockOffsetDays(90);
  const asOf = h.moto.now().toISOString();
  process.env.AWS_ENDPOINT_URL = h.proxy.endpoint;
  h.proxy.reset();
  return { org, original, asOf };
}

export interface RunOutcome {
  readonly code: number;
  readonly result: SweepResult | null;
  readonly output: string;
  /** Emails sent during this run, by To address. */
  readonly emailsTo: Map<string, number>;
  /** Each email sent during this run as "to | subject | body", to tell a resend from a new notice. */
  readonly sent: string[];
}

/** `keyrotor run --mode enforce --json --verbose` in-process, through the proxy. */
export async function runCli(h: Harness, world: World): Promise<RunOutcome> {
  const before = (await sentEmails(h.moto.endpoint)).length;
  const { code, stdout, stderr } = await runCaptured(
    ["run", "--config", h.configPath, "--as-of", world.asOf, "--json", "--verbose"],
    { ...process.env },
    // Each run happens at its own instant, as the scheduled run would.
    () => new Date(world.asOf),
  );
  const emails = (await sentEmails(h.moto.endpoint)).slice(before);
  const output = `${stdout}\n${stderr}`;
  h.transcript.push(output, JSON.stringify(emails));
  const emailsTo = new Map<string, number>();
  for (const e of emails)
    for (const to of e.destinations.ToAddresses ?? []) emailsTo.set(to, (emailsTo.get(to) ?? 0) + 1);
  let result: SweepResult | null = null;
  try {
    result = JSON.parse(stdout) as SweepResult;
  } catch {
    // The sweep could not start (e.g. ListAccounts failed): nothing on stdout.
  }
  // Whatever the faults did, the output keeps its published shape: scripts read it.
  const problems = result === null ? [] : schemaProblems("run", result);
  if (problems.length > 0)
    throw new Error(`run --json does not match docs/schemas/run.schema.json:\n${problems.join("\n")}`);
  const sent = emails.flatMap((e) =>
    (e.destinations.ToAddresses ?? []).map((to) => `${to} | ${e.subject} | ${e.body}`),
  );
  return { code, result, output, emailsTo, sent };
}

/** An account's users and secrets, and what the ledger holds about it. */
export interface WorldAccount extends AccountState {
  readonly ledger: AccountLedger;
  /** The key id delivered to SSM for the account's app user, `null` when none was. */
  readonly delivered: string | null;
}

/** Each account's users, secrets and ledger, read directly from moto. */
export async function worldState(h: Harness, world: World): Promise<Map<string, WorldAccount>> {
  const saved = process.env.AWS_ENDPOINT_URL;
  process.env.AWS_ENDPOINT_URL = h.moto.endpoint;
  try {
    const states = new Map<string, WorldAccount>();
    const ledger = LedgerAdapter.create(LEDGER_TABLE);
    for (const account of ACCOUNTS) {
      const id = world.org.accounts[account]?.id ?? "";
      const clients = await clientsIn(id);
      const ssm = new SSMClient({ credentials: clients.credentials });
      const delivered = await ssm
        .send(new GetParameterCommand({ Name: DELIVERED_PARAMETER, WithDecryption: true }))
        .then((out) => out.Parameter?.Value ?? null)
        .catch(() => null);
      states.set(account, { ...(await snapshot(clients)), ledger: await ledger.loadAccount(id), delivered });
    }
    return states;
  } finally {
    process.env.AWS_ENDPOINT_URL = saved;
  }
}

/** The keys of a user as `{ id, status }`, from a snapshot's "ID:Status" strings. */
export const keysOf = (state: AccountState, user: string) =>
  (state.users[user] ?? []).map((entry) => {
    const [id = "", status = ""] = entry.split(":");
    return { id, status };
  });

/**
 * What must hold after any run, faulted or not: the working key is never lost, never more than two
 * keys, and every key keyrotor made is recorded in its secret, or still announced by the ledger's
 * pending creation so the next run removes it.
 */
export function invariantViolations(world: World, states: Map<string, WorldAccount>): string[] {
  const problems: string[] = [];
  for (const [account, users] of world.original) {
    const state = states.get(account);
    if (!state) continue;
    for (const [user, originalKey] of users) {
      const keys = keysOf(state, user);
      const where = `${account}/${user}`;
      if (!keys.some((k) => k.id === originalKey && k.status === "Active"))
        problems.push(`${where} lost its working key`);
      if (keys.length > 2) problems.push(`${where} has ${keys.length} keys`);
      const secret = state.secrets[`keyrotor/${user}`];
      for (const k of keys.filter((key) => key.id !== originalKey)) {
        const recorded = secret?.currentVersionId === requestTokenFor(k.id);
        const announced = state.ledger.users.get(user)?.pending !== undefined;
        if (!recorded && !announced) problems.push(`${where}: key ${k.id} is neither recorded nor announced`);
      }
    }
  }
  return problems;
}

/**
 * After a clean run: every user has its original key and exactly one new key, recorded in its secret
 * and in the ledger, and no creation left pending.
 */
export function healedViolations(world: World, states: Map<string, WorldAccount>): string[] {
  const problems = invariantViolations(world, states);
  for (const [account, users] of world.original) {
    const state = states.get(account);
    if (!state) continue;
    for (const [user, originalKey] of users) {
      const fresh = keysOf(state, user).filter((k) => k.id !== originalKey);
      const secret = state.secrets[`keyrotor/${user}`];
      if (fresh.length !== 1) problems.push(`${account}/${user} has ${fresh.length} new keys`);
      else if (secret?.currentVersionId !== requestTokenFor(fresh[0]?.id ?? "")) {
        problems.push(`${account}/${user}: new key not recorded`);
      }
      const record = state.ledger.users.get(user);
      if (record?.pending) problems.push(`${account}/${user}: pending creation left in the ledger`);
      if (fresh.length === 1 && record?.recorded?.keyId !== fresh[0]?.id)
        problems.push(`${account}/${user}: the ledger does not record the new key`);
      if (user === "app" && fresh.length === 1 && state.delivered !== fresh[0]?.id)
        problems.push(`${account}/${user}: the new key was not delivered to SSM (${state.delivered} there)`);
      if (user === "app" && record?.delivery?.escrow) problems.push(`${account}/${user}: escrow left behind`);
    }
  }
  return problems;
}
