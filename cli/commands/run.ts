import { summarize } from "../../shared/rotation";
import { MAX_CLOCK_SKEW_MS } from "../../shared/scheduling/admit";
import { commandUsage, type ValuesOf } from "../args";
import { alignColumns, cliLog, parseAsOf, progress, runIdFor } from "../common";
import { loadCliConfig } from "../config";
import { EXIT, UsageError } from "../errors";
import { type SweepResult, sweep, sweepFailed } from "../sweep";
import type { CommandContext } from "./context";
import { RUN } from "./specs";

/** `keyrotor run`: one full sweep in the configured mode, emails included. */
export async function run(values: ValuesOf<typeof RUN.options>, { io, services }: CommandContext) {
  const now = io.now?.() ?? new Date();
  const asOf = parseAsOf(values["as-of"], commandUsage(RUN), now);
  const config = loadCliConfig({
    configPath: values.config,
    env: io.env,
    ...(values.mode === undefined ? {} : { overrides: { mode: values.mode } }),
  });
  if (config.mode === "enforce" && asOf.getTime() > now.getTime() + MAX_CLOCK_SKEW_MS) {
    throw new UsageError(
      `--as-of ${asOf.toISOString()} is in the future: enforce mode acts only at the present time ` +
        "(keyrotor plan, or run --mode audit, may look ahead)",
      commandUsage(RUN),
    );
  }
  const ledgerTable = values.ledger ?? config.ledgerTable;
  const ports = await services.sweepPorts({ ...config, ledgerTable }, cliLog(io, values.verbose === true), {
    profile: values.profile,
    region: values.region,
    env: io.env,
  });
  const result = await sweep(ports, config, { runId: runIdFor("run", asOf), asOf }, progress(io));
  io.stdout(values.json ? JSON.stringify(result, null, 2) : formatRun(result));
  return sweepFailed(result) ? EXIT.failed : EXIT.ok;
}

/** One line per account: what was done (or, in audit mode, would be) and whether its notice went out. */
export function formatRun(result: SweepResult): string {
  const header = ["ACCOUNT", "NAME", "USERS", "CREATED", "DEACTIVATED", "DELETED", "ATTENTION", "FAILED"];
  const rows = result.accounts.map((a) => {
    const s = a.report ? summarize(a.report) : undefined;
    const counts = s
      ? [s.users, s.created, s.deactivated, s.deleted, s.blocked, s.failedUsers].map(String)
      : ["-", "-", "-", "-", "-", `account: ${a.error?.message ?? ""}`];
    const notice = a.noticeError ? `failed: ${a.noticeError.message}` : a.notice;
    return [a.job.account.id, a.job.account.name, ...counts, notice];
  });
  const lines = [
    `keyrotor ${result.mode} run ${result.runId} as of ${result.asOf}`,
    "",
    ...alignColumns([[...header, "NOTICE"], ...rows]),
  ];
  if (result.mode === "audit")
    lines.push("", "Audit mode: nothing was changed; CREATED/DEACTIVATED/DELETED count planned actions.");
  for (const s of result.skipped) lines.push(`skipped ${s.accountId}: ${s.reason}`);
  for (const a of result.accounts) {
    const fallback = a.report?.reportFallback;
    if (fallback) {
      lines.push(
        `${a.job.account.id}: credential report unreadable, ${fallback.detail}; every user listed through IAM`,
      );
    }
  }
  return lines.join("\n");
}
