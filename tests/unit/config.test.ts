import { describe, expect, it } from "vitest";
import { clientOptionsOf } from "../../shared/aws/client-config";
import { configFromEnv, parseConfig } from "../../shared/config";
import { ConfigError } from "../../shared/errors";
import { validateThresholds } from "../../shared/lifecycle";

const minimal = { senderEmail: "keyrotor@example.com" };

describe("parseConfig: the one configuration schema", () => {
  it("fills every documented default", () => {
    expect(parseConfig(minimal)).toEqual({
      mode: "audit",
      rotateAfterDays: 90,
      deactivateAfterDays: 100,
      deleteAfterDays: 110,
      warnBeforeDays: 7,
      memberRoleName: "keyrotor-member",
      secretPrefix: "keyrotor/",
      senderEmail: "keyrotor@example.com",
      adminEmail: null,
      exemptGroupName: "IAMKeyRotationExemptionGroup",
      exemptTag: "keyrotor:exempt",
      ownerTag: "keyrotor:owner",
      readersTag: "keyrotor:readers",
      readerPrincipals: [],
      includeAccounts: [],
      excludeAccounts: [],
      includeOus: [],
      excludeOus: [],
      replicaRegions: [],
      deactivateUnusedAfterDays: null,
      passwordPolicy: null,
      discovery: "report",
      userConcurrency: 4,
      awsMaxAttempts: 5,
      awsTimeoutSeconds: 30,
      awsCallDeadlineSeconds: 60,
      ledgerTable: "keyrotor-prod-ledger",
      readerTagAllowlist: [],
      adoptForeignSecrets: false,
      maxJobAgeHours: 24,
      repeatFailuresAfterDays: 7,
      deliveries: [],
      deliveryKmsKeyId: null,
      holdWhileInUse: false,
      verifyNewKeys: true,
      securityHubFindings: false,
      lifecycleEvents: { enabled: false, bus: "default" },
      policies: [],
      channels: [],
    });
  });

  it.each([
    [{ ...minimal, rotateAfterDay: 90 }, /unknown setting\(s\): rotateAfterDay/],
    [{}, /senderEmail/],
    [{ ...minimal, senderEmail: "not-an-email" }, /senderEmail: must be an email address/],
    [{ ...minimal, mode: "yolo" }, /mode:/],
    [
      { ...minimal, rotateAfterDays: 100, deactivateAfterDays: 90 },
      /0 < rotateAfterDays < deactivateAfterDays/,
    ],
    [{ ...minimal, deleteAfterDays: 100 }, /deactivateAfterDays < deleteAfterDays, got 90 \/ 100 \/ 100/],
    [{ ...minimal, rotateAfterDays: 0 }, /0 < rotateAfterDays/],
    [{ ...minimal, rotateAfterDays: 89.5 }, /rotateAfterDays: must be a whole number of days/],
    [{ ...minimal, warnBeforeDays: 90 }, /warnBeforeDays must be at least 0 and less than rotateAfterDays/],
    [
      { ...minimal, readerPrincipals: ["arn:aws:iam::123:role/x"] },
      /readerPrincipals\[0\]: must be an IAM user or role ARN/,
    ],
    [{ ...minimal, excludeAccounts: ["12345"] }, /excludeAccounts\[0\]: must be a 12-digit AWS account id/],
    [{ ...minimal, includeOus: ["r-abcd"] }, /includeOus\[0\]: must be an OU id/],
    [{ ...minimal, secretPrefix: "keys,rotor/" }, /secretPrefix: may hold only/],
    [{ ...minimal, replicaRegions: ["mars"] }, /replicaRegions\[0\]: must be an AWS region/],
    // The member stack adds -reader and -events to it, within IAM's 64 characters.
    [
      { ...minimal, memberRoleName: "r".repeat(58) },
      /memberRoleName: must be a valid IAM role name of at most 57/,
    ],
  ])("rejects %j with a message naming the problem", (input, message) => {
    expect(() => parseConfig(input)).toThrow(ConfigError);
    expect(() => parseConfig(input)).toThrow(message);
  });

  it("words the schema's own checks in English, naming what is allowed", () => {
    expect(() => parseConfig({ ...minimal, mode: "Enforce", userConcurrency: 33 })).toThrow(
      'invalid keyrotor configuration: mode: Invalid option: expected one of "audit"|"enforce"; userConcurrency: Too big: expected number to be <=32',
    );
  });

  it("accepts the IAM.3-friendly thresholds of the README (80 / 90 / 100)", () => {
    const c = parseConfig({ ...minimal, rotateAfterDays: 80, deactivateAfterDays: 90, deleteAfterDays: 100 });
    expect(c.rotateAfterDays).toBe(80);
  });

  it("validateThresholds on its own names the offending values", () => {
    const t = { rotateAfterDays: 90, deactivateAfterDays: 90, deleteAfterDays: 110, warnBeforeDays: 7 };
    expect(() => validateThresholds(t)).toThrow("got 90 / 90 / 110");
  });

  it.each([0, 901, 1.5])("refuses %s as awsCallDeadlineSeconds, naming it", (seconds) => {
    expect(() => parseConfig({ ...minimal, awsCallDeadlineSeconds: seconds })).toThrow(
      /awsCallDeadlineSeconds: /,
    );
  });

  it("gives every AWS client the call deadline it is configured with", () => {
    const config = configFromEnv({
      KEYROTOR_SENDER_EMAIL: "k@example.com",
      KEYROTOR_AWS_CALL_DEADLINE_SECONDS: "7",
    });
    expect(clientOptionsOf(config)).toEqual({ maxAttempts: 5, timeoutSeconds: 30, deadlineSeconds: 7 });
  });
});

