/**
 * `npm run demo`: keyrotor rotating a sample organization inside moto, days 0 to 110, in about a
 * minute. Runs the real CLI (`keyrotor run`, then `keyrotor credential-process`) in-process against
 * moto with a libfaketime clock, delivering one user's new key to a local GitHub-compatible server;
 * writes every email as HTML into demo-output/. With `--keep` it leaves moto and the GitHub server
 * running, prints what to export to explore the organization with the CLI, and stops them on Ctrl-C.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { constants } from "node:os";
import { join, resolve } from "node:path";
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { runCaptured } from "../cli/io";
import type { SweepResult } from "../cli/sweep";
import { emailFileNames, emailKind } from "./lib/demo-emails";
import { createTimeline, type Timeline } from "./lib/demo-timeline";
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
const BIN = resolve("bin/keyrotor.mjs");
const SENDER = "keyrotor@example.com";
const ADMIN = "security@example.com";
const REGION = "us-east-1";
/** The demo's own ledger table, so it never meets one a real `keyrotor ledger init` made. */
const LEDGER = "keyrotor-demo-ledger";
const DAYS = [0, 83, 90, 100, 110];
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

const namesOf = (org: Organization): Record<string, string> =>
  Object.fromEntries(Object.entries(org.accounts).map(([name, a]) => [a.id, name]));

function printDay(day: number, result: SweepResult, org: Organization, timeline: Timeline) {
  const names = namesOf(org);
  say(`── Day ${String(day).padStart(3)}  (${result.asOf.slice(0, 10)}) ${"─".repeat(50)}`);
  let quiet = true;
  for (const account of result.accounts) {
    for (const user of account.report?.users ?? []) {
      for (const line of timeline.describe(user, account.job.account.id, result.asOf)) {
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

/** What the demo leaves behind for `--keep`: the organization and the configuration its runs used. */
interface DemoOrganization {
  readonly org: Organization;
  readonly configPath: string;
}

async function demo(moto: Moto, github: GitHubServer): Promise<DemoOrganization> {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  clock = () => moto.now();
  // Without the stack, the CLI's runs need their own ledger: the table keyrotor's memory lives in.
  const init = await cli(["ledger", "init", "--ledger", LEDGER]);
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
        adminEmail: ADMIN,
        ledgerTable: LEDGER,
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
  const timeline = createTimeline();
  const fileName = emailFileNames();
  const names = namesOf(org);
  for (const day of DAYS) {
    moto.setClockOffsetDays(day);
    const before = (await sentEmails(moto.endpoint)).length;
    const run = await cli(["run", "--config", configPath, "--as-of", moto.now().toISOString(), "--json"]);
    if (run.code !== 0) throw new Error(`keyrotor run exited ${run.code}: ${run.stderr}`);
    const result = JSON.parse(run.stdout) as SweepResult;
    printDay(day, result, org, timeline);
    for (const email of (await sentEmails(moto.endpoint)).slice(before)) {
      const to = email.destinations.ToAddresses ?? [];
      const accountId = /\((\d{12})\)/.exec(email.subject)?.[1] ?? "";
      const account = names[accountId] ?? "account";
      const kind = emailKind(to, org.accounts[account]?.email ?? "", ADMIN);
      const file = join(OUT, fileName({ day, account, recipient: to[0] ?? "nobody", kind }));
      writeFileSync(file, email.body);
      written.push(file);
      say(`  ✉  ${email.subject}  →  ${[...to, ...(email.destinations.CcAddresses ?? [])].join(", ")}`);
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
    `                  credential_process = node ${BIN} credential-process --secret-id keyrotor/deploy-bot --region ${REGION}`,
  );
  say(`                  region = ${REGION}`);
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
  return { org, configPath };
}

/**
 * For `--keep`: the environment and commands that point the CLI at the organization left running.
 * moto's credentials are its fake ones; no token or key of the demo is printed.
 */
function printExplore(moto: Moto, { org, configPath }: DemoOrganization) {
  const asOf = moto
    .now()
    .toISOString()
    .replace(/\.\d+Z$/, "Z");
  const common = `--config ${configPath} --as-of ${asOf}`;
  say();
  say(`The demo organization stays up until Ctrl-C. moto's clock is at day ${DAYS.at(-1)} (${asOf}),`);
  say("this machine's is not: the commands give that instant with --as-of. In another shell, here:");
  say();
  say(`  export AWS_ENDPOINT_URL=${moto.endpoint}`);
  say(`  export AWS_REGION=${REGION}`);
  say(`  export AWS_ACCESS_KEY_ID=${MOTO_CREDENTIALS.accessKeyId}`);
  say(`  export AWS_SECRET_ACCESS_KEY=${MOTO_CREDENTIALS.secretAccessKey}`);
  say("  unset AWS_PROFILE AWS_SESSION_TOKEN");
  say(`  # the ledger table, ${LEDGER}, and the rest of the settings are in ${configPath}`);
  say("  npm run build:cli");
  say(`  node bin/keyrotor.mjs plan ${common}`);
  say(`  node bin/keyrotor.mjs report ${common} --output ${join(OUT, "report-again.html")}`);
  say(`  node bin/keyrotor.mjs advise ${common} --account ${org.accounts.Payments?.id} --user deploy-bot`);
  say(`  node bin/keyrotor.mjs preview --output ${join(OUT, "preview")}`);
  say();
}

/** Resolves on the first Ctrl-C (SIGINT) or SIGTERM, so the servers are stopped on the way out. */
const stopSignal = new Promise<NodeJS.Signals>((resolve) => {
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => resolve(signal));
});

async function mainDemo(keep: boolean): Promise<number> {
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
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
  });
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
  const github = await startGitHub();
  try {
    const running = demo(moto, github);
    running.catch(() => {});
    const outcome = await Promise.race([running, stopSignal]);
    if (typeof outcome === "string") {
      process.stderr.write(`demo stopped by ${outcome}; stopping moto and the GitHub server.\n`);
      return 128 + constants.signals[outcome];
    }
    if (keep) {
      printExplore(moto, outcome);
      await stopSignal;
      say("Stopping moto and the GitHub server…");
      return 0;
    }
    say(`\nDone in ${Math.round((Date.now() - started) / 1000)} s; moto and the GitHub server stopped.`);
    return 0;
  } finally {
    await github.close();
    await moto.stop();
  }
}

process.exitCode = await mainDemo(process.argv.slice(2).includes("--keep")).catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  return 1;
});
