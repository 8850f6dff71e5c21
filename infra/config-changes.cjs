// What a deployment changes in keyrotor's configuration, said in the package output: the template
// keeps the deployed settings (gzipped, in its Metadata), so the next `sls package`/`sls deploy` reads
// the deployed stack's template and names every destination removed and every reader added. Read
// only when the stack can be reached; otherwise the output says there was nothing to compare with.
const { gunzipSync, gzipSync } = require("node:zlib");
const { GetTemplateCommand } = require("@aws-sdk/client-cloudformation");

const METADATA_KEY = "KeyrotorConfiguration";

/** The template Metadata that records a deployment's settings: its digest and the canonical text. */
function configurationMetadata({ digest, text }) {
  return { [METADATA_KEY]: { Digest: digest, Settings: gzipSync(text).toString("base64") } };
}

/** The settings a deployed template records; `undefined` when it records none (a first deployment). */
function recordedSettings(templateBody) {
  const template = typeof templateBody === "string" ? JSON.parse(templateBody) : templateBody;
  const recorded = template?.Metadata?.[METADATA_KEY];
  if (!recorded?.Settings) return undefined;
  return JSON.parse(gunzipSync(Buffer.from(recorded.Settings, "base64")).toString("utf8"));
}

/**
 * The lines the package output shows for a change from `before` (the deployed settings) to `after`:
 * the removals and widenings first, under a heading a reviewer cannot miss, then the other changes.
 */
function changeReport(tools, before, after) {
  const parse = (settings) =>
    tools.parseConfig({
      senderEmail: "placeholder@example.com",
      ledgerTable: "keyrotor-stack-ledger",
      deliveryKmsKeyId: "alias/keyrotor-stack-delivery",
      ...settings,
    });
  const changes = tools.configDiff(parse(before), parse(after));
  if (changes.length === 0) return ["keyrotor: the configuration is the one deployed"];
  const risky = (c) =>
    (c.kind === "destination" && c.change === "removed") || (c.kind === "readers" && c.change === "widened");
  const removals = changes.filter((c) => c.kind === "destination" && c.change === "removed").length;
  const widenings = changes.filter((c) => c.kind === "readers" && c.change === "widened").length;
  const heading =
    removals + widenings > 0
      ? `keyrotor: this configuration REMOVES ${removals} destination(s) and WIDENS readers in ${widenings} place(s) compared with the deployed one:`
      : "keyrotor: compared with the deployed configuration:";
  const ordered = [...changes.filter(risky), ...changes.filter((c) => !risky(c))];
  return [heading, ...tools.formatConfigDiff(ordered).map((line) => `  ${line}`)];
}

/**
 * The deployed stack's settings, read with the deployment's own credentials; `{ reason }` when there
 * is nothing to read (no stack yet, no credentials, no network).
 */
async function deployedSettings(cloudFormation, stackName) {
  try {
    const answer = await cloudFormation.send(
      new GetTemplateCommand({ StackName: stackName, TemplateStage: "Original" }),
    );
    const settings = recordedSettings(answer.TemplateBody);
    return settings === undefined
      ? { reason: `stack ${stackName} records no keyrotor configuration` }
      : { settings };
  } catch (error) {
    return { reason: `${stackName} not read: ${String(error?.message ?? error).split("\n")[0]}` };
  }
}

module.exports = { METADATA_KEY, configurationMetadata, recordedSettings, changeReport, deployedSettings };
