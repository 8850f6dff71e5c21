import { describe, expect, it } from "vitest";
import type { SsmDestination } from "../../../shared/destinations/schema";
import { createSsmWriter, type KeyLookupPort, type SecureStringPort } from "../../../shared/destinations/ssm";
import type { KeyIdentity, ParameterMeta } from "../../../shared/destinations/ssm-trust";
import { DeliveryError } from "../../../shared/destinations/types";
import { AwsCallError } from "../../../shared/errors";
import type { Redacted } from "../../../shared/redacted";
import {
  expectNothingShown,
  failureOf,
  KEY,
  nextKey,
  parseDestination,
  SECRET,
} from "../../support/destinations";

const CENTRAL = "222222222222";

const awsError = (code: string, message = "no") => new AwsCallError("X", "Op", code, message);

/** The account's aws/ssm key, as KMS names it. */
const AWS_SSM_KEY = {
  keyId: "1234abcd-12ab-34cd-56ef-1234567890ab",
  arn: `arn:aws:kms:eu-west-1:${CENTRAL}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
};
const THEIR_KEY = `arn:aws:kms:eu-west-1:${CENTRAL}:key/99999999-aaaa-bbbb-cccc-dddddddddddd`;

/** What keyrotor's own parameters look like to DescribeParameters. */
const KEYROTORS: Omit<ParameterMeta, "name"> = {
  type: "SecureString",
  keyId: "alias/aws/ssm",
  tier: "Standard",
  policyCount: 0,
  hasAllowedPattern: false,
  dataType: "text",
};

/**
 * Parameter Store in memory: what a real one keeps (value, version, description and the metadata
 * DescribeParameters shows), what keyrotor's writes set (the aws/ssm key, the standard tier, which an
 * advanced parameter refuses), and injected failures.
 */
class FakeParameterStore implements SecureStringPort {
  readonly params = new Map<
    string,
    { value: string; version: number; description?: string; meta: ParameterMeta }
  >();
  readonly failures: unknown[] = [];
  readonly describeFailures: unknown[] = [];
  readonly calls: string[] = [];
  /** Apply the next write, then lose its answer. */
  loseNextAnswer = false;

  /** A parameter someone else put at `name`, with its value. */
  seed(name: string, meta: Partial<ParameterMeta> = {}, value = "theirs") {
    this.params.set(name, { value, version: 1, meta: { name, ...KEYROTORS, ...meta } });
  }

  async describeParameters(names: readonly string[]): Promise<ParameterMeta[]> {
    this.calls.push("DescribeParameters");
    const failure = this.describeFailures.shift();
    if (failure) throw failure;
    return names.flatMap((name) => this.params.get(name)?.meta ?? []);
  }

  async putSecureString(name: string, value: Redacted<string>, description?: string): Promise<number> {
    this.calls.push("PutParameter");
    const failure = this.failures.shift();
    if (failure) throw failure;
    const old = this.params.get(name);
    if (old?.meta.tier === "Advanced") throw awsError("ValidationException", "cannot downgrade to Standard");
    const version = (old?.version ?? 0) + 1;
    const meta: ParameterMeta = {
      ...(old?.meta ?? { name, ...KEYROTORS }),
      type: "SecureString",
      keyId: "alias/aws/ssm",
      tier: "Standard",
      dataType: "text",
    };
    this.params.set(name, { value: value.reveal(), version, meta, ...(description ? { description } : {}) });
    if (this.loseNextAnswer) {
      this.loseNextAnswer = false;
      throw awsError("CallTimeout", "no answer");
    }
    return version;
  }

  values(): Record<string, string> {
    return Object.fromEntries([...this.params].map(([name, p]) => [name, p.value]));
  }
}

/** KMS in memory: which key an alias names in the parameters' account; every lookup recorded. */
class FakeKeys implements KeyLookupPort {
  readonly lookups: string[] = [];
  readonly failures: unknown[] = [];
  awsSsm: KeyIdentity | null = AWS_SSM_KEY;
  async describeKey(keyId: string): Promise<KeyIdentity | null> {
    this.lookups.push(keyId);
    const failure = this.failures.shift();
    if (failure) throw failure;
    return keyId === "alias/aws/ssm" ? this.awsSsm : null;
  }
}

const ssmDestination = (fields: Record<string, unknown>): SsmDestination => parseDestination("ssm", fields);
const ssmWriter = (fields: Record<string, unknown>, store: FakeParameterStore, keys = new FakeKeys()) =>
  createSsmWriter(ssmDestination(fields), store, keys);

describe("the SSM writer", () => {
  it("writes the key id and the secret as parameters under the path, each naming whose key it is", async () => {
    // Prepare
    const store = new FakeParameterStore();
    const writer = ssmWriter({ path: "/keyrotor/ci/ci-deployer/" }, store);

    // Act
    await writer.deliver(KEY);

    // Assess
    expect(Object.fromEntries([...store.params].map(([name, p]) => [name, p.value]))).toEqual({
      "/keyrotor/ci/ci-deployer/AWS_ACCESS_KEY_ID": KEY.accessKeyId,
      "/keyrotor/ci/ci-deployer/AWS_SECRET_ACCESS_KEY": SECRET,
    });
    expect(store.params.get("/keyrotor/ci/ci-deployer/AWS_SECRET_ACCESS_KEY")?.description).toBe(
      "Secret access key of IAM user ci-deployer in account 111122223333, kept by keyrotor",
    );
  });

  it("uses the destination's own names", async () => {
    // Prepare
    const store = new FakeParameterStore();
    const names = { accessKeyId: "DEPLOY_KEY_ID", secretAccessKey: "DEPLOY_SECRET" };
    const writer = ssmWriter({ path: "/keyrotor/app", names }, store);

    // Act
    await writer.deliver(KEY);

    // Assess
    expect([...store.params.keys()].sort()).toEqual([
      "/keyrotor/app/DEPLOY_KEY_ID",
      "/keyrotor/app/DEPLOY_SECRET",
    ]);
  });

  it("writing the same key again leaves the same values", async () => {
    // Prepare
    const store = new FakeParameterStore();
    const writer = ssmWriter({ path: "/keyrotor/app" }, store);
    await writer.deliver(KEY);

    // Act
    await writer.deliver(KEY);

    // Assess
    expect(store.params.get("/keyrotor/app/AWS_SECRET_ACCESS_KEY")).toMatchObject({
      value: SECRET,
      version: 2,
    });
    expect(store.params.get("/keyrotor/app/AWS_ACCESS_KEY_ID")).toMatchObject({ value: KEY.accessKeyId });
  });

  it("writes the secret before the key id: a failed secret write publishes no new key id", async () => {
    // Prepare
    const store = new FakeParameterStore();
    store.failures.push(awsError("InternalServerError"));
    const writer = ssmWriter({ path: "/keyrotor/app" }, store);

    // Act
    const error = await writer.deliver(KEY).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(DeliveryError);
    expect(store.params.size).toBe(0);
  });

  it.each([
    ["AccessDeniedException", "forbidden", "ssm:PutParameter"],
    ["ThrottlingException", "rate-limited", "next run"],
    ["TooManyUpdates", "rate-limited", "next run"],
    ["InternalServerError", "unavailable", "outage"],
    ["ValidationException", "rejected", "letters, digits and _.-/"],
    ["ExpiredTokenException", "unauthorized", "member role"],
  ] as const)("%s becomes a %s DeliveryError with a fix", async (code, failure, fix) => {
    // Prepare
    const store = new FakeParameterStore();
    store.failures.push(awsError(code, "AWS said no"));
    const writer = ssmWriter({ path: "/keyrotor/app", account: CENTRAL }, store);

    // Act
    const error = await writer.deliver(KEY).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error).toMatchObject({ failure, fix: expect.stringContaining(fix) });
    expect((error as Error).message).toContain(
      `SSM parameter /keyrotor/app/AWS_SECRET_ACCESS_KEY in account ${CENTRAL} could not be written`,
    );
    expect((error as Error).message).toContain("AWS said no");
  });

  it("a network failure (no AWS code) is unavailable", async () => {
    // Prepare
    const store = new FakeParameterStore();
    store.failures.push(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));
    const writer = ssmWriter({ path: "/keyrotor/app" }, store);

    // Act
    const error = await writer.deliver(KEY).catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ failure: "unavailable" });
  });

  it("masks the secret should AWS echo it, and then drops the SDK error that holds it", async () => {
    // Prepare
    const store = new FakeParameterStore();
    store.failures.push(
      awsError("ValidationException", `Value '${SECRET}' at 'value' failed to satisfy constraint`),
    );
    const writer = ssmWriter({ path: "/keyrotor/app" }, store);

    // Act
    const error = (await writer.deliver(KEY).catch((e: unknown) => e)) as DeliveryError;

    // Assess
    expect(error.message).toContain("Value '[REDACTED]' at 'value'");
    expectNothingShown(error);
    expect(error.cause).toBeUndefined();
  });
});

describe("the SSM writer, where a parameter is already there", () => {
  const SECRET_PARAM = "/keyrotor/app/AWS_SECRET_ACCESS_KEY";
  const ID_PARAM = "/keyrotor/app/AWS_ACCESS_KEY_ID";
  const central = { path: "/keyrotor/app", account: CENTRAL, region: "eu-west-1" };

  it("looks at both names' metadata once, before any write, and asks KMS nothing when none exists", async () => {
    // Prepare
    const store = new FakeParameterStore();
    const keys = new FakeKeys();

    // Act
    await ssmWriter(central, store, keys).deliver(KEY);

    // Assess
    expect(store.calls).toEqual(["DescribeParameters", "PutParameter", "PutParameter"]);
    expect(keys.lookups).toEqual([]);
  });

  it("rewrites keyrotor's own parameters (aws/ssm, standard, text, no policy, no pattern) with the next key", async () => {
    // Prepare
    const store = new FakeParameterStore();
    const keys = new FakeKeys();
    await ssmWriter(central, store, keys).deliver(KEY);
    const next = nextKey("AKIANEXTKEY000000000", "next-secret");

    // Act
    await ssmWriter(central, store, keys).deliver(next);

    // Assess
    expect(store.values()).toEqual({ [SECRET_PARAM]: "next-secret", [ID_PARAM]: "AKIANEXTKEY000000000" });
    expect(keys.lookups).toEqual([]);
  });

  it.each([
    ["its key id", AWS_SSM_KEY.keyId],
    ["its key ARN", AWS_SSM_KEY.arn],
    ["the alias's ARN", `arn:aws:kms:eu-west-1:${CENTRAL}:alias/aws/ssm`],
  ])("accepts a parameter naming the account's aws/ssm key by %s, asking KMS once", async (_, keyId) => {
    // Prepare
    const store = new FakeParameterStore();
    store.seed(SECRET_PARAM, { keyId });
    store.seed(ID_PARAM, { keyId });
    const keys = new FakeKeys();

    // Act
    await ssmWriter(central, store, keys).deliver(KEY);

    // Assess
    expect(keys.lookups).toEqual(["alias/aws/ssm"]);
    expect(store.values()).toEqual({ [SECRET_PARAM]: SECRET, [ID_PARAM]: KEY.accessKeyId });
  });

  it.each([
    ["encrypted with a customer KMS key", { keyId: THEIR_KEY }, `is encrypted with KMS key ${THEIR_KEY}`],
    ["encrypted under another alias", { keyId: "alias/theirs" }, "is encrypted with KMS key alias/theirs"],
    [
      "under another account's aws/ssm key",
      { keyId: `arn:aws:kms:eu-west-1:999988887777:alias/aws/ssm` },
      "not the account's aws/ssm key",
    ],
    ["in the advanced tier", { tier: "Advanced" }, "is in the Advanced tier"],
    ["of no reported tier", { tier: null }, "is in no reported tier"],
    ["with a parameter policy", { tier: "Advanced", policyCount: 1 }, "has 1 parameter policy"],
    ["with an allowed pattern", { hasAllowedPattern: true }, "has an allowed pattern"],
    ["of another data type", { dataType: "aws:ec2:image" }, "has data type aws:ec2:image, not text"],
    ["a String", { type: "String", keyId: null }, "is a String, not a SecureString"],
    ["a StringList", { type: "StringList", keyId: null }, "is a StringList, not a SecureString"],
  ] as const)("refuses a parameter %s as rejected, writing neither name", async (_, meta, why) => {
    // Prepare: someone made the secret's parameter; the key id's is free.
    const store = new FakeParameterStore();
    store.seed(SECRET_PARAM, meta);

    // Act
    const error = await failureOf(ssmWriter(central, store).deliver(KEY));

    // Assess
    expect(error.failure).toBe("rejected");
    expect(error.message.startsWith(`SSM parameter ${SECRET_PARAM} in account ${CENTRAL} (eu-west-1) `)).toBe(
      true,
    );
    expect(error.message).toContain(why);
    expect(error.message).toContain("keyrotor does not write into it");
    expect(error.fix).toContain(`delete ${SECRET_PARAM} in account ${CENTRAL} (eu-west-1)`);
    expect(error.fix).toContain("name another path");
    expect(store.values()).toEqual({ [SECRET_PARAM]: "theirs" });
    expect(store.calls).toEqual(["DescribeParameters"]);
    expectNothingShown(error);
  });

  it("names every reason and every refused parameter", async () => {
    // Prepare
    const store = new FakeParameterStore();
    store.seed(SECRET_PARAM, { keyId: THEIR_KEY, tier: "Advanced", policyCount: 2 });
    store.seed(ID_PARAM, { type: "String", keyId: null });

    // Act
    const error = await failureOf(ssmWriter(central, store).deliver(KEY));

    // Assess
    expect(error.message).toContain(
      `${SECRET_PARAM} in account ${CENTRAL} (eu-west-1) is encrypted with KMS key ${THEIR_KEY}, not the ` +
        "account's aws/ssm key, is in the Advanced tier (sharing and parameter policies need it), has 2 parameter policies",
    );
    expect(error.message).toContain(`${ID_PARAM} in account ${CENTRAL} (eu-west-1) is a String`);
    expect(error.fix).toContain(`delete ${SECRET_PARAM} and ${ID_PARAM}`);
  });

  it("refuses a key id when the account has no aws/ssm key, and when KMS names another key", async () => {
    // Prepare
    const none = new FakeKeys();
    none.awsSsm = null;
    const other = new FakeKeys();
    const otherId = "00000000-0000-0000-0000-000000000000";
    other.awsSsm = { keyId: otherId, arn: `arn:aws:kms:eu-west-1:${CENTRAL}:key/${otherId}` };
    const results: string[] = [];

    // Act
    for (const keys of [none, other]) {
      const store = new FakeParameterStore();
      store.seed(SECRET_PARAM, { keyId: AWS_SSM_KEY.arn });
      const error = await failureOf(ssmWriter(central, store, keys).deliver(KEY));
      results.push(`${error.failure}: ${error.message}`);
      expect(store.values()).toEqual({ [SECRET_PARAM]: "theirs" });
    }

    // Assess
    for (const result of results) expect(result).toMatch(/^rejected: .*not the account's aws\/ssm key/);
  });

  it("shows no text an insider chose but the key's name: never the allowed pattern, an odd data type or tier", async () => {
    // Prepare
    const store = new FakeParameterStore();
    store.seed(SECRET_PARAM, {
      hasAllowedPattern: true,
      dataType: "Click https://evil.example/fix now",
      tier: "Advanced <b>urgent</b>",
    });

    // Act
    const error = await failureOf(ssmWriter(central, store).deliver(KEY));

    // Assess
    expect(`${error.message} ${error.fix}`).not.toMatch(/evil|urgent|<b>/);
    expect(error.message).toContain("has another data type, not text");
    expect(error.message).toContain("is in another tier than Standard");
  });

  it.each([
    ["AccessDeniedException", "forbidden", "ssm:DescribeParameters"],
    ["ThrottlingException", "rate-limited", "next run"],
    ["InternalServerError", "unavailable", "outage"],
  ] as const)(
    "a DescribeParameters failing with %s is a %s delivery and writes nothing",
    async (code, failure, fix) => {
      // Prepare
      const store = new FakeParameterStore();
      store.describeFailures.push(awsError(code, "AWS said no"));

      // Act
      const error = await failureOf(ssmWriter(central, store).deliver(KEY));

      // Assess
      expect(error).toMatchObject({ failure, fix: expect.stringContaining(fix) });
      expect(error.message).toContain("AWS said no");
      expect(store.calls).toEqual(["DescribeParameters"]);
    },
  );

  it("a KMS lookup refused is a forbidden delivery naming kms:DescribeKey, and writes nothing", async () => {
    // Prepare
    const store = new FakeParameterStore();
    store.seed(SECRET_PARAM, { keyId: AWS_SSM_KEY.keyId });
    const keys = new FakeKeys();
    keys.failures.push(awsError("AccessDeniedException", "not authorized to perform kms:DescribeKey"));

    // Act
    const error = await failureOf(ssmWriter(central, store, keys).deliver(KEY));

    // Assess
    expect(error).toMatchObject({ failure: "forbidden", fix: expect.stringContaining("kms:DescribeKey") });
    expect(store.values()).toEqual({ [SECRET_PARAM]: "theirs" });
  });

  it("a delivery that wrote only the secret is retried to both names: keyrotor's half-written parameter is its own", async () => {
    // Prepare: the secret landed, the key id's write failed.
    const store = new FakeParameterStore();
    store.failures.push(undefined, awsError("InternalServerError"));
    const first = await failureOf(ssmWriter(central, store).deliver(KEY));
    expect(store.values()).toEqual({ [SECRET_PARAM]: SECRET });

    // Act
    await ssmWriter(central, store).deliver(KEY);

    // Assess
    expect(first.failure).toBe("unavailable");
    expect(store.values()).toEqual({ [SECRET_PARAM]: SECRET, [ID_PARAM]: KEY.accessKeyId });
  });

  it("a write applied whose answer was lost fails the delivery; the retry finds keyrotor's parameter and completes", async () => {
    // Prepare
    const store = new FakeParameterStore();
    store.loseNextAnswer = true;
    const first = await failureOf(ssmWriter(central, store).deliver(KEY));

    // Act
    await ssmWriter(central, store).deliver(KEY);

    // Assess
    expect(first.failure).toBe("unavailable");
    expect(store.values()).toEqual({ [SECRET_PARAM]: SECRET, [ID_PARAM]: KEY.accessKeyId });
  });

  it("a parameter made advanced between the look and the write keeps no key: the standard write is refused", async () => {
    // Prepare: the look finds nothing; by the write, an insider has made the name advanced.
    const store = new FakeParameterStore();
    const describe = store.describeParameters.bind(store);
    store.describeParameters = async (names) => {
      const found = await describe(names);
      store.seed(SECRET_PARAM, { tier: "Advanced" });
      return found;
    };

    // Act
    const error = await failureOf(ssmWriter(central, store).deliver(KEY));

    // Assess
    expect(error.failure).toBe("rejected");
    expect(store.values()).toEqual({ [SECRET_PARAM]: "theirs" });
  });
});

/** Secrets Manager in memory, as it answers the copy's calls: versions by token, tags, policy. */
