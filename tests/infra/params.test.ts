import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { readSettingsFile } from "../../cli/config-file";
import deployedConfig from "../../infra/deployed-config.cjs";
import managementMemberRole from "../../infra/management-member-role.cjs";
import params from "../../infra/params.cjs";
import plugin from "../../infra/params-plugin.cjs";
import * as config from "../../shared/config";
import { settingsDigest } from "../../shared/config-digest";

// Deployment params checked at package time (infra/params.cjs through infra/params-plugin.cjs). Most
// cases call the validation directly; two run `sls package` to prove the plugin stops it.

const run = promisify(execFile);
// biome-ignore lint/suspicious/noExplicitAny: serverless.yml is read structurally here.
type Json = any;

const serverlessText = readFileSync("serverless.yml", "utf8");
const serverless = yaml.load(serverlessText.replace(/\$\{[^}]*\}/g, "x"), {
  schema: managementMemberRole.schema,
}) as Json;
const defaultParams = serverless.params.default as Record<string, unknown>;
const REQUIRED = {
  senderEmail: "a@example.com",
  organizationId: "o-abc123def4",
  deploymentTargets: "r-ab12",
  deliveries: "[]",
};

/** osls's inputs for the package-check stage with `cli` params, from this directory. */
const packageCheck = (cli: Record<string, string>) => ({
  serviceDir: process.cwd(),
  cli,
  stageParams: serverless.params["package-check"],
  defaultParams,
});

/** The problems with `cli` over serverless.yml's own defaults. */
const problemsWith = (cli: Record<string, string>, stageParams: Record<string, unknown> = {}) =>
  params.paramProblems({ cli, stageParams, defaultParams, config });

describe("the declared params", () => {
  it("accept serverless.yml's defaults with the required params, and the package-check stage as it is", () => {
    expect(problemsWith(REQUIRED)).toEqual([]);
    expect(deployedConfig.workOut(packageCheck({})).problems).toEqual([]);
  });

  it("are every setting but the ledger table and the delivery key (which the stack creates) and every deployment param", () => {
    const known = [
      ...config.SETTING_NAMES.filter((n) => n !== "ledgerTable" && n !== "deliveryKmsKeyId"),
      ...Object.keys(params.DEPLOYMENT_PARAMS),
    ];
    for (const name of Object.keys(defaultParams)) expect(known).toContain(name);
    expect(problemsWith({ ...REQUIRED, ledgerTable: "mine", deliveryKmsKeyId: "alias/mine" })).toEqual([
      expect.stringMatching(/^--param ledgerTable: unknown parameter/),
      expect.stringMatching(/^--param deliveryKmsKeyId: unknown parameter/),
    ]);
  });

  it("are each used by serverless.yml or an infra/*.cjs resource file (none declared for nothing)", () => {
    const sources = [
      serverlessText,
      ...[
        "config-trigger",
        "exposed-key-trigger",
        "stack-set-regions",
        "guard-policy",
        "queue-policies",
        "management-member-role",
        "alarms",
        "deployed-config",
      ].map((f) => readFileSync(`infra/${f}.cjs`, "utf8")),
    ].join("\n");
    for (const name of Object.keys(params.DEPLOYMENT_PARAMS)) {
      expect(sources, name).toMatch(new RegExp(`param:${name}\\b`));
    }
  });

  it("pass no setting to the functions as a variable: the settings are bundled, the template reads them from custom.keyrotor", () => {
    expect(serverlessText).not.toMatch(/KEYROTOR_(?!LEDGER_TABLE|DELIVERY_KMS_KEY_ID)[A-Z_]+:/);
    for (const name of config.SETTING_NAMES) expect(serverlessText).not.toContain(`param:${name}}`);
  });
});

