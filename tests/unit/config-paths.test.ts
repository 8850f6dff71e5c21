import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadCliConfig } from "../../cli/config";
import params from "../../infra/params.cjs";
import * as config from "../../shared/config";
import { configFromEnv, parseConfig } from "../../shared/config";

// Every configuration error names where it is, at any depth: the CLI's config file, the functions'
// KEYROTOR_* variables and the package-time check of the params all say
// `deliveries[0].destinations[0]: unknown field "pth"`, never a setting at the top.

type Path = readonly (string | number)[];
type Json = unknown;

const TOKEN = "keyrotor-tokens/ci";
/** A valid configuration with every object the schema has: a value at each of its fields. */
const FULL = {
  mode: "enforce",
  rotateAfterDays: 80,
  deactivateAfterDays: 90,
  deleteAfterDays: 100,
  warnBeforeDays: 7,
  memberRoleName: "keyrotor-member",
  secretPrefix: "keyrotor/",
  senderEmail: "keyrotor@example.com",
  adminEmail: "security@example.com",
  exemptGroupName: "IAMKeyRotationExemptionGroup",
  exemptTag: "keyrotor:exempt",
  ownerTag: "keyrotor:owner",
  readersTag: "keyrotor:readers",
  readerPrincipals: ["arn:aws:iam::123456789012:role/reader"],
  includeAccounts: ["123456789012"],
  excludeAccounts: ["210987654321"],
  includeOus: ["ou-ab12-cd34ef56"],
  excludeOus: ["ou-ab12-cd34ef57"],
  replicaRegions: ["eu-west-1"],
  deactivateUnusedAfterDays: 45,
  passwordPolicy: {
    minimumPasswordLength: 14,
    requireSymbols: true,
    requireNumbers: true,
    requireUppercaseCharacters: true,
    requireLowercaseCharacters: true,
    passwordReusePrevention: 24,
    maxPasswordAge: 90,
  },
  discovery: "full",
  userConcurrency: 4,
  awsMaxAttempts: 5,
  awsTimeoutSeconds: 30,
  ledgerTable: "keyrotor-test-ledger",
  readerTagAllowlist: ["arn:aws:iam::*:role/ci-*"],
  adoptForeignSecrets: false,
  maxJobAgeHours: 24,
  repeatFailuresAfterDays: 7,
  deliveries: [
    {
      account: "123456789012",
      user: "ci-deploy",
      destinations: [
        {
          type: "github",
          repository: "acme/app",
          environment: "prod",
          apiUrl: "https://api.github.com",
          tokenSecret: TOKEN,
          names: { accessKeyId: "DEPLOY_KEY_ID", secretAccessKey: "DEPLOY_SECRET" },
        },
        {
          type: "github",
          organization: "acme",
          visibility: "selected",
          selectedRepositoryIds: [42],
          tokenSecret: TOKEN,
        },
        {
          type: "gitlab",
          project: "acme/app",
          environmentScope: "production",
          masked: true,
          protected: false,
          apiUrl: "https://gitlab.example.com/api/v4",
          tokenSecret: TOKEN,
        },
        {
          type: "circleci",
          project: "gh/acme/app",
          apiUrl: "https://circleci.com/api/v2",
          tokenSecret: TOKEN,
        },
        {
          type: "terraform-cloud",
          organization: "acme",
          workspace: "prod",
          category: "terraform",
          tokenSecret: TOKEN,
        },
      ],
    },
    {
      account: "*",
      user: "app-*",
      destinations: [
        {
          type: "ssm",
          path: "/keyrotor/app/{accountId}/{userName}",
          account: "210987654321",
          region: "eu-west-1",
          names: { accessKeyId: "KEY_ID", secretAccessKey: "SECRET" },
        },
        {
          type: "secrets-manager",
          name: "keyrotor/central/{accountId}/{userName}",
          account: "210987654321",
          region: "eu-west-1",
          readers: ["arn:aws:iam::210987654321:role/deployer"],
        },
      ],
    },
  ],
  deliveryKmsKeyId: "alias/keyrotor-deliveries",
  holdWhileInUse: true,
  verifyNewKeys: true,
  securityHubFindings: true,
};

const isObject = (v: Json): v is Record<string, Json> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Every place in `value`: its path and what is there. */
function places(value: Json, path: Path = []): [Path, Json][] {
  const children: [string | number, Json][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : isObject(value)
      ? Object.entries(value)
      : [];
  return [[path, value], ...children.flatMap(([k, v]) => places(v, [...path, k]))];
}

/** `value` with what is at `path` replaced by `put(it)`. */
function replaced(value: Json, path: Path, put: (at: Json) => Json): Json {
  const [head, ...rest] = path;
  if (head === undefined) return put(value);
  if (Array.isArray(value)) return value.map((v, i) => (i === head ? replaced(v, rest, put) : v));
  const object = value as Record<string, Json>;
  return { ...object, [head]: replaced(object[head], rest, put) };
}

/** How a person reads a path: `deliveries[0].destinations[1].apiUrl`. */
const written = (path: Path) =>
  path.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? k : `.${k}`)).join("");

