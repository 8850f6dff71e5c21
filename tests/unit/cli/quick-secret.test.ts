import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";
import { describe, expect, it } from "vitest";
import type { Profiles } from "../../../cli/aws/profiles";
import { type QuickPlan, quickPlan, signedHeaders } from "../../../cli/aws/quick-secret";

// credential-process's quick path: which set-ups it takes (static keys only, the commercial partition,
// no endpoint settings of the SDK's), and SigV4 headers that the SDK's own signer computes alike.

const KEYS = { AWS_ACCESS_KEY_ID: "AKIAENVENVENVENVENV1", AWS_SECRET_ACCESS_KEY: "env-secret" };
const profiles = (entries: Record<string, Record<string, string>>): Profiles =>
  new Map(Object.entries(entries));
const STATIC = { aws_access_key_id: "AKIAPROFILEPROFILE01", aws_secret_access_key: "profile-secret" };

describe("quickPlan: the quick path is for static credentials only", () => {
  it("takes the environment's keys without --profile, with the region and endpoint the SDK would use", () => {
    // Act
    const plan = quickPlan(
      { env: { ...KEYS, AWS_SESSION_TOKEN: "tok", AWS_REGION: "eu-west-1" } },
      profiles({}),
    );

    // Assess
    expect(plan).toEqual({
      endpoint: new URL("https://secretsmanager.eu-west-1.amazonaws.com"),
      region: "eu-west-1",
      credentials: {
        accessKeyId: KEYS.AWS_ACCESS_KEY_ID,
        secretAccessKey: "env-secret",
        sessionToken: "tok",
      },
    });
  });

  it("takes a profile that holds keys and nothing else, with the profile's region; --region wins", () => {
    // Act
    const own = quickPlan({ profile: "ci", env: KEYS }, profiles({ ci: { ...STATIC, region: "us-west-2" } }));
    const given = quickPlan({ profile: "ci", region: "ap-south-1", env: {} }, profiles({ ci: STATIC }));

    // Assess: with --profile the environment's keys are not used, as the SDK does not use them
    expect(own?.credentials.accessKeyId).toBe(STATIC.aws_access_key_id);
    expect(own?.region).toBe("us-west-2");
    expect(given?.region).toBe("ap-south-1");
  });

  it("honours AWS_ENDPOINT_URL_SECRETS_MANAGER, then AWS_ENDPOINT_URL, unless configured endpoints are ignored", () => {
    // Prepare
    const env = { ...KEYS, AWS_REGION: "us-east-1", AWS_ENDPOINT_URL: "http://127.0.0.1:1" };
    // Act
    const specific = quickPlan(
      { env: { ...env, AWS_ENDPOINT_URL_SECRETS_MANAGER: "http://127.0.0.1:2" } },
      profiles({}),
    );
    const general = quickPlan({ env }, profiles({}));
    const ignored = quickPlan({ env: { ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" } }, profiles({}));

    // Assess
    expect(specific?.endpoint.href).toBe("http://127.0.0.1:2/");
    expect(general?.endpoint.href).toBe("http://127.0.0.1:1/");
    expect(ignored?.endpoint.href).toBe("https://secretsmanager.us-east-1.amazonaws.com/");
  });

  it.each([
    ["a role", { ci: { ...STATIC, role_arn: "arn:aws:iam::111122223333:role/r", source_profile: "base" } }],
    ["SSO", { ci: { sso_session: "corp", sso_account_id: "111122223333", region: "us-east-1" } }],
    ["a credential_process", { ci: { credential_process: "vault-creds", region: "us-east-1" } }],
    ["its own endpoint", { ci: { ...STATIC, region: "us-east-1", endpoint_url: "https://vpce.example" } }],
    ["no keys at all", { ci: { region: "us-east-1" } }],
  ])("leaves a profile with %s to the SDK", (_, entries) => {
    expect(quickPlan({ profile: "ci", env: { AWS_REGION: "us-east-1" } }, profiles(entries))).toBeNull();
  });

  it.each([
    ["no region", {}],
    ["a region of China's partition", { AWS_REGION: "cn-north-1" }],
    ["FIPS endpoints", { AWS_REGION: "us-east-1", AWS_USE_FIPS_ENDPOINT: "true" }],
    ["dual-stack endpoints", { AWS_REGION: "us-east-1", AWS_USE_DUALSTACK_ENDPOINT: "true" }],
    ["a malformed endpoint", { AWS_REGION: "us-east-1", AWS_ENDPOINT_URL: "not a url" }],
  ])("leaves %s to the SDK", (_, env) => {
    expect(quickPlan({ env: { ...KEYS, ...env } }, profiles({}))).toBeNull();
  });

  it("reads the default profile's endpoint settings even when the environment's keys sign", () => {
    expect(
      quickPlan({ env: { ...KEYS, AWS_REGION: "us-east-1" } }, profiles({ default: { services: "local" } })),
    ).toBeNull();
  });
});

describe("signedHeaders: SigV4 as the SDK's signer computes it", () => {
  const sdkSignature = async (plan: QuickPlan, body: string, now: Date) => {
    const signer = new SignatureV4({
      service: "secretsmanager",
      region: plan.region,
      credentials: plan.credentials,
      sha256: Sha256,
      applyChecksum: false,
    });
    const mine = signedHeaders(plan, "secretsmanager.GetSecretValue", body, now);
    const { authorization, ...unsigned } = mine;
    const request = {
      method: "POST",
      protocol: plan.endpoint.protocol,
      hostname: plan.endpoint.hostname,
      ...(plan.endpoint.port ? { port: Number(plan.endpoint.port) } : {}),
      path: "/",
      headers: Object.fromEntries(
        Object.entries(unsigned).filter(([k]) => k !== "x-amz-date" && k !== "x-amz-security-token"),
      ),
      query: {},
      body,
    };
    const signed = await signer.sign(request, { signingDate: now });
    return { mine: authorization, sdk: signed.headers.authorization };
  };

  it.each([
    ["long-term keys, the AWS endpoint", undefined, "https://secretsmanager.eu-west-1.amazonaws.com"],
    ["a session token, a local endpoint with a port", "FwoGZXIvYXdzEXAMPLE", "http://127.0.0.1:4566"],
  ])("%s", async (_, sessionToken, endpoint) => {
    // Prepare
    const plan: QuickPlan = {
      endpoint: new URL(endpoint),
      region: "eu-west-1",
      credentials: {
        accessKeyId: "AKIDEXAMPLE",
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        ...(sessionToken ? { sessionToken } : {}),
      },
    };
    // Act
    const { mine, sdk } = await sdkSignature(
      plan,
      '{"SecretId":"keyrotor/app"}',
      new Date("2026-12-07T15:30:00Z"),
    );

    // Assess
    expect(mine).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261207\/eu-west-1\/secretsmanager\/aws4_request, /,
    );
    expect(mine).toBe(sdk);
  });
});
