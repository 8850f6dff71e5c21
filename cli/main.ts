import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { clientOptionsOf } from "../shared/aws/client-config";
import { memberAccountOpener } from "../shared/aws/member-account";
import { OrganizationsAdapter } from "../shared/aws/organizations";
import { SecretsAdapter } from "../shared/aws/secrets";
import { SesAdapter } from "../shared/aws/ses";
import { StsAdapter } from "../shared/aws/sts";
import type { Config } from "../shared/config";
import { ConfigError, describeError } from "../shared/errors";
import type { AccountOpener, Log } from "../shared/rotation";
import { summarize } from "../shared/rotation";
import { loadCliConfig, PLAN_ONLY_SENDER } from "./config";
import { credentialProcessOutput } from "./credential-process";
import { UsageError } from "./errors";
import { formatCsv, formatTable, planRows } from "./plan";
import { type SweepPorts, type SweepResult, sweep, sweepFailed } from "./sweep";

export const USAGE = `Usage: keyrotor <command> [options]

Commands:
  plan                 What keyrotor would do to each key of the organization. Read-only.
  run                  One full sweep in the configured mode: rotate, then email each account's owner.
  credential-process   Print the current key of a keyrotor secret as AWS credential_process JSON.

Options:
  --config FILE               Settings as JSON (see README); KEYROTOR_* variables and flags override.
  --as-of ISO                 The run's instant (default: now).
  --format table|json|csv     plan: output format (default table).
  --json                      run: print the full result as JSON.
  --mode audit|enforce        run: override the configured mode.
  --secret-id ID              credential-process: the secret's name or ARN.
  --verbose                   Print the service's structured logs on stderr.
  -h, --help                  Show this help.

AWS credentials and region come from the default chain; AWS_ENDPOINT_URL is honoured.
Exit codes: 0 success, 1 some account, user or notice failed, 2 usage or configuration error.`;

export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Record<string, string | undefined>;
}

/** What the commands need from AWS; tests may replace it. */
export interface CliServices {
  sweepPorts(
    config: Config,
    log: Log,
  ): Promise<SweepPorts & { lastUsed: (accountId: string, keyId: string) => Promise<Date | null> }>;
  secrets(): Pick<SecretsAdapter, "readSecretValue">;
}

/** The real AWS services, with the caller's default credential chain and region. */
export const awsServices: CliServices = {
  async sweepPorts(config, log) {
    const aws = clientOptionsOf(config);
    const sts = StsAdapter.create(aws);
    const { partition } = await sts.whoAmI();
    const open = memberAccountOpener(sts, { partition, roleName: config.memberRoleName }, aws);
    // plan looks up last use of every key after deciding: reuse each account's session for that.
    const opened = new Map<string, ReturnType<AccountOpener>>();
    const openAccount: AccountOpener = (accountId, runId) => {
      const existing = opened.get(accountId) ?? open(accountId, runId);
      opened.set(accountId, existing);
      return existing;
    };
    return {
      organization: OrganizationsAdapter.create(aws),
      openAccount,
      mail: SesAdapter.create(aws),
      log,
      lastUsed: async (accountId, keyId) =>
        (await openAccount(accountId, "plan")).iam.getAccessKeyLastUsed(keyId),
    };
  },
  secrets: () => SecretsAdapter.create(),
};

