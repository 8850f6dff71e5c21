import packageJson from "../package.json";
import { parseCommandLine, type ValuesOf } from "./args";
import { awsServices } from "./aws/services";
import type { CommandContext } from "./commands/context";
import {
  type ADVISE,
  COMMANDS,
  type CONFIG_DIFF,
  type CONFIG_SCHEMA,
  type CONFIG_VALIDATE,
  type CREDENTIAL_PROCESS,
  type LEDGER_INIT,
  type PLAN,
  type PREVIEW,
  type PULL,
  type REPORT,
  type ROTATE,
  type RUN,
} from "./commands/specs";
import { EXIT, failureOf } from "./errors";
import type { Io } from "./process-io";
import type { CliServices } from "./services";

export { awsServices } from "./aws/services";
export type { Io } from "./process-io";
export type { CliServices } from "./services";

type Values = Record<string, string | true>;

/** Each command's implementation, loaded only when it runs. The parser has checked the values' types. */
const RUNNERS: Record<string, (values: Values, context: CommandContext) => Promise<number>> = {
  plan: async (values, context) =>
    (await import("./commands/plan")).run(values as ValuesOf<typeof PLAN.options>, context),
  run: async (values, context) =>
    (await import("./commands/run")).run(values as ValuesOf<typeof RUN.options>, context),
  rotate: async (values, context) =>
    (await import("./commands/rotate")).run(values as ValuesOf<typeof ROTATE.options>, context),
  "credential-process": async (values, context) =>
    (await import("./commands/credential-process")).run(
      values as ValuesOf<typeof CREDENTIAL_PROCESS.options>,
      context,
    ),
  pull: async (values, context) =>
    (await import("./commands/pull")).run(values as ValuesOf<typeof PULL.options>, context),
  "ledger init": async (values, context) =>
    (await import("./commands/ledger-init")).run(values as ValuesOf<typeof LEDGER_INIT.options>, context),
  "config validate": async (values, context) =>
    (await import("./commands/config")).validate(values as ValuesOf<typeof CONFIG_VALIDATE.options>, context),
  "config diff": async (values, context) =>
    (await import("./commands/config")).diff(values as ValuesOf<typeof CONFIG_DIFF.options>, context),
  "config schema": async (values, context) =>
    (await import("./commands/config")).schema(values as ValuesOf<typeof CONFIG_SCHEMA.options>, context),
  preview: async (values, context) =>
    (await import("./commands/preview")).run(values as ValuesOf<typeof PREVIEW.options>, context),
  report: async (values, context) =>
    (await import("./commands/report")).run(values as ValuesOf<typeof REPORT.options>, context),
  advise: async (values, context) =>
    (await import("./commands/advise")).run(values as ValuesOf<typeof ADVISE.options>, context),
};

/** keyrotor's version, from package.json. */
export const VERSION: string = packageJson.version;

/**
 * Runs one `keyrotor` command line; returns the exit code: 0 success, 1 something failed in AWS,
 * 2 usage, configuration or environment error. Help and results go to stdout, errors to stderr.
 */
export async function main(
  argv: readonly string[],
  io: Io,
  services: CliServices = awsServices,
): Promise<number> {
  try {
    const line = parseCommandLine(argv, COMMANDS);
    if (line.kind === "help") {
      io.stdout(line.text);
      return EXIT.ok;
    }
    if (line.kind === "version") {
      io.stdout(`keyrotor ${VERSION}`);
      return EXIT.ok;
    }
    const runner = RUNNERS[line.command.name];
    if (!runner) throw new Error(`command ${line.command.name} has no implementation`);
    return await runner(line.values, { io, services });
  } catch (error) {
    const { code, message } = failureOf(error);
    io.stderr(`keyrotor: ${message}`);
    return code;
  }
}
