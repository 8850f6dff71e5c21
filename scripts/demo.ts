/**
 * `npm run demo`: keyrotor rotating a sample organization inside moto, days 0 to 110, in about a
 * minute. Runs the real CLI (`keyrotor run`, then `keyrotor credential-process`) in-process against
 * moto with a libfaketime clock, delivering one user's new key to a local GitHub-compatible server;
 * writes every email as HTML into demo-output/.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { runCaptured } from "../cli/io";
import type { SweepResult } from "../cli/sweep";
import type { UserReport } from "../shared/rotation/report";
import {
  clientsIn,
  createOrganization,
  createUsers,
  type Organization,
  sentEmails,
  type UserSpec,
  verifySender,
} from "./lib/emulator";
import { MOTO_CREDENTIALS, type Moto, motoPrerequisites, startMoto } from "./lib/moto";
import { type GitHubServer, startGitHubServer } from "./lib/providers/github-server";

const OUT = resolve("demo-output");
const SENDER = "keyrotor@example.com";
const DAYS = [0, 83, 90, 100, 110];
const short = (id: string) => (id.length > 12 ? `${id.slice(0, 4)}…${id.slice(-4)}` : id);
const say = (line = "") => process.stdout.write(`${line}\n`);

/** The demo's clock is moto's: each run happens on the simulated day, as the scheduled run would. */
let clock: () => Date = () => new Date();
const cli = (args: string[]) => runCaptured(args, { ...process.env }, clock);

async function buildOrganization(): Promise<Organization> {
  const org = await createOrganization([
    { name: "Payments", ouPath: ["Workloads"] },
    { name: "Analytics", ouPath: ["Workloads"] },
    { name: "Sandbox", ouPath: ["Sandboxes"] },
  ]);
  const users: Record<string, UserSpec[]> = {
    management: [
      { name: "ci-runner", keys: ["Active"] },
      { name: "breakglass", keys: ["Active"], groups: ["IAMKeyRotationExemptionGroup"] },
    ],
    Payments: [
      {
        name: "deploy-bot",
        keys: ["Active"],
        tags: { "keyrotor:owner": "deploy-team@example.com" },
      },
      { name: "legacy-etl", keys: ["Active" as const, "Active"] },
      { name: "auditor", keys: ["Active"], groups: ["IAMKeyRotationExemptionGroup"] },
      { name: "old-inactive", keys: ["Inactive"] },
    ],
    Analytics: [
      { name: "etl,nightly", keys: ["Active"] },
      { name: "grafana", keys: ["Active"], tags: { "keyrotor:owner": "observability@example.com" } },
      { name: "contractor", keys: ["Active"], tags: { "keyrotor:exempt": "true" } },
      { name: "console-only" },
    ],
    Sandbox: [{ name: "experiment", keys: ["Active"] }],
  };
  for (const [account, specs] of Object.entries(users)) {
    await createUsers((await clientsIn(org.accounts[account]?.id ?? "")).iam, specs);
  }
  await verifySender(SENDER);
  return org;
}

/** One line per thing that happened to a user, in words. */
function describeUser(user: UserReport, day: number): string[] {
  const shorten = (text: string) => text.replace(/AKIA\w{12,}/g, (k) => short(k));
  const lines: string[] = [];
  for (const a of user.actions) {
    if (a.outcome !== "done") {
      lines.push(`${a.kind} ${short(a.keyId)} ${a.outcome}${a.error ? `: ${a.error.message}` : ""}`);
    } else if (a.kind === "create") {
      lines.push(`new key ${short(a.keyId)} stored in secret ${user.secretName} (${shorten(a.detail)})`);
    } else if (a.kind === "deactivate") {
      lines.push(
        `deactivated ${short(a.keyId)}: its replacement has had ${day >= 100 ? "10" : "enough"} days to reach consumers`,
      );
    } else {
      lines.push(
        `deleted ${short(a.keyId)} (${a.detail === "expired" ? "inactive and past 110 days" : a.detail})`,
      );
    }
  }
  for (const w of user.warnings) {
    lines.push(
      `warned: ${short(w.keyId)} will be ${w.action === "rotate" ? "rotated" : "deactivated"} on ${w.on.slice(0, 10)}`,
    );
  }
  for (const d of user.deliveries ?? []) {
    if (d.outcome === "done") lines.push(`delivered ${short(d.keyId)} to ${d.destination}`);
    else lines.push(`delivery to ${d.destination} ${d.outcome}${d.error ? `: ${d.error.message}` : ""}`);
  }
  if (user.status === "blocked" && user.actions.length === 0)
    lines.push(`blocked: ${shorten(user.reason ?? "")}`);
  if (day === 0 && user.status === "exempt") lines.push(`${user.reason}: reported, never touched`);
  if (day === 0 && user.status === "inactive") lines.push("only an inactive key: never gets a new one");
  return lines;
}

