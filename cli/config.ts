import { type Config, parseConfig, settingsFromEnv } from "../shared/config";
import { settingsDigest } from "../shared/config-digest";
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
  return loadCliSettings(options, defaults).config;
}

/**
 * `loadCliConfig`, with the digest of the file's settings (`keyrotor config validate` prints the same):
 * `null` without a file, or when a `KEYROTOR_*` variable overrides one of its settings, since the
 * settings in force are then not the file's (the deployed functions refuse such an overlap).
 */
export function loadCliSettings(
  options: Parameters<typeof loadCliConfig>[0],
  defaults: Record<string, unknown> = {},
): { config: Config; digest: string | null } {
  const file = options.configPath === undefined ? {} : readSettingsFile(options.configPath);
  try {
    const fromEnv = settingsFromEnv(options.env);
    const given = { ...defaults, ...file, ...fromEnv };
    const config = parseConfig(given);
    const overridden = Object.keys(fromEnv).some((name) => name in file);
    const digest = options.configPath === undefined || overridden ? null : settingsDigest(file);
    return {
      config: options.overrides === undefined ? config : parseConfig({ ...given, ...options.overrides }),
      digest,
    };
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
