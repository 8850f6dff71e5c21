// osls plugin (serverless.yml `plugins`): validates the deployment's params as soon as the plugins are
// loaded, before any ${param:...} is resolved, and stops with one error that names every unknown,
// invalid or missing param (infra/params.cjs). The settings are checked with shared/config.ts itself,
// bundled on the fly with esbuild so the TypeScript source is the one schema.
const Module = require("node:module");
const { join } = require("node:path");
const { parseCliParams, paramProblems, paramsMessage } = require("./params.cjs");

/** shared/config.ts, compiled in memory: what the functions validate their settings with. */
function loadConfigModule(serviceDir) {
  const esbuild = require("esbuild");
  const entry = join(serviceDir, "shared", "config.ts");
  const { outputFiles } = esbuild.buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    write: false,
    logLevel: "silent",
  });
  const compiled = new Module(entry, module);
  compiled.filename = entry;
  compiled.paths = Module._nodeModulePaths(serviceDir);
  compiled._compile(outputFiles[0].text, entry);
  return compiled.exports;
}

class KeyrotorParams {
  constructor(serverless, options) {
    const input = serverless.processedInput ?? {};
    if (input.isHelpRequest || options.help || (input.commands ?? []).length === 0) return;
    const stage = String(options.stage ?? serverless.configurationInput?.provider?.stage ?? "dev");
    const params = serverless.configurationInput?.params ?? {};
    const problems = paramProblems({
      cli: parseCliParams(options.param),
      stageParams: params[stage] ?? {},
      defaultParams: params.default ?? {},
      config: loadConfigModule(serverless.serviceDir),
    });
    if (problems.length > 0) throw new serverless.classes.Error(paramsMessage(problems), "KEYROTOR_PARAMS");
  }
}

module.exports = KeyrotorParams;