describe("paramProblems", () => {
  it("names every missing required param and what it takes", () => {
    // Act
    const problems = problemsWith({});

    // Assess
    expect(problems).toHaveLength(4);
    expect(problems).toEqual([
      expect.stringContaining(
        'organizationId is required: --param="organizationId=..."; allowed: the organization id',
      ),
      expect.stringContaining('deploymentTargets is required: --param="deploymentTargets=..."; allowed:'),
      expect.stringContaining('senderEmail is required: --param="senderEmail=..."; allowed: an SES-verified'),
      expect.stringMatching(/^no configuration: give --param="config=keyrotor.yml"/),
    ]);
  });

  it("rejects a misspelt or unknown param, naming it and the known ones", () => {
    const [problem, ...rest] = problemsWith({ ...REQUIRED, rotateAfterDay: "80" });
    expect(rest).toEqual([]);
    expect(problem).toMatch(
      /^--param rotateAfterDay: unknown parameter; known parameters: .*rotateAfterDays/,
    );
  });

  it("rejects a setting outside its allowed values with the schema's own words (mode=Enforce)", () => {
    expect(problemsWith({ ...REQUIRED, mode: "Enforce" })).toEqual([
      'mode="Enforce": Invalid option: expected one of "audit"|"enforce"',
    ]);
    expect(problemsWith({ ...REQUIRED, mode: "enforce" })).toEqual([]);
  });

  it("rejects booleans and numbers that are not, naming the param rather than its variable", () => {
    expect(problemsWith({ ...REQUIRED, adoptForeignSecrets: "yes", userConcurrency: "four" })).toEqual([
      'userConcurrency="four": userConcurrency must be a number, got "four"',
      'adoptForeignSecrets="yes": adoptForeignSecrets must be true or false, got "yes"',
    ]);
  });

  it("reports the relation between settings along with the settings that are invalid on their own", () => {
    const problems = problemsWith({ ...REQUIRED, deactivateAfterDays: "50", discovery: "all" });
    expect(problems).toEqual([
      expect.stringMatching(/^discovery="all": Invalid option: expected one of "report"\|"full"/),
      expect.stringMatching(/^rotateAfterDays: thresholds must satisfy .* got 90 \/ 50 \/ 110/),
    ]);
  });

  it.each([
    ["organizationId", "o-abc123def4", "123456789012"],
    ["deploymentTargets", "r-ab12,ou-ab12-cdef5678", "ou-ab12"],
    ["senderIdentity", "example.com", "not an identity"],
    ["schedule", "cron(0 6 * * ? *)", "daily"],
    ["schedule", "rate(12 hours)", "rate(12 fortnights)"],
    ["rotatorMaxConcurrency", "150", "1"],
    ["digestSchedule", "cron(0 7 ? * MON *)", "weekly"],
    ["digestSchedule", "rate(7 days)", "rate(1 week)"],
    ["reportRetentionDays", "90", "0"],
    ["reportRetentionDays", "3650", "30.5"],
    ["createManagementRole", "false", "no"],
    ["configTrigger", "true", "on"],
    ["configRule", "false", "1"],
    ["exposedKeyTrigger", "false", "off"],
    ["guardPolicy", "true", "yes"],
    ["guardExemptPrincipals", "arn:aws:iam::*:role/Admin,arn:aws:iam::123456789012:role/ops/*", "Admin"],
    ["queueRedrivePrincipals", "arn:aws:iam::123456789012:role/Operator*", "arn:aws:s3:::bucket"],
    ["callAs", "DELEGATED_ADMIN", "delegated_admin"],
    ["overdueAlarmDays", "14", "two weeks"],
    ["accountMetrics", "true", "yes"],
    ["stackSetFailureTolerance", "0", "101"],
    ["stackSetMaxConcurrency", "100", "0"],
  ])("checks %s: accepts %s, rejects %s naming what it allows", (name, good, bad) => {
    const declared = params.DEPLOYMENT_PARAMS[name];
    expect(problemsWith({ ...REQUIRED, [name]: good })).toEqual([]);
    expect(problemsWith({ ...REQUIRED, [name]: bad })).toEqual([
      `${name}="${bad}" is not allowed; allowed: ${declared?.allowed}`,
    ]);
  });

  it("forwards exposed-key events by default, and then refuses a memberRoleName no EventBridge rule can carry", () => {
    // Prepare: the member stacks name their exposed-key rule <memberRoleName>-health
    const unruly = { ...REQUIRED, memberRoleName: "keyrotor+member" };

    // Act / Assess
    expect(defaultParams.exposedKeyTrigger).toBe("true");
    expect(problemsWith(unruly)).toEqual([
      'memberRoleName="keyrotor+member": with exposedKeyTrigger the member stacks name an EventBridge rule keyrotor+member-health, which takes only letters, digits, ".", "-" and "_"; rename the member role or set exposedKeyTrigger=false',
    ]);
    expect(problemsWith({ ...unruly, exposedKeyTrigger: "false" })).toEqual([]);
    expect(problemsWith({ ...REQUIRED, memberRoleName: "Keyrotor_member.v2" })).toEqual([]);
  });

  it("rejects holdWhileInUse, verifyNewKeys and securityHubFindings that are not booleans", () => {
    expect(
      problemsWith({ ...REQUIRED, holdWhileInUse: "yes", verifyNewKeys: "no", securityHubFindings: "on" }),
    ).toEqual([
      'holdWhileInUse="yes": holdWhileInUse must be true or false, got "yes"',
      'verifyNewKeys="no": verifyNewKeys must be true or false, got "no"',
      'securityHubFindings="on": securityHubFindings must be true or false, got "on"',
    ]);
    expect(problemsWith({ ...REQUIRED, securityHubFindings: "true" })).toEqual([]);
  });

  it("turns the weekly digest on with adminEmail alone: its schedule and retention have defaults", () => {
    expect(defaultParams).toMatchObject({
      digestSchedule: "cron(0 7 ? * MON *)",
      reportRetentionDays: 90,
    });
    expect(problemsWith({ ...REQUIRED, adminEmail: "security@example.com" })).toEqual([]);
    expect(problemsWith({ ...REQUIRED, adminEmail: "security" })).toEqual([
      expect.stringMatching(/^adminEmail="security": must be an email address/),
    ]);
  });

  it("takes --param over the stage's params over the defaults, as osls does", () => {
    expect(
      params.effectiveParams({
        cli: { mode: "enforce" },
        stageParams: { mode: "audit", schedule: "rate(1 day)" },
        defaultParams: { mode: "audit", schedule: "cron(0 6 * * ? *)", callAs: "SELF" },
      }),
    ).toEqual({ mode: "enforce", schedule: "rate(1 day)", callAs: "SELF" });
    expect(params.parseCliParams(["mode=enforce", 'passwordPolicy={"a":1}'])).toEqual({
      mode: "enforce",
      passwordPolicy: '{"a":1}',
    });
  });
});

