// keyrotor's deployment parameters and their validation, run at package time (infra/params-plugin.cjs)
// before anything resolves them: an unknown or misspelt --param, a value outside its allowed values or
// a missing required param stops `sls package`/`sls deploy` with one error naming each of them. The
// settings come from the configuration file (`--param=config=keyrotor.yml`) or, as before the file,
// from params of their own names, never both for one setting; they are checked with the schema the
// functions parse them with (shared/config.ts), and infra/deployed-config.cjs bundles what passed into
// the functions' code. The deployment-only params are declared here.

/**
 * Settings that are not params: the stack sets them itself (the ledger it creates, the delivery key it
 * creates when deliveries are configured). For the check, stand-ins of the right form.
 */
const STACK_SETTINGS = {
  ledgerTable: "keyrotor-stack-ledger",
  deliveryKmsKeyId: "alias/keyrotor-stack-delivery",
};
const NOT_PARAMS = new Set(Object.keys(STACK_SETTINGS));

/** Settings a deployment cannot go without (the schema has no default for them). */
const REQUIRED_SETTINGS = { senderEmail: "an SES-verified email address" };

const ARN_PATTERN = /^arn:(aws[a-z-]*|\*):iam::(\d{12}|\*):(role|user|\*)\/[\w+=.@*/-]+$/;

const oneOf = (...values) => ({
  allowed: values.join(" | "),
  check: (v) => values.includes(v),
});
const integer = (min, max) => ({
  allowed: `a whole number from ${min} to ${max}`,
  check: (v) => /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max,
});
const matching = (pattern, allowed) => ({ allowed, check: (v) => pattern.test(v) });
const listOf = ({ allowed, check }) => ({
  allowed: `a comma-separated list of ${allowed}`,
  check: (v) =>
    v
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "")
      .every(check),
});
const bool = oneOf("true", "false");
const SCHEDULE = matching(
  /^(cron\(\S+( \S+){5}\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\))$/,
  "an EventBridge schedule expression, cron(...) with six fields or rate(N unit)",
);

/** The deployment-only params: how keyrotor is deployed, not how it rotates. */
const DEPLOYMENT_PARAMS = {
  config: matching(
    /^[^\0]+\.(ya?ml|json)$/i,
    "the configuration file, a path relative to the service ending in .yml, .yaml or .json",
  ),
  organizationId: {
    required: true,
    ...matching(
      /^o-[a-z0-9]{10,32}$/,
      "the organization id, o-... (aws organizations describe-organization)",
    ),
  },
  deploymentTargets: {
    required: true,
    ...listOf(
      matching(
        /^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/,
        "the root id (r-...) or OU ids (ou-...) that get the member role",
      ),
    ),
  },
  senderIdentity: matching(
    /^([^@\s,]+@)?([A-Za-z0-9-]+\.)+[A-Za-z0-9-]{2,}$/,
    "the SES identity to send from: an email address or a domain",
  ),
  schedule: SCHEDULE,
  digestSchedule: SCHEDULE,
  reportRetentionDays: integer(1, 3650),
  rotatorMaxConcurrency: integer(2, 1000),
  createManagementRole: bool,
  configTrigger: bool,
  configRule: bool,
  exposedKeyTrigger: bool,
  guardPolicy: bool,
  guardExemptPrincipals: listOf(matching(ARN_PATTERN, "IAM role or user ARN patterns")),
  queueRedrivePrincipals: listOf(matching(ARN_PATTERN, "IAM role or user ARN patterns")),
  alarmEmail: matching(
    /^([^@\s,]+@([A-Za-z0-9-]+\.)+[A-Za-z0-9-]{2,})?$/,
    "an email address to subscribe to the alarms",
  ),
  overdueAlarmDays: integer(0, 3650),
  accountMetrics: bool,
  callAs: oneOf("SELF", "DELEGATED_ADMIN"),
  stackSetFailureTolerance: integer(0, 100),
  stackSetMaxConcurrency: integer(1, 100),
};

