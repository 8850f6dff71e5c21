/**
 * `npm run bench [-- --json | --markdown | --only PART,…]`: keyrotor's scale and cost figures next to
 * their targets (README.md, "Scale and cost"). `--markdown` prints the cost tables of the parts measured
 * (steps, rotationDay, monthsLater), ready for the README.
 * Figures are measured, never asserted: machines here are shared and noisy.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import { runCaptured } from "../cli/io";
import { awsSampleCalls } from "./bench/aws-sample";
import { configScale, writeLargeConfig } from "./bench/config-scale";
import { costMarkdown, MONTHS_LATER_TARGET_AT_200 } from "./bench/cost-tables";
import { incidentBench } from "./bench/incident";
import { monthsLater } from "./bench/months-later";
import { reportBench } from "./bench/report";
import { rotationDay } from "./bench/rotation-day";
import { MODEL, simulateSweep } from "./bench/simulated-sweep";
import { stepCosts } from "./bench/step-costs";
import { clientsIn, createOrganization, createUsers } from "./lib/emulator";
import { startFaultProxy } from "./lib/fault-proxy";
import { startMoto } from "./lib/moto";

const run = promisify(execFile);
const json = process.argv.includes("--json");
const markdown = process.argv.includes("--markdown");
const progress = (line: string) => process.stderr.write(`${line}\n`);

/** The deployed default of the rotator's maximumConcurrency, read from serverless.yml itself. */
function deployedConcurrency(): number {
  const found = /^\s+rotatorMaxConcurrency: (\d+)$/m.exec(readFileSync("serverless.yml", "utf8"));
  if (!found) throw new Error("serverless.yml has no rotatorMaxConcurrency param");
  return Number(found[1]);
}

async function simulated() {
  const concurrency = deployedConcurrency();
  progress(`simulated sweeps (real engine, latency and throttling model, ${concurrency} rotators)…`);
  const rows = [];
  for (const accounts of [1_000, 10_000]) {
    for (const [day, discovery] of [
      ["steady", "report"],
      ["steady", "full"],
      ["rotation", "report"],
    ] as const) {
      rows.push(await simulateSweep(accounts, 50, day, discovery, concurrency));
    }
  }
  return {
    model: MODEL,
    concurrency,
    rows,
    awsSampleCallsPerAccount50Users: awsSampleCalls(1, 50, 1, 0),
    lowerBoundSteady: 3,
  };
}

const MANAGEMENT_CALLS = new Set([
  "GetCallerIdentity",
  "ListAccounts",
  "DescribeAccount",
  "DescribeTable",
  "Query",
  "GetItem",
  "PutItem",
  "UpdateItem",
  "SendEmail",
]);

async function againstMoto() {
  progress("real SDK against moto: 10 accounts x 200 users…");
  const moto = await startMoto();
  const proxy = await startFaultProxy(moto.endpoint);
  const saved = { ...process.env };
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
  });
  try {
    const names = Array.from({ length: 9 }, (_, i) => ({ name: `Member${i}` }));
    const org = await createOrganization(names);
    for (const account of Object.values(org.accounts)) {
      const users = Array.from({ length: 200 }, (_, u) => ({ name: `user-${u}`, keys: ["Active" as const] }));
      await createUsers((await clientsIn(account.id)).iam, users);
    }
    const init = await runCaptured(["ledger", "init"]);
    if (init.code !== 0) throw new Error(`keyrotor ledger init exited ${init.code}: ${init.stderr}`);
    process.env.AWS_ENDPOINT_URL = proxy.endpoint;
    const figures: Record<string, { wallSeconds: number; callsPerAccount: number }> = {};
    for (const discovery of ["report", "full"] as const) {
      proxy.reset();
      const started = Date.now();
      const env = { ...process.env, KEYROTOR_DISCOVERY: discovery, KEYROTOR_SENDER_EMAIL: "k@example.com" };
      const { code, stderr } = await runCaptured(["run", "--mode", "audit"], env);
      if (code !== 0) throw new Error(`keyrotor run exited ${code}: ${stderr}`);
      // Calls in the member accounts only: the ledger, SES and Organizations are the management account's.
      const perAccount = proxy.calls.filter(
        (c) => c.attempt === 1 && !MANAGEMENT_CALLS.has(c.operation),
      ).length;
      figures[discovery] = {
        wallSeconds: Math.round((Date.now() - started) / 100) / 10,
        callsPerAccount: Math.round((perAccount / 10) * 10) / 10,
      };
    }
    return figures;
  } finally {
    process.env = saved;
    await proxy.stop();
    await moto.stop();
  }
}

