import { readFileSync } from "node:fs";
import { type Config, parseConfig, settingsFromEnv } from "../shared/config";
import { ConfigError, describeError } from "../shared/errors";

/** `plan` sends no email, so it does not need a sender; this stands in when none is configured. */
export const PLAN_ONLY_SENDER = "plan-only@keyrotor.invalid";

function readSettingsFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${describeError(error).message}`);
  }
  let file: unknown;
  try {
    file = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${describeError(error).message}`);
  }
  if (file === null || typeof file !== "object" || Array.isArray(file)) {
    throw new ConfigError(`config file ${path} must hold a JSON object of settings`);
  }
  return file as Record<string, unknown>;
}

/**
 * The CLI's configuration: the settings JSON of `--config FILE`, overridden by `KEYROTOR_*`
 * variables, overridden by the command's options. The settings are validated as given first, so a
 * setting a command overrides (plan's mode) is still checked, then again with the overrides.
 * @throws ConfigError naming the file or setting at fault.
 */
export function loadCliConfig(
  options: {
    configPath?: string;
    env: Record<string, string | undefined>;
    overrides?: Record<string, unknown>;
  },
  defaults: Record<string, unknown> = {},
): Config {
  const file = options.configPath === undefined ? {} : readSettingsFile(options.configPath);
  try {
    const given = { ...defaults, ...file, ...settingsFromEnv(options.env) };
    const config = parseConfig(given);
    return options.overrides === undefined ? config : parseConfig({ ...given, ...options.overrides });
  } catch (error) {
    if (error instanceof ConfigError && options.configPath !== undefined) {
      throw new ConfigError(
        `${error.message} (settings from ${options.configPath} and KEYROTOR_* variables)`,
        { cause: error },
      );
    }
    throw error;
  }
}