/** What an EventBridge rule's name takes. */
const RULE_NAME = /^[\w.-]{1,64}$/;

/**
 * The problem with memberRoleName, if the member stacks cannot name their exposed-key rule after it
 * (`<memberRoleName>-health`, infra/member-role.yml): a role name may hold `+=,@`, a rule name not.
 */
function ruleNameProblem(params) {
  const name = params.memberRoleName ?? "";
  if (params.exposedKeyTrigger !== "true" || name === "" || RULE_NAME.test(`${name}-health`)) return [];
  return [
    `memberRoleName="${name}": with exposedKeyTrigger the member stacks name an EventBridge rule ` +
      `${name}-health, which takes only letters, digits, ".", "-" and "_"; rename the member role or set ` +
      "exposedKeyTrigger=false",
  ];
}

/** osls keeps a `--param` value up to its first line break: a pretty-printed JSON arrives cut short. */
const JSON_HINT = (name) =>
  ` (a --param is read up to its first line break: pass JSON on one line, e.g. --param="${name}=$(jq -c . ${name}.json)")`;

/**
 * How a problem names a setting: with its value, unless the problem is inside it (`deliveries[0].user`,
 * as `pathText` writes it) or the value is too long to read in a line.
 */
function naming(name, value, where = name, depth = 1) {
  if (value === undefined || value === "" || depth > 1 || value.length > 100) return where;
  return `${name}="${value}"`;
}

/** The `name=value` pairs of `--param` options. */
function parseCliParams(items) {
  const params = {};
  for (const item of items ?? []) {
    const at = item.indexOf("=");
    if (at > 0) params[item.slice(0, at)] = item.slice(at + 1).trimEnd();
  }
  return params;
}

const missing = (name, allowed) => `${name} is required: --param="${name}=..."; allowed: ${allowed}`;

/** osls's precedence: `--param` first, then the stage's `params`, then `params.default`. */
function effectiveParams({ cli, stageParams, defaultParams }) {
  const merged = {};
  for (const source of [defaultParams, stageParams, cli]) {
    for (const [name, value] of Object.entries(source ?? {})) {
      if (value !== null && value !== undefined) merged[name] = String(value);
    }
  }
  return merged;
}

/**
 * The settings a deployment runs and every problem with its params and its configuration file, each
 * naming the param, or the file and the path inside it, and what it allows. The settings are the
 * file's and the params', as given (the schema's defaults are the functions' to apply); `problems` is
 * empty when all is fine.
 * @param {object} input
 * @param {Record<string, string>} input.cli the `--param` values
 * @param {Record<string, unknown>} [input.stageParams] serverless.yml's `params.<stage>`
 * @param {Record<string, unknown>} [input.defaultParams] serverless.yml's `params.default`
 * @param {{ path: string, settings?: Record<string, unknown>, error?: string }} [input.file] the
 *   configuration file `config` names, as read (or the error reading it)
 * @param {object} input.config shared/config.ts: SETTING_NAMES, envNameOf, settingsFromEnv, configSchema,
 *   configProblems, pathText
 * @returns {{ problems: string[], settings: Record<string, unknown> }}
 */
