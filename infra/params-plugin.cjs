// osls plugin (serverless.yml `plugins`): works out the deployment's configuration as soon as the plugins
// are loaded, before any ${param:...} is resolved, and stops with one error that names every unknown,
// invalid or missing param and every problem in the configuration file (infra/params.cjs,
// infra/deployed-config.cjs). The settings are checked with shared/config.ts itself, compiled on the
// fly with esbuild, so the TypeScript source is the one schema. Once the template is compiled, it
// records the settings and the output names what they change against the deployed stack's
// (infra/config-changes.cjs).
const { parseCliParams, paramsMessage } = require("./params.cjs");
const { deploymentConfig, loadTools } = require("./deployed-config.cjs");
const { changeReport, configurationMetadata, deployedSettings } = require("./config-changes.cjs");

/** How long the comparison may wait for the deployed stack before saying it could not be read. */
const COMPARE_TIMEOUT_MS = 15_000;

/**
 * The stage, as osls will resolve it: `--stage`, else provider.stage, whose `${opt:stage, 'prod'}` has
 * not been resolved yet when plugins load (its fallback is the stage), else osls's own default.
 */
function stageOf(options, declared) {
  if (options.stage) return String(options.stage);
  const fallback = /^\$\{opt:stage,\s*['"]([^'"]+)['"]\}$/.exec(String(declared ?? ""));
  if (fallback) return fallback[1];
  return declared && !String(declared).includes("${") ? String(declared) : "dev";
}

class KeyrotorParams {
  constructor(serverless, options, utils) {
    const input = serverless.processedInput ?? {};
    if (input.isHelpRequest || options.help || (input.commands ?? []).length === 0) return;
    const stage = stageOf(options, serverless.configurationInput?.provider?.stage);
    const params = serverless.configurationInput?.params ?? {};
    const worked = deploymentConfig({
      serviceDir: serverless.serviceDir,
      cli: parseCliParams(options.param),
      stageParams: params[stage] ?? {},
      defaultParams: params.default ?? {},
    });
    if (worked.problems.length > 0) {
      throw new serverless.classes.Error(paramsMessage(worked.problems), "KEYROTOR_PARAMS");
    }
    const { log } = utils;
    this.hooks = {
      "before:package:finalize": async () => {
        const template = serverless.service.provider.compiledCloudFormationTemplate;
        template.Metadata = { ...template.Metadata, ...configurationMetadata(worked) };
        log.notice(
          `keyrotor: configuration ${worked.digest} from ${worked.file ?? "params"} ` +
            `(${worked.parsed.deliveries.length} delivery bindings), bundled into each function`,
        );
        for (const line of await this.changes(serverless, worked)) log.notice(line);
      },
    };
  }

  /** What the configuration changes against the deployed stack's, or why that could not be read. */
  async changes(serverless, worked) {
    const provider = serverless.getProvider("aws");
    const stackName = provider.naming.getStackName();
    const read = (async () => deployedSettings(await provider.getCloudFormationClient(), stackName))().catch(
      (error) => ({ reason: String(error?.message ?? error).split("\n")[0] }),
    );
    const timeout = new Promise((resolve) => {
      setTimeout(resolve, COMPARE_TIMEOUT_MS, { reason: "no answer in time" }).unref();
    });
    const deployed = await Promise.race([read, timeout]);
    if (!deployed.settings)
      return [`keyrotor: no deployed configuration to compare with (${deployed.reason})`];
    return changeReport(loadTools(serverless.serviceDir), deployed.settings, worked.settings);
  }
}

module.exports = KeyrotorParams;
module.exports.stageOf = stageOf;
