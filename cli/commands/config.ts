import * as z from "zod/mini";
import { type Config, configSchema, parseConfig } from "../../shared/config";
import { settingsDigest } from "../../shared/config-digest";
import { ConfigError } from "../../shared/errors";
import type { ValuesOf } from "../args";
import { PLAN_ONLY_SENDER } from "../config";
import { configDiff, formatConfigDiff } from "../config-diff";
import { readSettingsFile } from "../config-file";
import { EXIT } from "../errors";
import type { CommandContext } from "./context";
import type { CONFIG_DIFF, CONFIG_SCHEMA, CONFIG_VALIDATE } from "./specs";

/** A configuration file read and validated alone, as the service would (a plan may leave the sender out). */
function validated(path: string): { file: Record<string, unknown>; config: Config } {
  const file = readSettingsFile(path);
  try {
    return { file, config: parseConfig({ senderEmail: PLAN_ONLY_SENDER, ...file }) };
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(`${path}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** `keyrotor config validate`: the file checked alone, as the service and the CLI check it. */
export async function validate(values: ValuesOf<typeof CONFIG_VALIDATE.options>, { io }: CommandContext) {
  const path = values.config ?? "";
  const { file, config } = validated(path);
  const summary = {
    file: path,
    valid: true,
    digest: settingsDigest(file),
    settings: Object.keys(file).length,
    bindings: config.deliveries.length,
    destinations: config.deliveries.reduce((n, b) => n + b.destinations.length, 0),
    policies: config.policies.length,
  };
  io.stdout(
    values.json
      ? JSON.stringify(summary, null, 2)
      : `${path}: valid (${summary.digest}; ${summary.settings} settings, ${summary.bindings} delivery bindings, ${summary.destinations} destinations, ${summary.policies} policies)`,
  );
  return EXIT.ok;
}

/** `keyrotor config schema`: the JSON Schema of the one configuration schema, for editors and CI. */
export async function schema(_: ValuesOf<typeof CONFIG_SCHEMA.options>, { io }: CommandContext) {
  const generated = z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" });
  io.stdout(JSON.stringify({ title: "keyrotor configuration", ...generated }, null, 2));
  return EXIT.ok;
}

/** `keyrotor config diff OLD NEW`: what replacing one file by the other would change. */
export async function diff(values: ValuesOf<typeof CONFIG_DIFF.options>, { io }: CommandContext) {
  const before = validated(values.old ?? "");
  const after = validated(values.new ?? "");
  const changes = configDiff(before.config, after.config);
  if (values.json) io.stdout(JSON.stringify(changes, null, 2));
  else io.stdout(changes.length === 0 ? "no change" : formatConfigDiff(changes).join("\n"));
  return EXIT.ok;
}