function printDay(day: number, result: SweepResult, org: Organization) {
  const names = Object.fromEntries(Object.entries(org.accounts).map(([name, a]) => [a.id, name]));
  say(`── Day ${String(day).padStart(3)}  (${result.asOf.slice(0, 10)}) ${"─".repeat(50)}`);
  let quiet = true;
  for (const account of result.accounts) {
    for (const user of account.report?.users ?? []) {
      for (const line of describeUser(user, day)) {
        quiet = false;
        say(`  ${`${names[account.job.account.id]}/${user.userName}`.padEnd(26)} ${line}`);
      }
    }
  }
  if (day === 0) {
    for (const s of result.skipped)
      say(`  ${`${names[s.accountId]}`.padEnd(26)} account skipped: ${s.reason}`);
  }
  if (quiet) say("  nothing due: no changes, no email");
}

/**
 * A GitHub-compatible server on 127.0.0.1 holding the repository acme/payments, and its API token in
 * the management account's Secrets Manager, where keyrotor reads destination tokens.
 */
async function startGitHub(): Promise<GitHubServer> {
  const token = `ghp_demo_${randomBytes(12).toString("hex")}`;
  const github = await startGitHubServer({ token, repositories: ["acme/payments"] });
  await new SecretsManagerClient({}).send(
    new CreateSecretCommand({ Name: "keyrotor-tokens/github", SecretString: token }),
  );
  return github;
}