const KMS_KEY = "alias/keyrotor-deliveries";
const github = { type: "github", repository: "acme/app", tokenSecret: "keyrotor-tokens/github" };
/** One binding per destination type, each valid as it stands. */
const bindings = [
  { account: "123456789012", user: "ci-deploy", destinations: [github] },
  {
    account: "123456789012",
    user: "ci-gitlab",
    destinations: [{ type: "gitlab", project: "acme/app", tokenSecret: "keyrotor-tokens/gitlab" }],
  },
  {
    account: "123456789012",
    user: "ci-circle",
    destinations: [{ type: "circleci", project: "gh/acme/app", tokenSecret: "keyrotor-tokens/circleci" }],
  },
  {
    account: "123456789012",
    user: "terraform",
    destinations: [
      {
        type: "terraform-cloud",
        organization: "acme",
        workspace: "prod",
        tokenSecret: "keyrotor-tokens/tfc",
      },
    ],
  },
  { account: "*", user: "app-*", destinations: [{ type: "ssm", path: "/keyrotor/app/{userName}" }] },
  {
    account: "*",
    user: "svc-*",
    destinations: [
      { type: "secrets-manager", name: "keyrotor/central/{accountId}/{userName}", account: "210987654321" },
    ],
  },
];
/** A configuration with one binding holding `destination`, otherwise valid. */
const withDestination = (destination: object, user = "ci-deploy", extra: object = {}) => ({
  ...minimal,
  deliveryKmsKeyId: KMS_KEY,
  deliveries: [{ account: "123456789012", user, destinations: [destination] }],
  ...extra,
});