/** The messages every surface gives for `input`: the CLI's file, the variables, the package check. */
function problemsEverywhere(input: Record<string, Json>, path: Path): { surface: string; said: string }[] {
  const said: { surface: string; said: string }[] = [];
  const thrown = (act: () => unknown) => {
    try {
      act();
    } catch (error) {
      return (error as Error).message;
    }
    return "(accepted)";
  };
  said.push({ surface: "parseConfig", said: thrown(() => parseConfig(input)) });
  const file = join(mkdtempSync(join(tmpdir(), "keyrotor-paths-")), "keyrotor.json");
  writeFileSync(file, JSON.stringify(input));
  said.push({ surface: "--config", said: thrown(() => loadCliConfig({ configPath: file, env: {} })) });
  // The variables and the params carry the nested settings as JSON; the top level is their own names.
  const setting = path[0];
  if (path.length > 1 && (setting === "deliveries" || setting === "passwordPolicy")) {
    const json = JSON.stringify(input[setting]);
    said.push({
      surface: "KEYROTOR_*",
      said: thrown(() =>
        configFromEnv({
          KEYROTOR_SENDER_EMAIL: "k@example.com",
          KEYROTOR_DELIVERY_KMS_KEY_ID: "alias/keyrotor-deliveries",
          [config.envNameOf(setting)]: json,
        }),
      ),
    });
    const problems = params.paramProblems({
      cli: {
        senderEmail: "a@example.com",
        organizationId: "o-abc123def4",
        deploymentTargets: "r-ab12",
        [setting]: json,
      },
      config,
    });
    said.push({ surface: "package", said: problems.join("\n") || "(accepted)" });
  }
  return said;
}

const everyPlace = places(FULL).filter(([path]) => path.length > 0);
const objectPaths = places(FULL)
  .filter(([, v]) => isObject(v))
  .map(([p]) => p);
const unknownKey = fc.stringMatching(/^[a-z]{1,8}$/).map((s) => `${s}Typo`);

describe("configuration errors name their path", () => {
  it("the full configuration of the tests is valid", () => {
    expect(() => parseConfig(FULL)).not.toThrow();
    expect(objectPaths.map(written)).toEqual(
      expect.arrayContaining(["", "passwordPolicy", "deliveries[0].destinations[0].names", "deliveries[1]"]),
    );
  });

  it('an unknown field at any object level: `<path>: unknown field "<name>"`', () => {
    fc.assert(
      fc.property(fc.constantFrom(...objectPaths), unknownKey, (path, key) => {
        // Prepare
        const input = replaced(FULL, path, (at) => ({ ...(at as object), [key]: 1 })) as Record<string, Json>;
        // Act
        const said = problemsEverywhere(input, path);
        // Assess
        const expected =
          path.length === 0 ? `unknown setting(s): ${key}` : `${written(path)}: unknown field "${key}"`;
        for (const s of said) expect(s.said, s.surface).toContain(expected);
      }),
      { numRuns: 60 },
    );
  });

  it("a value of the wrong type anywhere: the message starts with its path", () => {
    fc.assert(
      fc.property(fc.constantFrom(...everyPlace), ([path, value]) => {
        // Prepare: a string for a number or a boolean, a number for anything else
        const wrong = typeof value === "number" || typeof value === "boolean" ? "wrong" : 7;
        const input = replaced(FULL, path, () => wrong) as Record<string, Json>;
        // Act
        const said = problemsEverywhere(input, path);
        // Assess
        for (const s of said)
          expect(s.said, s.surface).toMatch(
            new RegExp(`(^|; |\\n|: )${escaped(written(path))}(="[^"]*")?: `),
          );
      }),
      { numRuns: 80 },
    );
  });

  it("a bad value of the right type anywhere (an empty text, a fraction): the message starts with its path", () => {
    const bad = everyPlace.filter(([, v]) => typeof v === "string" || typeof v === "number");
    fc.assert(
      fc.property(fc.constantFrom(...bad), ([path, value]) => {
        // Prepare
        const input = replaced(FULL, path, () => (typeof value === "string" ? "" : 0.5)) as Record<
          string,
          Json
        >;
        // Act
        const said = problemsEverywhere(input, path);
        // Assess
        for (const s of said)
          expect(s.said, s.surface).toMatch(
            new RegExp(`(^|; |\\n|: )${escaped(written(path))}(="[^"]*")?: `),
          );
      }),
      { numRuns: 80 },
    );
  });

  it.each([
    [
      ["deliveries", 0, "destinations", 3, "type"],
      "circle",
      "deliveries[0].destinations[3].type: Invalid discriminator value",
    ],
    [["passwordPolicy"], "nist", 'passwordPolicy: Invalid input: expected "cis" or an object'],
    [["deliveries", 1, "account"], "all", "deliveries[1].account: must be a 12-digit AWS account id, or *"],
  ])("words the unions' errors for %j = %j", (path, value, message) => {
    // Act
    const said = problemsEverywhere(replaced(FULL, path, () => value) as Record<string, Json>, path);
    // Assess
    for (const s of said)
      expect(s.said.replace(/^passwordPolicy="nist"/m, "passwordPolicy"), s.surface).toContain(message);
  });
});

function escaped(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
