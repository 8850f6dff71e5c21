// keyrotor's deployment parameters and their validation, run at package time (infra/params-plugin.cjs)
// before anything resolves them: an unknown or misspelt --param, a value outside its allowed values or
// a missing required param stops `sls package`/`sls deploy` with one error naming each of them. The
// settings (the params passed to the functions as KEYROTOR_* variables) are checked with the same
// schema the functions parse them with at start-up (shared/config.ts); the deployment-only params are
// declared here.

/**
 * Settings that are not params: the stack sets them itself (the ledger it creates, the delivery key it
 * creates when deliveries are configured). For the check, stand-ins of the right form.
 */
const STACK_SETTINGS = {
  ledgerTable: "keyrotor-stack-ledger",
  deliveryKmsKeyId: "alias/keyrotor-stack-delivery",
};
const NOT_PARAMS = new Set(Object.keys(STACK_SETTINGS));

/**
 * Lambda refuses a function whose environment variables take more than 4 KB together, measured as
 * their JSON. Every function gets every setting; the stack adds its own variables, at most
 * STACK_VARIABLES_BYTES of JSON (partition, Powertools, ledger table, key id, one queue URL with a
 * 30-character stage in the longest region name: about 375 bytes).
 */
const ENVIRONMENT_LIMIT_BYTES = 4096;
const STACK_VARIABLES_BYTES = 512;

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

/**
 * The problem with the settings' size, if they leave the stack's own variables no room under Lambda's
 * limit (measured as the variables' JSON, as Lambda measures them), naming the setting that takes most.
 */
function environmentProblem(params, settings, envNameOf) {
  const bytes = (value) => Buffer.byteLength(JSON.stringify(value));
  const total =
    bytes(Object.fromEntries(settings.map((name) => [envNameOf(name), params[name] ?? ""]))) +
    STACK_VARIABLES_BYTES;
  if (total <= ENVIRONMENT_LIMIT_BYTES) return [];
  const size = (name) => bytes(params[name] ?? "");
  const largest = settings.reduce((a, b) => (size(b) > size(a) ? b : a));
  return [
    `${largest} (${size(largest)} bytes): every function's environment variables would take ${total} ` +
      `bytes, over Lambda's limit of 4 KB (${ENVIRONMENT_LIMIT_BYTES} bytes) for a function's variables ` +
      "together; shorten it (compact JSON, fewer or wider bindings)",
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
 * Every problem with a deployment's params, each naming the param and what it allows; empty when
 * they are fine.
 * @param {object} input
 * @param {Record<string, string>} input.cli the `--param` values
 * @param {Record<string, unknown>} [input.stageParams] serverless.yml's `params.<stage>`
 * @param {Record<string, unknown>} [input.defaultParams] serverless.yml's `params.default`
 * @param {object} input.config shared/config.ts: SETTING_NAMES, envNameOf, settingsFromEnv, configSchema,
 *   configProblems, pathText
 */
function paramProblems({ cli, stageParams = {}, defaultParams = {}, config }) {
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
  problems.push(...environmentProblem(params, settings, config.envNameOf));
  problems.push(...ruleNameProblem(params));

  for (const [name, declared] of Object.entries(DEPLOYMENT_PARAMS)) {
    if (!given(name)) {
      if (declared.required) problems.push(missing(name, declared.allowed));
      continue;
    }
    if (!declared.check(params[name])) {
      problems.push(`${name}="${params[name]}" is not allowed; allowed: ${declared.allowed}`);
    }
  }

  const raw = {};
  for (const name of settings) {
    if (!given(name)) {
      if (name in REQUIRED_SETTINGS) {
        problems.push(missing(name, REQUIRED_SETTINGS[name]));
      }
      continue;
    }
    try {
      Object.assign(raw, config.settingsFromEnv({ [config.envNameOf(name)]: params[name] }));
    } catch (error) {
      const said = error.message.replace(config.envNameOf(name), name);
      problems.push(`${naming(name, params[name])}: ${said}${/JSON/.test(said) ? JSON_HINT(name) : ""}`);
    }
  }
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
      const where = naming(name, params[name], config.pathText(problem.path) || name, problem.path.length);
      problems.push(`${where}: ${problem.message}`);
      delete raw[name];
    }
    if (fresh.length === 0) return problems;
  }
}

/** The error `sls` shows: every problem, one a line. */
function paramsMessage(problems) {
  return `keyrotor: invalid deployment parameters:\n  - ${problems.join("\n  - ")}`;
}

module.exports = {
  DEPLOYMENT_PARAMS,
  NOT_PARAMS,
  ENVIRONMENT_LIMIT_BYTES,
  STACK_VARIABLES_BYTES,
  parseCliParams,
  effectiveParams,
  paramProblems,
  paramsMessage,
};