function deploymentSettings({ cli, stageParams = {}, defaultParams = {}, file, config }) {
  const settings = config.SETTING_NAMES.filter((name) => !NOT_PARAMS.has(name));
  const known = [...settings, ...Object.keys(DEPLOYMENT_PARAMS)];
  const problems = [];
  const sources = [
    ["--param", cli],
    ["params.<stage>", stageParams],
    ["params.default", defaultParams],
  ];
  for (const [where, source] of sources) {
    for (const name of Object.keys(source ?? {})) {
      if (!known.includes(name)) {
        problems.push(
          `${where} ${name}: unknown parameter; known parameters: ${[...known].sort().join(", ")}`,
        );
      }
    }
  }
  const params = effectiveParams({ cli, stageParams, defaultParams });
  const given = (name) => params[name] !== undefined && params[name] !== "";
  problems.push(...ruleNameProblem({ ...(file?.settings ?? {}), ...params }));

  for (const [name, declared] of Object.entries(DEPLOYMENT_PARAMS)) {
    if (!given(name)) {
      if (declared.required) problems.push(missing(name, declared.allowed));
      continue;
    }
    if (!declared.check(params[name])) {
      problems.push(`${name}="${params[name]}" is not allowed; allowed: ${declared.allowed}`);
    }
  }

  const fromFile = file?.settings ?? {};
  if (file?.error) problems.push(file.error);
  for (const name of Object.keys(fromFile).filter((n) => NOT_PARAMS.has(n))) {
    problems.push(
      `${file.path}: ${name}: set by the stack (the ledger and the delivery key it creates); remove it from the file`,
    );
  }
  const raw = Object.fromEntries(Object.entries(fromFile).filter(([n]) => !NOT_PARAMS.has(n)));
  const origin = Object.fromEntries(Object.keys(raw).map((n) => [n, "file"]));
  for (const name of settings) {
    if (!given(name)) {
      if (name in REQUIRED_SETTINGS && !(name in raw) && !file?.error)
        problems.push(missing(name, REQUIRED_SETTINGS[name]));
      continue;
    }
    if (name in raw) {
      problems.push(
        `${name}: set both in ${file.path} and as a param; keep it in one place (the file is the one to review)`,
      );
      continue;
    }
    try {
      Object.assign(raw, config.settingsFromEnv({ [config.envNameOf(name)]: params[name] }));
      origin[name] = "param";
    } catch (error) {
      const said = error.message.replace(config.envNameOf(name), name);
      problems.push(`${naming(name, params[name])}: ${said}${/JSON/.test(said) ? JSON_HINT(name) : ""}`);
    }
  }
  if (file === undefined && !given("deliveries")) problems.push(NO_CONFIGURATION);
  const settled = { ...raw };
  // The schema checks the relations between settings only once each one is valid: parse again without
  // the invalid ones until nothing new is found, so one run reports both kinds of problem.
  const seen = new Set();
  for (;;) {
    const parsed = config.configSchema.safeParse({
      senderEmail: "placeholder@example.com",
      ...STACK_SETTINGS,
      ...raw,
    });
    const found = parsed.success ? [] : config.configProblems(parsed.error.issues);
    const key = (problem) => `${config.pathText(problem.path)}: ${problem.message}`;
    const fresh = found.filter((problem) => !seen.has(key(problem)));
    for (const problem of fresh) {
      seen.add(key(problem));
      const name = String(problem.path[0] ?? "(settings)");
      const path = config.pathText(problem.path) || name;
      const where =
        origin[name] === "file"
          ? `${file.path}: ${path}`
          : naming(name, params[name], path, problem.path.length);
      problems.push(`${where}: ${problem.message}`);
      delete raw[name];
    }
    if (fresh.length === 0) return { problems, settings: settled };
  }
}

/**
 * A deployment with neither a configuration file nor the params it replaces would deliver keys
 * nowhere without saying so (a forgotten `--param=deliveries=...` once removed every destination).
 */
const NO_CONFIGURATION =
  'no configuration: give --param="config=keyrotor.yml" (the file with every setting), or, with the ' +
  "settings as params, say where new keys go: --param='deliveries=[]' for each user's own secret only";

/** Every problem with a deployment's params (and its configuration file, when given). */
function paramProblems(input) {
  return deploymentSettings(input).problems;
}

/** The error `sls` shows: every problem, one a line. */
function paramsMessage(problems) {
  return `keyrotor: invalid deployment parameters:\n  - ${problems.join("\n  - ")}`;
}

module.exports = {
  DEPLOYMENT_PARAMS,
  NOT_PARAMS,
  parseCliParams,
  effectiveParams,
  paramProblems,
  deploymentSettings,
  paramsMessage,
};