async function demo(moto: Moto, github: GitHubServer) {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  clock = () => moto.now();
  // Without the stack, the CLI's runs need their own ledger: the table keyrotor's memory lives in.
  const init = await cli(["ledger", "init"]);
  if (init.code !== 0) throw new Error(`keyrotor ledger init exited ${init.code}: ${init.stderr}`);
  say(
    "Building a sample organization in moto: management + Payments, Analytics (OU Workloads), Sandbox (OU Sandboxes)…",
  );
  const org = await buildOrganization();
  const deliveryKey = await new KMSClient({}).send(
    new CreateKeyCommand({ Description: "keyrotor delivery" }),
  );
  const configPath = join(OUT, "keyrotor.config.json");
  writeFileSync(
    configPath,
    JSON.stringify(
      {
        mode: "enforce",
        senderEmail: SENDER,
        adminEmail: "security@example.com",
        excludeOus: [org.ous.Sandboxes],
        deliveryKmsKeyId: deliveryKey.KeyMetadata?.KeyId,
        deliveries: [
          {
            account: org.accounts.Payments?.id,
            user: "deploy-bot",
            destinations: [
              {
                type: "github",
                repository: "acme/payments",
                apiUrl: github.url,
                tokenSecret: "keyrotor-tokens/github",
              },
            ],
          },
        ],
      },
      null,
      2,
    ),
  );
  say(`Config: ${configPath} (enforce mode, Sandbox OU excluded,`);
  say(
    `        Payments/deploy-bot's new keys delivered to GitHub repository acme/payments at ${github.url})\n`,
  );

  const written: string[] = [];
  for (const day of DAYS) {
    moto.setClockOffsetDays(day);
    const before = (await sentEmails(moto.endpoint)).length;
    const run = await cli(["run", "--config", configPath, "--as-of", moto.now().toISOString(), "--json"]);
    if (run.code !== 0) throw new Error(`keyrotor run exited ${run.code}: ${run.stderr}`);
    const result = JSON.parse(run.stdout) as SweepResult;
    printDay(day, result, org);
    const emails = (await sentEmails(moto.endpoint)).slice(before);
    for (const [i, email] of emails.entries()) {
      const account = email.subject.match(/\] (\S+)/)?.[1]?.toLowerCase() ?? `account-${i}`;
      const file = join(OUT, `day-${String(day).padStart(3, "0")}-${account}.html`);
      writeFileSync(file, email.body);
      written.push(file);
      say(
        `  ✉  ${email.subject}  →  ${[...(email.destinations.ToAddresses ?? []), ...(email.destinations.CcAddresses ?? [])].join(", ")}`,
      );
    }
    say();
  }

  const pushed = github.secrets({ repository: "acme/payments" });
  say("The local GitHub server's repository acme/payments now holds, decrypted from GitHub's sealed boxes:");
  say(`  AWS_ACCESS_KEY_ID      = ${pushed.get("AWS_ACCESS_KEY_ID") ?? "(nothing)"}`);
  say(
    `  AWS_SECRET_ACCESS_KEY  = <${pushed.get("AWS_SECRET_ACCESS_KEY")?.length ?? 0} characters, not shown>`,
  );
  say();
  say("A consumer fetches deploy-bot's current key with credential-process (as an AWS profile would):");
  const paymentsId = org.accounts.Payments?.id ?? "";
  const payments = await clientsIn(paymentsId);
  const saved = { ...process.env };
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: payments.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: payments.credentials.secretAccessKey,
    AWS_SESSION_TOKEN: payments.credentials.sessionToken,
  });
  const fetched = await cli(["credential-process", "--secret-id", "keyrotor/deploy-bot"]);
  process.env = saved;
  if (fetched.code !== 0) throw new Error(`credential-process exited ${fetched.code}: ${fetched.stderr}`);
  const creds = JSON.parse(fetched.stdout) as {
    Version: number;
    AccessKeyId: string;
    SecretAccessKey: string;
  };
  say("  ~/.aws/config:  [profile deploy-bot]");
  say(
    "                  credential_process = node bin/keyrotor.mjs credential-process --secret-id keyrotor/deploy-bot",
  );
  say(
    `  output:         {"Version":${creds.Version},"AccessKeyId":"${creds.AccessKeyId}","SecretAccessKey":"<${creds.SecretAccessKey.length} characters, not shown>"}`,
  );
  say();
  say(
    "Rather than rotate deploy-bot's key for ever, replace it: keyrotor advise (generated, never applied):",
  );
  const advised = await cli([
    "advise",
    "--config",
    configPath,
    "--account",
    paymentsId,
    "--user",
    "deploy-bot",
    "--format",
    "json",
  ]);
  if (advised.code !== 0) throw new Error(`keyrotor advise exited ${advised.code}: ${advised.stderr}`);
  const advice = JSON.parse(advised.stdout) as {
    items: { kind: string; summary: string; role?: { roleName: string; trustPolicy: unknown } }[];
  };
  for (const item of advice.items) {
    say(`  ${item.kind}: ${item.summary}`);
    if (item.role) {
      const trust = JSON.stringify(item.role.trustPolicy);
      say(
        `    trust policy of role ${item.role.roleName}: ${trust.length > 150 ? `${trust.slice(0, 150)}…` : trust}`,
      );
    }
  }
  say();
  const reportPath = join(OUT, "keyrotor-report.html");
  const reported = await cli(["report", "--config", configPath, "--format", "html", "--output", reportPath]);
  if (reported.code !== 0) throw new Error(`keyrotor report exited ${reported.code}: ${reported.stderr}`);
  say(`The organization at a glance (keyrotor report): ${reportPath}`);
  say();
  say(`Emails written (${written.length}), open them in a browser:`);
  for (const file of written) say(`  ${file}`);
}

async function mainDemo(): Promise<number> {
  const missing = motoPrerequisites();
  if (missing.length > 0) {
    process.stderr.write(
      `The demo runs keyrotor against moto with a moved clock, and cannot start:\n${missing.map((m) => `  - ${m}`).join("\n")}\n`,
    );
    return 1;
  }
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  const started = Date.now();
  const moto = await startMoto();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
  });
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
  const github = await startGitHub();
  try {
    await demo(moto, github);
    say(`\nDone in ${Math.round((Date.now() - started) / 1000)} s; moto and the GitHub server stopped.`);
    return 0;
  } finally {
    await github.close();
    await moto.stop();
  }
}

process.exitCode = await mainDemo().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  return 1;
});