const OPTIONS = {
  config: { type: "string" },
  "as-of": { type: "string" },
  format: { type: "string" },
  json: { type: "boolean" },
  mode: { type: "string" },
  "secret-id": { type: "string" },
  verbose: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const ALLOWED: Record<string, (keyof typeof OPTIONS)[]> = {
  plan: ["config", "as-of", "format", "verbose", "help"],
  run: ["config", "as-of", "json", "mode", "verbose", "help"],
  "credential-process": ["secret-id", "help"],
};

/** Runs one `keyrotor` command; returns the exit code. */
export async function main(
  argv: readonly string[],
  io: Io,
  services: CliServices = awsServices,
): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    });
    const command = positionals[0];
    if (values.help || command === undefined || command === "help") {
      io.stdout(USAGE);
      return command === undefined && !values.help ? 2 : 0;
    }
    const allowed = ALLOWED[command];
    if (!allowed) throw new UsageError(`unknown command "${command}"`);
    if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
    const misplaced = Object.keys(values).filter((k) => !allowed.includes(k as keyof typeof OPTIONS));
    if (misplaced.length > 0) throw new UsageError(`${command} does not take --${misplaced.join(", --")}`);

    if (command === "credential-process") {
      const secretId = values["secret-id"];
      if (!secretId) throw new UsageError("credential-process needs --secret-id");
      io.stdout(await credentialProcessOutput(services.secrets(), secretId));
      return 0;
    }

    const asOf = parseAsOf(values["as-of"]);
    const log = cliLog(io, values.verbose === true);
    if (command === "plan") {
      const format = values.format ?? "table";
      if (!["table", "json", "csv"].includes(format))
        throw new UsageError(`--format must be table, json or csv, got "${format}"`);
      const config = loadCliConfig(
        // plan shows every key of every user, so it looks at all of them.
        { configPath: values.config, env: io.env, overrides: { mode: "audit", discovery: "full" } },
        { senderEmail: PLAN_ONLY_SENDER },
      );
      const ports = await services.sweepPorts(config, log);
      const result = await sweep(
        { ...ports, mail: null },
        config,
        { runId: runIdFor("plan", asOf), asOf },
        progress(io),
      );
      const lastUsed = new Map<string, Date | null>();
      for (const outcome of result.accounts) {
        for (const user of outcome.report?.users ?? []) {
          for (const key of user.keys)
            lastUsed.set(key.id, await ports.lastUsed(outcome.job.account.id, key.id));
        }
      }
      const rows = planRows(result.accounts, lastUsed, asOf);
      io.stdout(
        format === "json"
          ? JSON.stringify(rows, null, 2)
          : format === "csv"
            ? formatCsv(rows)
            : formatTable(rows),
      );
      return sweepFailed(result) ? 1 : 0;
    }

    const mode = values.mode;
    if (mode !== undefined && mode !== "audit" && mode !== "enforce") {
      throw new UsageError(`--mode must be audit or enforce, got "${mode}"`);
    }
    const config = loadCliConfig({ configPath: values.config, env: io.env, overrides: mode ? { mode } : {} });
    const ports = await services.sweepPorts(config, log);
    const result = await sweep(ports, config, { runId: runIdFor("run", asOf), asOf }, progress(io));
    io.stdout(values.json ? JSON.stringify(result, null, 2) : formatRun(result));
    return sweepFailed(result) ? 1 : 0;
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      io.stderr(`keyrotor: ${describeError(error).message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof ConfigError || /Region is missing/.test(describeError(error).message)) {
      io.stderr(`keyrotor: ${describeError(error).message}`);
      return 2;
    }
    io.stderr(`keyrotor: ${describeError(error).name}: ${describeError(error).message}`);
    return 1;
  }
}

const isParseArgsError = (error: unknown) =>
  typeof (error as { code?: unknown })?.code === "string" &&
  (error as { code: string }).code.startsWith("ERR_PARSE_ARGS");

function parseAsOf(value: string | undefined): Date {
  if (value === undefined) return new Date();
  const date = new Date(value);
  if (Number.isNaN(date.getTime()) || !/^\d{4}-\d\d-\d\d/.test(value)) {
    throw new UsageError(
      `--as-of must be an ISO date or date-time such as 2026-06-01T06:00:00Z, got "${value}"`,
    );
  }
  return date;
}

function runIdFor(command: string, asOf: Date): string {
  return `cli-${command}-${asOf.toISOString().replace(/[-:.]/g, "")}-${randomBytes(3).toString("hex")}`;
}

/** The service's log: silent unless --verbose, then JSON lines on stderr (results stay on stdout). */
function cliLog(io: Io, verbose: boolean): Log {
  const write =
    (level: string) =>
    (message: string, ...attributes: Record<string, unknown>[]) => {
      if (verbose) io.stderr(JSON.stringify(Object.assign({ level, message }, ...attributes)));
    };
  return { debug: write("DEBUG"), info: write("INFO"), warn: write("WARN"), error: write("ERROR") };
}

function progress(io: Io) {
  return (done: number, total: number, outcome: SweepResult["accounts"][number]) => {
    const status = outcome.error ? `failed: ${outcome.error.message}` : "done";
    io.stderr(`[${done}/${total}] ${outcome.job.account.id} (${outcome.job.account.name}) ${status}`);
  };
}

function formatRun(result: SweepResult): string {
  const lines = [`keyrotor ${result.mode} run ${result.runId} as of ${result.asOf}`, ""];
  const header = [
    "ACCOUNT",
    "NAME",
    "USERS",
    "CREATED",
    "DEACTIVATED",
    "DELETED",
    "ATTENTION",
    "FAILED",
    "NOTICE",
  ];
  const rows = result.accounts.map((a) => {
    const s = a.report ? summarize(a.report) : undefined;
    const counts = s
      ? [s.users, s.created, s.deactivated, s.deleted, s.blocked, s.failedUsers].map(String)
      : ["-", "-", "-", "-", "-", `account: ${a.error?.message ?? ""}`];
    return [
      a.job.account.id,
      a.job.account.name,
      ...counts,
      a.noticeError ? `failed: ${a.noticeError.message}` : a.notice,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  for (const row of [header, ...rows])
    lines.push(
      row
        .map((v, i) => v.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    );
  if (result.mode === "audit")
    lines.push("", "Audit mode: nothing was changed; CREATED/DEACTIVATED/DELETED count planned actions.");
  for (const s of result.skipped) lines.push(`skipped ${s.accountId}: ${s.reason}`);
  return lines.join("\n");
}