describe("the deliveries param", () => {
  /** `count` bindings of one GitHub repository each, as compact JSON. */
  const bindings = (count: number) =>
    JSON.stringify(
      Array.from({ length: count }, (_, i) => ({
        account: "111122223333",
        user: `ci-${i}`,
        destinations: [
          { type: "github", repository: `acme/app-${i}`, tokenSecret: "keyrotor-tokens/github" },
        ],
      })),
    );

  it("takes a JSON array of bindings, validated with the functions' own schema (the stack supplies the key)", () => {
    // Prepare
    const valid = JSON.stringify([
      {
        account: "*",
        user: "ci-*",
        destinations: [{ type: "ssm", path: "/keyrotor/ci/{accountId}/{userName}", account: "444455556666" }],
      },
    ]);

    // Act / Assess
    expect(problemsWith({ ...REQUIRED, deliveries: valid })).toEqual([]);
    expect(problemsWith({ ...REQUIRED, deliveries: "[]" })).toEqual([]);
    expect(problemsWith({ ...REQUIRED, deliveries: bindings(3) })).toEqual([]);
  });

  it("names the binding and destination at fault, not the whole value", () => {
    // Prepare: a token outside keyrotor-tokens/, an SSM path outside the prefix
    const bad = JSON.stringify([
      {
        account: "111122223333",
        user: "ci",
        destinations: [
          { type: "github", repository: "acme/app", tokenSecret: "prod/github-token" },
          { type: "ssm", path: "/other/ci" },
        ],
      },
    ]);

    // Act
    const problems = problemsWith({ ...REQUIRED, deliveries: bad });

    // Assess
    expect(problems).toEqual([
      expect.stringMatching(
        /^deliveries\[0\]\.destinations\[0\]\.tokenSecret: must be the name of a secret under keyrotor-tokens\//,
      ),
      "deliveries[0].destinations[1]: ssm: path must start with /keyrotor/ (where keyrotor's member role may write)",
    ]);
  });

  it("takes 2,000 bindings: the settings are bundled into the code, no longer held to Lambda's 4 KB of variables", () => {
    expect(problemsWith({ ...REQUIRED, deliveries: bindings(2000) })).toEqual([]);
  });

  it("cut at its first line break, as osls cuts a --param, is refused saying how to pass it", () => {
    expect(problemsWith({ ...REQUIRED, deliveries: "[" })).toEqual([
      'deliveries="[": deliveries is not valid JSON (a --param is read up to its first line break: pass JSON on one line, e.g. --param="deliveries=$(jq -c . deliveries.json)")',
    ]);
  });
});

