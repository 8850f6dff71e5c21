import { readFileSync } from "node:fs";
import { type Config, parseConfig, settingsFromEnv } from "../shared/config";
import { ConfigError, describeError } from "../shared/errors";

/** `plan` sends no email, so it does not need a sender; this stands in when none is configured. */
export const PLAN_ONLY_SENDER = "plan-only@keyrotor.invalid";

/**
 * The CLI's configuration: the DESIGN §5 JSON of `--config FILE`, overridden by `KEYROTOR_*`
 * variables, overridden by flags. @throws ConfigError naming the file or setting at fault.
 */
export function loadCliConfig(
  options: {
    configPath?: string;
    env: Record<string, string | undefined>;
    overrides?: Record<string, unknown>;
  },
  defaults: Record<string, unknown> = {},
): Config {
  let file: Record<string, unknown> = {};
  if (options.configPath !== undefined) {
    let text: string;
    try {
      text = readFileSync(options.configPath, "utf8");
    } catch (error) {
      throw new ConfigError(`cannot read config file ${options.configPath}: ${describeError(error).message}`);
    }
    try {
      file = JSON.parse(text);
    } catch (error) {
      throw new ConfigError(
        `config file ${options.configPath} is not valid JSON: ${describeError(error).message}`,
      );
    }
    if (file === null || typeof file !== "object" || Array.isArray(file)) {
      throw new ConfigError(`config file ${options.configPath} must hold a JSON object of settings`);
    }
  }
  try {
    return parseConfig({ ...defaults, ...file, ...settingsFromEnv(options.env), ...options.overrides });
  } catch (error) {
    if (error instanceof ConfigError && options.configPath !== undefined) {
      throw new ConfigError(
        `${error.message} (settings from ${options.configPath} and KEYROTOR_* variables)`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
}
