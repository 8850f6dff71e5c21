import { commandUsage, type ValuesOf } from "../args";
import { cliLog, parseAsOf, progress, runIdFor } from "../common";
import { loadCliConfig, PLAN_ONLY_SENDER } from "../config";
import { EXIT } from "../errors";
import { formatCsv, formatTable, planRows } from "../plan";
import { sweep, sweepFailed } from "../sweep";
import type { CommandContext } from "./context";
import { PLAN } from "./specs";

/** `keyrotor plan`: one row per key with what keyrotor would do to it, changing nothing. */
export async function run(values: ValuesOf<typeof PLAN.options>, { io, services }: CommandContext) {
  const now = io.now?.() ?? new Date();
  const asOf = parseAsOf(values["as-of"], commandUsage(PLAN), now);
  const config = loadCliConfig(
    // plan shows every key of every user, so it looks at all of them, and changes none.
    { configPath: values.config, env: io.env, overrides: { mode: "audit", discovery: "full" } },
    { senderEmail: PLAN_ONLY_SENDER },
  );
  const ports = await services.sweepPorts(
    { ...config, ledgerTable: values.ledger ?? config.ledgerTable },
    cliLog(io, values.verbose === true),
    {
      profile: values.profile,
      region: values.region,
      env: io.env,
    },
  );
  const result = await sweep(
    { ...ports, mail: null },
    config,
    { runId: runIdFor("plan", asOf), asOf },
    progress(io),
  );
  const lastUsed = new Map<string, Date | null>();
  for (const outcome of result.accounts) {
    for (const user of outcome.report?.users ?? []) {
      for (const key of user.keys) lastUsed.set(key.id, await ports.lastUsed(outcome.job.account.id, key.id));
    }
  }
  const rows = planRows(result.accounts, lastUsed, asOf);
  const format = values.format ?? "table";
  io.stdout(
    format === "json"
      ? JSON.stringify(rows, null, 2)
      : format === "csv"
        ? formatCsv(rows)
        : formatTable(rows),
  );
  return sweepFailed(result) ? EXIT.failed : EXIT.ok;
}
