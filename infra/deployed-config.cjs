// The configuration a deployment runs, worked out once per `sls` command: the file
// `--param=config=keyrotor.yml` names and the settings given as params, validated with the functions'
// own schema (infra/params.cjs says every problem) and bundled into each function's code as the
// constant __KEYROTOR_CONFIG__ (esbuild's `define`), so no setting travels in an environment variable
// and the functions run the very text that was validated (shared/deployed-config.ts reads it).
// serverless.yml reads the rest from here through `custom.keyrotor` (osls calls the exported function
// when it resolves ${file(./infra/deployed-config.cjs)}).
const Module = require("node:module");
const { isAbsolute, join, relative } = require("node:path");
const { deploymentSettings, effectiveParams, parseCliParams } = require("./params.cjs");

/**
 * The TypeScript the functions and the CLI validate with (shared/config.ts, the digest, the file
 * reader of cli/config-file.ts), compiled in memory with esbuild: the source is the one schema.
 */
function loadTools(serviceDir) {
  tools ??= compileTools(serviceDir);
  return tools;
}

let tools;

function compileTools(serviceDir) {
  const esbuild = require("esbuild");
  const { outputFiles } = esbuild.buildSync({
    stdin: {
      contents: [
        'export * from "./shared/config";',
        'export * from "./shared/config-digest";',
        'export { readSettingsFile } from "./cli/config-file";',
        'export { configDiff, formatConfigDiff } from "./cli/config-diff";',
        'export { busPolicyResource } from "./shared/events/config";',
      ].join("\n"),
      resolveDir: serviceDir,
      loader: "ts",
      sourcefile: "keyrotor-config-tools.ts",
    },
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    write: false,
    logLevel: "silent",
  });
  const filename = join(serviceDir, "keyrotor-config-tools.cjs");
  const compiled = new Module(filename, module);
  compiled.filename = filename;
  compiled.paths = Module._nodeModulePaths(serviceDir);
  compiled._compile(outputFiles[0].text, filename);
  return compiled.exports;
}

/** The configuration file `config` names, read (YAML or JSON), or why it could not be. */
function readFile(tools, serviceDir, path) {
  if (isAbsolute(path) || relative(serviceDir, join(serviceDir, path)).startsWith("..")) {
    return { path, error: `config="${path}": must be a path inside the service directory` };
  }
  try {
    return { path, settings: tools.readSettingsFile(join(serviceDir, path)) };
  } catch (error) {
    return { path, error: `config="${path}": ${error.message}` };
  }
}

/** The settings serverless.yml and infra/*.cjs read (names, tags, sender), with the schema's defaults. */
const TEMPLATE_SETTINGS = [
  "memberRoleName",
  "secretPrefix",
  "exemptTag",
  "ownerTag",
  "readersTag",
  "rotateAfterDays",
  "senderEmail",
  "adminEmail",
  "lifecycleEvents",
];

/**
 * The deployment's configuration from osls's inputs.
 * @returns {{ problems: string[], digest?: string, text?: string, settings?: Record<string, unknown>,
 *   template?: Record<string, unknown>, file?: string }}
 */
function workOut({ serviceDir, cli, stageParams, defaultParams }) {
  const tools = loadTools(serviceDir);
  const params = effectiveParams({ cli, stageParams, defaultParams });
  const path = params.config;
  const file = path ? readFile(tools, serviceDir, path) : undefined;
  const { problems, settings } = deploymentSettings({ cli, stageParams, defaultParams, file, config: tools });
  if (problems.length > 0) return { problems };
  const text = tools.canonicalJson(settings);
  const parsed = tools.parseConfig({
    ledgerTable: "keyrotor-stack-ledger",
    deliveryKmsKeyId: "alias/keyrotor-stack-delivery",
    ...settings,
  });
  const template = {
    ...Object.fromEntries(TEMPLATE_SETTINGS.map((name) => [name, parsed[name] ?? ""])),
    // What the rotator may put on: a bus's ARN as configured, or the named bus of this account and region.
    lifecycleEventsBusResource: tools.busPolicyResource(parsed.lifecycleEvents.bus),
  };
  return { problems, digest: tools.textDigest(text), text, settings, parsed, template, file: path };
}

let current;

/** The deployment's configuration, worked out on the first call of this `sls` command. */
function deploymentConfig(input) {
  current ??= workOut(input);
  return current;
}

/** What serverless.yml's `custom.keyrotor` holds. */
module.exports = async ({ options, resolveConfigurationProperty, resolveVariable }) => {
  // Resolved after the params (osls defers a file whose function asks for one), so after
  // infra/params-plugin.cjs has refused a deployment with problems.
  await resolveVariable("param:config");
  const stage = String(await resolveVariable("sls:stage"));
  const params = (await resolveConfigurationProperty(["params"])) ?? {};
  const worked = deploymentConfig({
    serviceDir: process.cwd(),
    cli: parseCliParams(options.param),
    stageParams: params[stage] ?? {},
    defaultParams: params.default ?? {},
  });
  if (worked.problems.length > 0) throw new Error(worked.problems.join("; "));
  return {
    digest: worked.digest,
    settings: worked.template,
    // esbuild's define takes JavaScript: a string literal, of base64 so nothing in a setting can close it.
    define: { __KEYROTOR_CONFIG__: JSON.stringify(Buffer.from(worked.text).toString("base64")) },
  };
};
module.exports.deploymentConfig = deploymentConfig;
module.exports.workOut = workOut;
module.exports.loadTools = loadTools;
