import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { ConfigError, describeError } from "../shared/errors";

/** Aliases a configuration may use: enough to share a block, too few to blow a small file up. */
const MAX_ALIASES = 100;

const isYaml = (path: string) => /\.ya?ml$/i.test(path);

/**
 * The settings a configuration file holds: YAML (`.yml`, `.yaml`; YAML 1.2's core schema, so `no`
 * stays a string, duplicate keys refused) or JSON (any other name).
 * @throws ConfigError naming the file and, for a syntax error, the line and column.
 */
export function readSettingsFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${describeError(error).message}`);
  }
  const format = isYaml(path) ? "YAML" : "JSON";
  let file: unknown;
  try {
    file = isYaml(path)
      ? parseYaml(text, { schema: "core", uniqueKeys: true, maxAliasCount: MAX_ALIASES, prettyErrors: true })
      : JSON.parse(text);
  } catch (error) {
    const message = describeError(error).message.split("\n")[0];
    throw new ConfigError(`config file ${path} is not valid ${format}: ${message}`, { cause: error });
  }
  if (file === null || typeof file !== "object" || Array.isArray(file)) {
    const shape = format === "YAML" ? "YAML mapping" : "JSON object";
    throw new ConfigError(`config file ${path} must hold a ${shape} of settings`);
  }
  return file as Record<string, unknown>;
}
