import { type Config, parseConfig, settingsFromEnv } from "../shared/config";
import { ConfigError } from "../shared/errors";
import { readSettingsFile } from "./config-file";

/** `plan` sends no email, so it does not need a sender; this stands in when none is configured. */
export const PLAN_ONLY_SENDER = "plan-only@keyrotor.invalid";

/**
 * The CLI's configuration: the settings of `--config FILE` (YAML or JSON), overridden by `KEYROTOR_*`
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
