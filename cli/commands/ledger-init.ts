import type { ValuesOf } from "../args";
import { loadCliConfig, PLAN_ONLY_SENDER } from "../config";
import { EXIT } from "../errors";
import type { CommandContext } from "./context";
import type { LEDGER_INIT } from "./specs";

/** `keyrotor ledger init`: the ledger table the CLI's runs need, made unless it exists. */
export async function run(values: ValuesOf<typeof LEDGER_INIT.options>, { io, services }: CommandContext) {
  // The settings are checked even when --ledger names the table: the run that follows reads them.
  const config = loadCliConfig({ configPath: values.config, env: io.env }, { senderEmail: PLAN_ONLY_SENDER });
  const table = values.ledger ?? config.ledgerTable;
  const outcome = await services.ensureLedger(table, {
    profile: values.profile,
    region: values.region,
    env: io.env,
  });
  io.stdout(outcome === "created" ? `created the ledger table ${table}` : `the ledger table ${table} exists`);
  return EXIT.ok;
}