describe("parseConfig: deliveries", () => {
  it("accepts one binding of each destination type, filling each destination's defaults", () => {
    // Act
    const config = parseConfig({ ...minimal, deliveries: bindings, deliveryKmsKeyId: KMS_KEY });

    // Assess
    expect(config.deliveryKmsKeyId).toBe(KMS_KEY);
    expect(config.deliveries.map((b) => b.destinations[0])).toEqual([
      { ...github, apiUrl: "https://api.github.com" },
      {
        type: "gitlab",
        project: "acme/app",
        tokenSecret: "keyrotor-tokens/gitlab",
        environmentScope: "*",
        masked: true,
        protected: true,
        apiUrl: "https://gitlab.com/api/v4",
      },
      {
        type: "circleci",
        project: "gh/acme/app",
        tokenSecret: "keyrotor-tokens/circleci",
        apiUrl: "https://circleci.com/api/v2",
      },
      {
        type: "terraform-cloud",
        organization: "acme",
        workspace: "prod",
        tokenSecret: "keyrotor-tokens/tfc",
        category: "env",
        apiUrl: "https://app.terraform.io/api/v2",
      },
      { type: "ssm", path: "/keyrotor/app/{userName}" },
      {
        type: "secrets-manager",
        name: "keyrotor/central/{accountId}/{userName}",
        account: "210987654321",
        readers: [],
      },
    ]);
  });

  it.each([
    [
      "a github destination naming both a repository and an organization",
      withDestination({ ...github, organization: "acme" }),
      "deliveries[0].destinations[0]: github: name either repository or organization",
    ],
    [
      "a wildcard user bound to a GitHub repository",
      withDestination(github, "ci-*"),
      "deliveries[0].destinations[0]: github: a CI destination takes one user's key: name one account and one user (no *)",
    ],
    [
      "an ssm path outside /keyrotor/",
      withDestination({ type: "ssm", path: "/ci/{userName}" }),
      "deliveries[0].destinations[0]: ssm: path must start with /keyrotor/",
    ],
    [
      "an ssm path outside a custom secret prefix",
      withDestination({ type: "ssm", path: "/keyrotor/ci" }, "ci-deploy", { secretPrefix: "rotated/" }),
      "deliveries[0].destinations[0]: ssm: path must start with /rotated/",
    ],
    [
      "a secrets-manager name without a / after the prefix",
      withDestination({ type: "secrets-manager", name: "keyrotor/ci-copy", account: "210987654321" }),
      "deliveries[0].destinations[0]: secrets-manager: name needs a / after keyrotor/",
    ],
    [
      "a tokenSecret not under keyrotor-tokens/",
      withDestination({ ...github, tokenSecret: "tokens/github" }),
      "deliveries[0].destinations[0].tokenSecret: must be the name of a secret under keyrotor-tokens/",
    ],
    [
      "an http:// apiUrl that is not loopback",
      withDestination({ ...github, apiUrl: "http://github.example.com/api/v3" }),
      "deliveries[0].destinations[0].apiUrl: must be an https:// URL",
    ],
    [
      "two bindings writing the same GitHub secrets",
      {
        ...minimal,
        deliveryKmsKeyId: KMS_KEY,
        deliveries: [
          { account: "123456789012", user: "ci-a", destinations: [github] },
          { account: "123456789012", user: "ci-b", destinations: [github] },
        ],
      },
      "deliveries[1].destinations[0]: could write GitHub secret AWS_ACCESS_KEY_ID of repository acme/app, which deliveries[0].destinations[0] writes for another user",
    ],
    [
      "one binding naming the same GitHub secrets twice",
      {
        ...minimal,
        deliveryKmsKeyId: KMS_KEY,
        deliveries: [{ account: "123456789012", user: "ci-a", destinations: [github, github] }],
      },
      "deliveries[0].destinations[1]: writes where deliveries[0].destinations[0] already does",
    ],
    [
      "deliveries without deliveryKmsKeyId",
      { ...minimal, deliveries: bindings },
      "deliveryKmsKeyId: required when deliveries are configured (the KMS key that keeps a new key encrypted until every destination has it)",
    ],
  ])("rejects %s, naming where", (_, input, message) => {
    expect(() => parseConfig(input)).toThrow(ConfigError);
    expect(() => parseConfig(input)).toThrow(message);
  });

  it("reports a delivery problem along with the other settings' problems", () => {
    // Prepare
    const input = withDestination({ ...github, organization: "acme" }, "ci-deploy", { deleteAfterDays: 100 });

    // Act
    const act = () => parseConfig(input);

    // Assess
    expect(act).toThrow(
      /rotateAfterDays: thresholds must satisfy .*; deliveries\[0\]\.destinations\[0\]: github:/,
    );
  });

  it.each([
    "1234abcd-12ab-34cd-56ef-1234567890ab",
    "mrk-1234abcd12ab34cd56ef1234567890ab",
    "alias/keyrotor/deliveries",
    "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "arn:aws-us-gov:kms:us-gov-west-1:123456789012:alias/keyrotor",
  ])("takes %s as deliveryKmsKeyId", (key) => {
    expect(parseConfig({ ...minimal, deliveryKmsKeyId: key }).deliveryKmsKeyId).toBe(key);
  });

  it.each([
    "keyrotor",
    "alias/",
    "key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "arn:aws:kms:eu-west-1:123456789012:key/alias/keyrotor",
    "arn:aws:iam::123456789012:role/app",
  ])("refuses %s as deliveryKmsKeyId", (key) => {
    expect(() => parseConfig({ ...minimal, deliveryKmsKeyId: key })).toThrow(
      "deliveryKmsKeyId: must be a KMS key id, key ARN, alias/name or alias ARN",
    );
  });
});