/** Each function's zip and its cold module initialisation (median of 5), packaged with `params`. */
async function packaged(params: string[]) {
  const dir = mkdtempSync(join(tmpdir(), "keyrotor-bench-"));
  try {
    await run("node_modules/.bin/sls", ["package", "--stage", "package-check", "--package", dir, ...params], {
      timeout: 180_000,
    });
    const result: Record<string, { zipKB: number; coldInitMs: number }> = {};
    for (const zip of readdirSync(dir).filter((f) => f.endsWith(".zip"))) {
      const name = zip.replace(/\.zip$/, "");
      const out = join(dir, name);
      await run("unzip", ["-q", "-o", join(dir, zip), "-d", out]);
      const entry = resolve(out, "functions", `${name}.mjs`);
      const env = {
        ...process.env,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        AWS_REGION: "us-east-1",
        JOBS_QUEUE_URL: "https://q",
        NOTICES_QUEUE_URL: "https://q",
        REPORT_BUCKET: "keyrotor-bench-reports",
        REPORT_RETENTION_DAYS: "90",
        POWERTOOLS_LOG_LEVEL: "WARN",
        // The stack's own variables, as serverless.yml sets them: the settings are in the code.
        KEYROTOR_LEDGER_TABLE: "keyrotor-bench-ledger",
        KEYROTOR_DELIVERY_KMS_KEY_ID: "alias/keyrotor-bench",
      };
      const samples: number[] = [];
      for (let i = 0; i < 5; i++) {
        const { stdout } = await run(
          process.execPath,
          [
            "--input-type=module",
            "-e",
            `const t = performance.now(); await import(${JSON.stringify(entry)}); process.stdout.write(String(performance.now() - t));`,
          ],
          { env },
        );
        samples.push(Number(stdout));
      }
      samples.sort((a, b) => a - b);
      result[name] = {
        zipKB: Math.round(statSync(join(dir, zip)).size / 1024),
        coldInitMs: Math.round(samples[2] ?? 0),
      };
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function bundles() {
  progress("bundles: sls package, zip sizes, cold module initialisation…");
  return packaged([]);
}

/** The rotator's cold start with the example file and with a 2,000-binding one, and the file's validation. */
async function configFile() {
  progress("configuration file: 2,000 bindings and 500 reader rules, validated and packaged…");
  const large = writeLargeConfig(process.cwd());
  try {
    const withLarge = await packaged([`--param=config=${relative(process.cwd(), large.path)}`]);
    return {
      validation: configScale(),
      rotatorColdInitMsLarge: withLarge.rotator?.coldInitMs,
      rotatorZipKBLarge: withLarge.rotator?.zipKB,
    };
  } finally {
    large.dispose();
  }
}

/**
 * Start-up of `keyrotor credential-process` (the built bin, a new process each time, as the AWS SDK and
 * CLI start it) reading a secret from moto: the latency a consumer pays on every client start.
 */
async function credentialProcessStartup() {
  progress("credential-process start-up, 15 runs against moto…");
  const moto = await startMoto();
  try {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: "us-east-1",
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    };
    delete env.AWS_PROFILE;
    const value = JSON.stringify({
      AccessKeyId: "AKIABENCH",
      SecretAccessKey: "x".repeat(40),
      UserName: "app",
    });
    await run(
      "aws",
      [
        "secretsmanager",
        "create-secret",
        "--name",
        "keyrotor/app",
        "--secret-string",
        value,
        "--endpoint-url",
        moto.endpoint,
      ],
      { env },
    );
    const args = ["bin/keyrotor.mjs", "credential-process", "--secret-id", "keyrotor/app"];
    await run(process.execPath, args, { env });
    const times: number[] = [];
    for (let i = 0; i < 15; i++) {
      const started = performance.now();
      await run(process.execPath, args, { env });
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    return {
      medianMs: Math.round(times[7] ?? 0),
      worstMs: Math.round(times[14] ?? 0),
      ...(await cpuAgainstBareNode(args, env)),
    };
  } finally {
    await moto.stop();
  }
}

/**
 * CPU (user + system) of `args` run by Node, per run, next to `node -e 0`'s: 30 runs of each in one
 * shell, whose `times` builtin reports what its children used.
 */
async function cpuAgainstBareNode(args: string[], env: NodeJS.ProcessEnv) {
  const quote = (a: string) => `'${a.replace(/'/g, "'\\''")}'`;
  const cpuMs = async (command: string) => {
    const script = `for i in $(seq 30); do ${command} >/dev/null; done; times`;
    const { stdout } = await run("bash", ["-c", script], { env });
    const children = stdout.trim().split("\n").at(-1) ?? "";
    const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce(
      (t, m) => t + Number(m[1]) * 60 + Number(m[2]),
      0,
    );
    return (seconds * 1000) / 30;
  };
  const node = quote(process.execPath);
  const bare = await cpuMs(`${node} -e 0`);
  const command = await cpuMs(`${node} ${args.map(quote).join(" ")}`);
  return {
    cpuMs: Math.round(command),
    bareNodeCpuMs: Math.round(bare),
    cpuRatio: Math.round((command / bare) * 100) / 100,
  };
}

/**
 * The rotator's peak RSS on one account of 5,000 users, bundled as the functions are (esbuild with
 * serverless.yml's options: ESM, minified, the SDK inside) and run by plain Node, not under tsx.
 */
async function rotatorRss() {
  progress("rotator peak RSS for one account of 5,000 users (bundled as the Lambda runs it)…");
  const dir = mkdtempSync(join(tmpdir(), "keyrotor-rss-"));
  try {
    const { build } = await import("esbuild");
    const outfile = join(dir, "rss-probe.mjs");
    await build({
      entryPoints: ["scripts/bench/rss-probe.ts"],
      outfile,
      bundle: true,
      minify: true,
      platform: "node",
      format: "esm",
      target: "node20",
      mainFields: ["module", "main"],
      logLevel: "warning",
      banner: {
        js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
      },
    });
    const { stdout } = await run(process.execPath, [outfile], {
      timeout: 300_000,
      env: {
        ...process.env,
        AWS_REGION: "us-east-1",
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      },
    });
    return Math.round(Number(stdout.split(" ")[0]) / 1024);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Each step of one user's key, counted on the wire against moto. */
async function steps() {
  progress("steps: one user's key walked through its steps by `keyrotor run` against moto, calls counted…");
  return stepCosts();
}

/** A day on which every user is due, at three sizes. */
async function rotationDayRows() {
  const rows = [];
  for (const users of [50, 200, 2_000]) {
    progress(`rotation day: 2 accounts x ${users} users, every user due…`);
    rows.push(await rotationDay(users));
  }
  return { measuredOn: new Date().toISOString().slice(0, 10), rows };
}

/** An organization months into rotation, 30 daily runs counted, at three sizes. */
async function monthsLaterRows() {
  const rows = [];
  for (const users of [50, 200, 2_000]) {
    progress(`months later: 2 accounts x ${users} users, 220 days warm-up, 30 days counted…`);
    rows.push(await monthsLater(users));
  }
  return { measuredOn: new Date().toISOString().slice(0, 10), rows };
}

async function orgReport() {
  progress("org report: 10,000 simulated accounts x 20 users, built, then rendered as HTML, JSON, CSV…");
  return reportBench(10_000, 20);
}

async function exposedKey() {
  progress("exposed key: Health event in, new key delivered to a local GitHub, old key Inactive, 5 runs…");
  return incidentBench();
}

const parts = {
  steps,
  rotationDay: rotationDayRows,
  monthsLater: monthsLaterRows,
  simulated,
  moto: againstMoto,
  bundles,
  configFile,
  rotatorPeakRssMB: rotatorRss,
  credentialProcess: credentialProcessStartup,
  report: orgReport,
  incident: exposedKey,
};

// `--only moto,bundles`: those parts alone, as JSON (a figure re-measured after a change to it), or
// with `--markdown` the cost tables of those parts.
const onlyAt = process.argv.indexOf("--only");
if (onlyAt >= 0) {
  const names = (process.argv[onlyAt + 1] ?? "").split(",").filter(Boolean);
  const unknown = names.filter((n) => !Object.hasOwn(parts, n));
  if (names.length === 0 || unknown.length > 0) {
    progress(
      `--only takes a comma-separated list of ${Object.keys(parts).join(", ")}; got "${names.join(",")}"`,
    );
    process.exit(2);
  }
  const chosen: Record<string, unknown> = {};
  for (const name of names) chosen[name] = await parts[name as keyof typeof parts]();
  process.stdout.write(
    markdown
      ? `${costMarkdown(chosen as Parameters<typeof costMarkdown>[0]).join("\n")}\n`
      : `${JSON.stringify(chosen, null, 2)}\n`,
  );
  process.exit(0);
}

const figures = {
  steps: await parts.steps(),
  rotationDay: await parts.rotationDay(),
  monthsLater: await parts.monthsLater(),
  simulated: await parts.simulated(),
  moto: await parts.moto(),
  bundles: await parts.bundles(),
  configFile: await parts.configFile(),
  rotatorPeakRssMB: await parts.rotatorPeakRssMB(),
  credentialProcess: await parts.credentialProcess(),
  report: await parts.report(),
  incident: await parts.incident(),
};

if (json) {
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
} else if (markdown) {
  process.stdout.write(`${costMarkdown(figures).join("\n")}\n`);
} else {
  const out = (line = "") => process.stdout.write(`${line}\n`);
  const pad = (v: unknown, n: number) => String(v).padEnd(n);
  for (const line of costMarkdown(figures)) out(line);
  const at200 = figures.monthsLater.rows.find((r) => r.usersPerAccount === 200);
  const at2000 = figures.monthsLater.rows.find((r) => r.usersPerAccount === 2_000);
  out(
    `  target at 200 users: <= ${MONTHS_LATER_TARGET_AT_200} calls/account/day, every call, management included ... ${at200?.orgCallsPerAccountPerDay}`,
  );
  out(
    `  target at 2,000 users: <= 10 x actions + 10 .............. ${at2000?.callsPerAccountPerDay} <= ${at2000 ? Math.round((10 * at2000.actionsPerAccountPerDay + 10) * 10) / 10 : "?"}`,
  );
  out();
  out(`Simulated sweeps (50 users per account, maximumConcurrency ${figures.simulated.concurrency}):`);
  out(
    `  ${pad("accounts", 9)}${pad("day", 10)}${pad("discovery", 11)}${pad("wall (min)", 12)}${pad("calls/account", 15)}throttled/account`,
  );
  for (const r of figures.simulated.rows) {
    out(
      `  ${pad(r.accounts, 9)}${pad(r.day, 10)}${pad(r.discovery, 11)}${pad(r.wallMinutes, 12)}${pad(r.callsPerAccount, 15)}${r.throttledPerAccount}`,
    );
  }
  const rotation = figures.simulated.rows.find((r) => r.day === "rotation" && r.accounts === 10_000);
  const steady = figures.simulated.rows.find(
    (r) => r.day === "steady" && r.discovery === "report" && r.accounts === 10_000,
  );
  const sweep10k = Math.max(
    ...figures.simulated.rows
      .filter((r) => r.accounts === 10_000 && r.discovery === "report")
      .map((r) => r.wallMinutes),
  );
  out(
    `  AWS sample: ${figures.simulated.awsSampleCallsPerAccount50Users} calls/account at 50 users; lower bound at steady state: ${figures.simulated.lowerBoundSteady}`,
  );
  out();
  out("Targets:");
  out(`  steady state <= 6 calls/account (AssumeRole included) .... ${steady?.callsPerAccount}`);
  out(
    `  <= 8 calls per rotated user (retries excluded) ........... ${rotation ? ((rotation.callsPerAccount - rotation.throttledPerAccount - 3) / 50).toFixed(1) : "?"}`,
  );
  out(
    `  10,000-account sweep <= 15 min at default concurrency ... ${sweep10k} min (worst of steady / rotation day)`,
  );
  for (const [name, b] of Object.entries(figures.bundles)) {
    out(
      `  ${pad(name, 10)} zip <= 300 KB: ${pad(`${b.zipKB} KB`, 9)} cold init <= 150 ms: ${b.coldInitMs} ms`,
    );
  }
  const c = figures.configFile;
  out(
    `  ${c.validation.bindings.toLocaleString("en-US")} bindings + ${c.validation.readerRules} reader rules validate < 2 s ..... ${c.validation.validateMs} ms (${c.validation.fileKB} KB of YAML)`,
  );
  out(
    `  rotator with them bundled: zip ${c.rotatorZipKBLarge} KB, cold init ${c.rotatorColdInitMsLarge} ms (with the example file: ${figures.bundles.rotator?.coldInitMs} ms)`,
  );
  out(
    `  rotator peak RSS <= 128 MB (5,000 users) ................ ${figures.rotatorPeakRssMB} MB (includes tsx)`,
  );
  out(
    `  credential-process start-up < 150 ms (median of 15) ..... ${figures.credentialProcess.medianMs} ms (worst ${figures.credentialProcess.worstMs} ms)`,
  );
  out(
    `  credential-process CPU <= 1.3 x node -e 0 (30 runs) ...... ${figures.credentialProcess.cpuRatio} x (${figures.credentialProcess.cpuMs} ms against ${figures.credentialProcess.bareNodeCpuMs} ms)`,
  );
  const r = figures.report;
  out();
  out(`Org report, ${r.accounts.toLocaleString("en-US")} simulated accounts x ${r.usersPerAccount} users:`);
  out(
    `  built in ${r.buildMs} ms of CPU (in memory); ${r.modeledWallSeconds} s under the latency model, ${r.concurrency} accounts at once`,
  );
  out(
    `  HTML ${r.html.MB} MB in ${r.html.ms} ms   JSON ${r.json.MB} MB in ${r.json.ms} ms   CSV ${r.csv.MB} MB in ${r.csv.ms} ms`,
  );
  out();
  const incident = figures.incident;
  out(
    `Exposed key, Health event to old key Inactive (real handlers against moto, ${incident.users} users in the account):`,
  );
  out(
    `  median ${incident.medianSeconds} s of ${incident.runs.length} (target <= 120 s deployed); calls per response: ${incident.runs.map((r) => r.calls).join(", ")}`,
  );
  out();
  out("Real SDK against moto, 10 accounts x 200 users (audit run):");
  for (const [discovery, m] of Object.entries(figures.moto)) {
    out(
      `  ${pad(discovery, 8)} ${m.callsPerAccount} calls/account, ${m.wallSeconds} s   (AWS's sample: ${awsSampleCalls(1, 200, 1, 0)} calls for a 200-user account)`,
    );
  }
}
