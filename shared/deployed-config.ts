import { type Config, envNameOf, parseConfig, settingsFromEnv } from "./config";
import { textDigest } from "./config-digest";
import { ConfigError } from "./errors";

/**
 * The settings `sls package` validated, as the base64 of their canonical JSON: esbuild writes them
 * into each function's code (infra/deployed-config.cjs). Absent when the code runs unbundled (tests).
 */
declare const __KEYROTOR_CONFIG__: string | undefined;

/** The text of the bundled settings, when this code was bundled with them. */
export function bundledSettingsText(): string | undefined {
  return typeof __KEYROTOR_CONFIG__ === "string"
    ? Buffer.from(__KEYROTOR_CONFIG__, "base64").toString("utf8")
    : undefined;
}

/** A function's configuration and where it came from: `digest` is what `keyrotor config validate` prints. */
export interface FunctionConfig {
  readonly config: Config;
  /** The bundled settings' digest; `null` when the settings came from `KEYROTOR_*` variables alone. */
  readonly digest: string | null;
}

/**
 * A function's configuration: the bundled settings, with the variables the stack sets itself (the
 * ledger table, the delivery key). A setting in both is refused: the bundle is the one validated.
 * Code run unbundled (the tests) takes every setting from `KEYROTOR_*` variables, as before.
 * @throws ConfigError naming what is at fault.
 */
export function functionConfig(
  env: Record<string, string | undefined>,
  bundled: string | undefined = bundledSettingsText(),
): FunctionConfig {
  const fromEnv = settingsFromEnv(env);
  if (bundled === undefined) return { config: parseConfig(fromEnv), digest: null };
  let settings: Record<string, unknown>;
  try {
    settings = JSON.parse(bundled) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError("the bundled configuration is not JSON (rebuild with sls package)", {
      cause: error,
    });
  }
  const twice = Object.keys(fromEnv).filter((name) => name in settings);
  if (twice.length > 0) {
    throw new ConfigError(
      `set both in the bundled configuration and as environment variables: ${twice.map(envNameOf).join(", ")}`,
    );
  }
  return { config: parseConfig({ ...settings, ...fromEnv }), digest: textDigest(bundled) };
}

/**
 * A function's configuration at start-up, logged with its digest: the log says which configuration a
 * run ran under, and it matches `keyrotor config validate` on the file that was deployed.
 */
export function startWithConfig(
  env: Record<string, string | undefined>,
  log: { info(message: string, extra: Record<string, unknown>): void },
): FunctionConfig {
  const loaded = functionConfig(env);
  log.info("configuration", {
    configDigest: loaded.digest ?? "none (settings from KEYROTOR_* variables)",
    deliveryBindings: loaded.config.deliveries.length,
  });
  return loaded;
}
