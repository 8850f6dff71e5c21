import { describe, expect, it } from "vitest";
import { configFromEnv, envNameOf, requireEnv, SETTING_NAMES } from "../../shared/config";
import { ConfigError } from "../../shared/errors";

const base = { KEYROTOR_SENDER_EMAIL: "k@example.com" };

describe("configFromEnv (how the Lambdas read serverless.yml's params)", () => {
  it("maps every setting to a KEYROTOR_ variable", () => {
    expect(envNameOf("rotateAfterDays")).toBe("KEYROTOR_ROTATE_AFTER_DAYS");
    expect(SETTING_NAMES.map(envNameOf)).toContain("KEYROTOR_READER_PRINCIPALS");
  });

  it("reads numbers, comma-separated lists, and empty values as unset", () => {
    const config = configFromEnv({
      ...base,
      KEYROTOR_MODE: "enforce",
      KEYROTOR_ROTATE_AFTER_DAYS: "80",
      KEYROTOR_DEACTIVATE_AFTER_DAYS: "90",
      KEYROTOR_DELETE_AFTER_DAYS: "100",
      KEYROTOR_EXCLUDE_ACCOUNTS: "111111111111, 222222222222,",
      KEYROTOR_ADMIN_EMAIL: "",
      KEYROTOR_INCLUDE_OUS: "",
      PATH: "/usr/bin",
    });
    expect(config).toMatchObject({
      mode: "enforce",
      rotateAfterDays: 80,
      excludeAccounts: ["111111111111", "222222222222"],
      adminEmail: null,
      includeOus: [],
    });
  });

  it.each([
    [
      { ...base, KEYROTOR_ROTATE_AFTR_DAYS: "80" },
      "unknown environment variable(s): KEYROTOR_ROTATE_AFTR_DAYS",
    ],
    [
      { ...base, KEYROTOR_WARN_BEFORE_DAYS: "soon" },
      'KEYROTOR_WARN_BEFORE_DAYS must be a number, got "soon"',
    ],
    [
      { ...base, KEYROTOR_DELETE_AFTER_DAYS: "95" },
      "deactivateAfterDays < deleteAfterDays, got 90 / 100 / 95",
    ],
    [{}, "senderEmail"],
  ])("rejects %j naming the problem", (env, message) => {
    expect(() => configFromEnv(env)).toThrow(ConfigError);
    expect(() => configFromEnv(env)).toThrow(message);
  });

  it("reads the deliveries as JSON and the key-delivery switches as booleans", () => {
    // Prepare
    const deliveries = [
      {
        account: "123456789012",
        user: "ci-deploy",
        destinations: [{ type: "github", repository: "acme/app", tokenSecret: "keyrotor-tokens/github" }],
      },
      { account: "*", user: "app-*", destinations: [{ type: "ssm", path: "/keyrotor/app/{userName}" }] },
    ];

    // Act
    const config = configFromEnv({
      ...base,
      KEYROTOR_DELIVERIES: JSON.stringify(deliveries),
      KEYROTOR_DELIVERY_KMS_KEY_ID: "alias/keyrotor-deliveries",
      KEYROTOR_HOLD_WHILE_IN_USE: "true",
      KEYROTOR_VERIFY_NEW_KEYS: "false",
    });

    // Assess
    expect(config.deliveries).toEqual([
      {
        ...deliveries[0],
        destinations: [{ ...deliveries[0]?.destinations[0], apiUrl: "https://api.github.com" }],
      },
      deliveries[1],
    ]);
    expect(config).toMatchObject({
      deliveryKmsKeyId: "alias/keyrotor-deliveries",
      holdWhileInUse: true,
      verifyNewKeys: false,
    });
  });

  it.each([
    [
      { ...base, KEYROTOR_DELIVERIES: '[{"account": "123456789012",' },
      "KEYROTOR_DELIVERIES is not valid JSON",
    ],
    [
      {
        ...base,
        KEYROTOR_DELIVERIES: '[{"account":"*","user":"a","destinations":[{"type":"ssm","path":"/x"}]}]',
      },
      "deliveries[0].destinations[0]: ssm: path must start with /keyrotor/",
    ],
    [
      {
        ...base,
        KEYROTOR_DELIVERIES:
          '[{"account":"*","user":"a","destinations":[{"type":"ssm","path":"/keyrotor/a"}]}]',
      },
      "deliveryKmsKeyId: required when deliveries are configured",
    ],
    [{ ...base, KEYROTOR_VERIFY_NEW_KEYS: "no" }, 'KEYROTOR_VERIFY_NEW_KEYS must be true or false, got "no"'],
  ])("rejects the delivery settings of %j naming the problem", (env, message) => {
    expect(() => configFromEnv(env)).toThrow(ConfigError);
    expect(() => configFromEnv(env)).toThrow(message);
  });

  it("requireEnv names a missing runtime variable", () => {
    expect(() => requireEnv({}, "JOBS_QUEUE_URL")).toThrow("environment variable JOBS_QUEUE_URL is not set");
    expect(requireEnv({ X: "y" }, "X")).toBe("y");
  });
});