describe("the configuration file (--param=config=...)", () => {
  const workOut = (cli: Record<string, string>) => deployedConfig.workOut(packageCheck(cli));

  it("is read, validated and digested as keyrotor config validate does, the settings as written", () => {
    // Act
    const worked = workOut({});

    // Assess
    const file = readSettingsFile("docs/keyrotor.example.yml");
    expect(worked).toMatchObject({ problems: [], digest: settingsDigest(file), settings: file });
    expect(worked.template).toMatchObject({
      senderEmail: "keyrotor@example.com",
      memberRoleName: "keyrotor-member",
    });
  });

  it("names the file and the path of a mistake deep inside it", () => {
    expect(workOut({ config: "tests/fixtures/config-binding-error.yml" }).problems).toEqual([
      "tests/fixtures/config-binding-error.yml: deliveries[2].destinations[1]: ssm: path must start with /keyrotor/ (where keyrotor's member role may write)",
    ]);
  });

  it("refuses a setting given both in the file and as a param, whichever value it has", () => {
    for (const value of ["keyrotor@example.com", "other@example.com"]) {
      expect(workOut({ senderEmail: value }).problems).toEqual([
        "senderEmail: set both in docs/keyrotor.example.yml and as a param; keep it in one place (the file is the one to review)",
      ]);
    }
  });

  it("takes settings the file does not give as params (the params of before the file keep working)", () => {
    const worked = workOut({ mode: "enforce", deliveries: "[]" });
    expect(worked.problems).toEqual([]);
    expect(worked.settings).toEqual({ senderEmail: "keyrotor@example.com", mode: "enforce", deliveries: [] });
  });

  it("refuses a file that is missing, outside the service or neither YAML nor JSON", () => {
    expect(workOut({ config: "nowhere.yml" }).problems).toEqual([
      expect.stringMatching(/^config="nowhere.yml": cannot read config file .*nowhere\.yml/),
    ]);
    expect(workOut({ config: "../keyrotor.yml" }).problems).toEqual([
      'config="../keyrotor.yml": must be a path inside the service directory',
    ]);
    expect(workOut({ config: "keyrotor.txt" }).problems).toEqual([
      expect.stringMatching(/^config="keyrotor.txt" is not allowed; allowed: the configuration file/),
      expect.stringMatching(/^config="keyrotor.txt": cannot read config file/),
    ]);
  });

  it("is looked for in the stage's params of the stage osls will use, --stage or provider.stage's fallback", () => {
    expect(plugin.stageOf({ stage: "eu" }, serverless.provider.stage)).toBe("eu");
    expect(plugin.stageOf({}, "${opt:stage, 'prod'}")).toBe("prod");
    expect(plugin.stageOf({}, "staging")).toBe("staging");
    expect(plugin.stageOf({}, undefined)).toBe("dev");
  });

  it("refuses a deployment with neither a file nor the deliveries param, rather than deliver nowhere", () => {
    const { senderEmail, organizationId, deploymentTargets } = REQUIRED;
    expect(problemsWith({ senderEmail, organizationId, deploymentTargets })).toEqual([
      expect.stringMatching(/^no configuration: give --param="config=keyrotor.yml"/),
    ]);
  });
});

describe("sls package with bad params (the plugin, before anything is built)", () => {
  const slsPackage = (...args: string[]) =>
    run("node_modules/.bin/sls", ["package", "--package", "/nonexistent/keyrotor-params-test", ...args], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "", AWS_PROFILE: "" },
      timeout: 120_000,
    });
  const failure = async (promise: Promise<unknown>) => {
    const error = (await promise.then(
      () => {
        throw new Error("sls package succeeded");
      },
      (e: unknown) => e,
    )) as { code: number; stdout: string; stderr: string };
    return { code: error.code, output: `${error.stdout}\n${error.stderr}` };
  };

  it("fails naming a misspelt param, a value outside the allowed ones and a JSON on several lines", async () => {
    const { code, output } = await failure(
      slsPackage(
        "--stage",
        "package-check",
        "--param=mode=Enforce",
        "--param=rotateAfterDay=80",
        '--param=deliveries=[\n  {"account": "*"}\n]',
      ),
    );
    expect(code).not.toBe(0);
    expect(output).toContain("keyrotor: invalid deployment parameters:");
    expect(output).toContain("--param rotateAfterDay: unknown parameter");
    expect(output).toContain('mode="Enforce": Invalid option: expected one of "audit"|"enforce"');
    expect(output).toContain(
      'deliveries="[": deliveries is not valid JSON (a --param is read up to its first line break',
    );
  });

  it("fails naming each required param that is missing", async () => {
    const { code, output } = await failure(slsPackage("--stage", "prod"));
    expect(code).not.toBe(0);
    for (const name of ["senderEmail", "organizationId", "deploymentTargets"]) {
      expect(output).toContain(`${name} is required: --param="${name}=..."`);
    }
    expect(output).not.toContain("Cannot resolve variable");
  });
});
