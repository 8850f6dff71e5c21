import { CreateKeyCommand, DescribeKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetResourcePolicyCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import {
  DeleteParameterCommand,
  DescribeParametersCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  PutParameterCommand,
  type PutParameterCommandInput,
  SSMClient,
} from "@aws-sdk/client-ssm";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { MOTO_CREDENTIALS, type Moto, startMoto } from "../../scripts/lib/moto";
import { KmsAdapter } from "../../shared/aws/kms";
import { LedgerAdapter } from "../../shared/aws/ledger";
import { memberRoleArn } from "../../shared/aws/member-account";
import { SecretsAdapter } from "../../shared/aws/secrets";
import { SsmAdapter } from "../../shared/aws/ssm";
import { type SessionCredentials, StsAdapter, sessionName } from "../../shared/aws/sts";
import {
  buildCopyPolicy,
  COPY_NONCE_TAG,
  COPY_TAG,
  createSecretsManagerWriter,
  type SecretCopyPort,
} from "../../shared/destinations/secrets-manager";
import { createSsmWriter } from "../../shared/destinations/ssm";
import { DeliveryError } from "../../shared/destinations/types";
import { AwsCallError } from "../../shared/errors";
import { requestTokenFor } from "../../shared/rotation/secret-name";
import { expectNothingShown, KEY, nextKey, parseDestination, SECRET } from "../support/destinations";

/**
 * The SSM and Secrets Manager destinations against moto, in another account of the organization
 * (entered as keyrotor does: AssumeRole of its member role) and another region, the central copies
 * recorded in a real ledger table; and the KMS adapter
 * that keeps a key encrypted while its deliveries are outstanding.
 */

const CENTRAL = "222222222222";
const REGION = "eu-west-1";
const base = { region: "us-east-1", credentials: MOTO_CREDENTIALS, maxAttempts: 2 };

let moto: Moto;

/** The member role's session in the central account, as keyrotor's account opener makes it. */
async function memberSession(): Promise<SessionCredentials> {
  const role = memberRoleArn({ partition: "aws", roleName: "keyrotor-member" }, CENTRAL);
  return StsAdapter.create(base).assumeRole(role, sessionName("keyrotor", "e2e"));
}

beforeAll(async () => {
  moto = await startMoto();
  vi.stubEnv("AWS_ENDPOINT_URL", moto.endpoint);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await moto?.stop();
});

beforeEach(async () => {
  await moto.reset();
});

describe("the SSM destination", () => {
  const path = "/keyrotor/ci/111122223333/ci-deployer";

  async function writerAndReader() {
    const credentials = await memberSession();
    const dest = parseDestination("ssm", { path, account: CENTRAL, region: REGION });
    const options = { ...base, region: REGION, credentials };
    const writer = createSsmWriter(dest, SsmAdapter.create(options), KmsAdapter.create(options));
    return { writer, reader: new SSMClient({ region: REGION, credentials }), credentials };
  }

  it("writes both parameters as SecureString in the other account and region; decrypted, they are the key", async () => {
    // Prepare
    const { writer, reader } = await writerAndReader();

    // Act
    await writer.deliver(KEY);

    // Assess
    const out = await reader.send(new GetParametersByPathCommand({ Path: path, WithDecryption: true }));
    const params = Object.fromEntries(
      (out.Parameters ?? []).map((p) => [p.Name, { type: p.Type, value: p.Value }]),
    );
    expect(params).toEqual({
      [`${path}/AWS_ACCESS_KEY_ID`]: { type: "SecureString", value: KEY.accessKeyId },
      [`${path}/AWS_SECRET_ACCESS_KEY`]: { type: "SecureString", value: SECRET },
    });
    const stored = await reader.send(new GetParameterCommand({ Name: `${path}/AWS_SECRET_ACCESS_KEY` }));
    expect(stored.Parameter?.Value).not.toBe(SECRET);
    // Nothing landed in keyrotor's own account or the default region.
    const home = new SSMClient(base);
    await expect(home.send(new GetParameterCommand({ Name: `${path}/AWS_ACCESS_KEY_ID` }))).rejects.toThrow();
    const otherRegion = new SSMClient({ region: "us-east-1", credentials: await memberSession() });
    await expect(
      otherRegion.send(new GetParameterCommand({ Name: `${path}/AWS_ACCESS_KEY_ID` })),
    ).rejects.toThrow();
  });

  it("writing the same key again leaves the same values (only the version number moves)", async () => {
    // Prepare
    const { writer, reader } = await writerAndReader();
    await writer.deliver(KEY);

    // Act
    await writer.deliver(KEY);

    // Assess
    const p = await reader.send(
      new GetParameterCommand({ Name: `${path}/AWS_SECRET_ACCESS_KEY`, WithDecryption: true }),
    );
    expect(p.Parameter).toMatchObject({ Value: SECRET, Version: 2, Type: "SecureString" });
  });

  it("a write SSM denies is a forbidden delivery whose fix names ssm:PutParameter, without the secret", async () => {
    // Prepare: names under /aws are reserved by AWS; no role may write them.
    const credentials = await memberSession();
    const dest = parseDestination("ssm", { path: "/aws/keyrotor/ci-deployer", account: CENTRAL });
    const options = { ...base, region: REGION, credentials };
    const writer = createSsmWriter(dest, SsmAdapter.create(options), KmsAdapter.create(options));

    // Act
    const error = (await writer.deliver(KEY).catch((e: unknown) => e)) as DeliveryError;

    // Assess
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error.failure).toBe("forbidden");
    expect(error.message).toContain("SSM PutParameter failed (AccessDeniedException)");
    expect(error.fix).toContain("ssm:PutParameter on /aws/keyrotor/ci-deployer/AWS_SECRET_ACCESS_KEY");
    expectNothingShown(error);
  });
});

describe("the SSM destination, where someone made a parameter at its path first", () => {
  const path = "/keyrotor/ci/111122223333/ci-deployer";
  const secretName = `${path}/AWS_SECRET_ACCESS_KEY`;
  const idName = `${path}/AWS_ACCESS_KEY_ID`;

  /** An insider of the central account, with their own rights there (moto enforces none). */
  async function setUp() {
    const credentials = await memberSession();
    const options = { ...base, region: REGION, credentials };
    const dest = parseDestination("ssm", { path, account: CENTRAL, region: REGION });
    const writer = createSsmWriter(dest, SsmAdapter.create(options), KmsAdapter.create(options));
    const insider = new SSMClient(options);
    const squat = (name: string, fields: Partial<PutParameterCommandInput>) =>
      insider.send(new PutParameterCommand({ Name: name, Value: "theirs", Type: "SecureString", ...fields }));
    const stored = async (name: string) =>
      (await insider.send(new GetParameterCommand({ Name: name, WithDecryption: true }))).Parameter?.Value;
    return { writer, insider, squat, stored, kms: new KMSClient(options) };
  }

  it("moto's DescribeParameters names the key, tier, policies, pattern and data type keyrotor judges by", async () => {
    // Prepare
    const { writer, insider, squat } = await setUp();
    await writer.deliver(KEY);
    await squat("/keyrotor/ci/other", {
      KeyId: "alias/theirs",
      Tier: "Advanced",
      AllowedPattern: "^.*$",
      Policies: JSON.stringify([
        { Type: "Expiration", Version: "1.0", Attributes: { Timestamp: "2030-01-01" } },
      ]),
    });

    // Act
    const out = await insider.send(
      new DescribeParametersCommand({
        ParameterFilters: [{ Key: "Name", Option: "Equals", Values: [secretName, "/keyrotor/ci/other"] }],
      }),
    );

    // Assess
    const byName = Object.fromEntries((out.Parameters ?? []).map((p) => [p.Name, p]));
    expect(byName[secretName]).toMatchObject({
      Type: "SecureString",
      KeyId: "alias/aws/ssm",
      Tier: "Standard",
      DataType: "text",
    });
    expect(byName[secretName]?.AllowedPattern).toBeUndefined();
    expect(byName[secretName]?.Policies ?? []).toEqual([]);
    expect(byName["/keyrotor/ci/other"]).toMatchObject({
      KeyId: "alias/theirs",
      Tier: "Advanced",
      AllowedPattern: "^.*$",
      Policies: [expect.objectContaining({ PolicyType: expect.anything() })],
    });
  });

  it.each([
    ["under a customer KMS key", "customer-key", "is encrypted with KMS key"],
    ["in the advanced tier", "advanced", "is in the Advanced tier"],
    ["as a plain String", "string", "is a String, not a SecureString"],
  ] as const)(
    "a parameter pre-created %s is refused, keeps its old value, and neither name is written",
    async (_, how, why) => {
      // Prepare
      const { writer, insider, squat, stored, kms } = await setUp();
      if (how === "customer-key") {
        const key = await kms.send(new CreateKeyCommand({ Description: "the insider's key" }));
        await squat(secretName, { KeyId: key.KeyMetadata?.Arn ?? "" });
      } else if (how === "advanced") {
        await squat(secretName, { Tier: "Advanced" });
      } else {
        await squat(secretName, { Type: "String" });
      }

      // Act
      const error = (await writer.deliver(KEY).catch((e: unknown) => e)) as DeliveryError;

      // Assess
      expect(error).toBeInstanceOf(DeliveryError);
      expect(error.failure).toBe("rejected");
      expect(error.message).toContain(`SSM parameter ${secretName} in account ${CENTRAL} (${REGION}) `);
      expect(error.message).toContain(why);
      expect(error.fix).toContain(`delete ${secretName}`);
      expectNothingShown(error);
      expect(await stored(secretName)).toBe("theirs");
      await expect(insider.send(new GetParameterCommand({ Name: idName }))).rejects.toThrow();
    },
  );

  it("once the operator deletes the squatted parameter, the next delivery creates keyrotor's own", async () => {
    // Prepare
    const { writer, insider, squat, stored } = await setUp();
    await squat(secretName, { Tier: "Advanced" });
    await writer.deliver(KEY).catch(() => undefined);
    await insider.send(new DeleteParameterCommand({ Name: secretName }));

    // Act
    await writer.deliver(KEY);

    // Assess
    expect(await stored(secretName)).toBe(SECRET);
    expect(await stored(idName)).toBe(KEY.accessKeyId);
  });

  it("keyrotor's own parameters are rewritten with the next key on the next rotation", async () => {
    // Prepare
    const { writer, stored } = await setUp();
    await writer.deliver(KEY);
    const next = nextKey("AKIANEXTKEY000000000", "next-secret");

    // Act
    await writer.deliver(next);

    // Assess
    expect(await stored(secretName)).toBe("next-secret");
    expect(await stored(idName)).toBe("AKIANEXTKEY000000000");
  });

  it("a parameter naming the account's aws/ssm key by its ARN is accepted: KMS says which key the alias is", async () => {
    // Prepare
    const { writer, squat, stored, kms } = await setUp();
    const awsSsm = await kms.send(new DescribeKeyCommand({ KeyId: "alias/aws/ssm" }));
    await squat(secretName, { KeyId: awsSsm.KeyMetadata?.Arn ?? "" });

    // Act
    await writer.deliver(KEY);

    // Assess
    expect(await stored(secretName)).toBe(SECRET);
  });

  it("a parameter re-keyed by an insider between keyrotor's look and its write is written back under aws/ssm", async () => {
    // Prepare: keyrotor's own parameter; right after the next delivery looks, the insider puts their key on it.
    const { insider, stored, kms } = await setUp();
    const credentials = await memberSession();
    const options = { ...base, region: REGION, credentials };
    const dest = parseDestination("ssm", { path, account: CENTRAL, region: REGION });
    const ssm = SsmAdapter.create(options);
    await createSsmWriter(dest, ssm, KmsAdapter.create(options)).deliver(KEY);
    const theirs = (await kms.send(new CreateKeyCommand({ Description: "the insider's key" }))).KeyMetadata
      ?.Arn;
    const look = ssm.describeParameters.bind(ssm);
    ssm.describeParameters = async (names) => {
      const found = await look(names);
      await insider.send(
        new PutParameterCommand({
          Name: secretName,
          Value: "x",
          Type: "SecureString",
          KeyId: theirs,
          Overwrite: true,
        }),
      );
      return found;
    };

    // Act
    await createSsmWriter(dest, ssm, KmsAdapter.create(options)).deliver(
      nextKey("AKIANEXTKEY000000000", "next-secret"),
    );

    // Assess
    const out = await insider.send(
      new DescribeParametersCommand({
        ParameterFilters: [{ Key: "Name", Option: "Equals", Values: [secretName] }],
      }),
    );
    expect(out.Parameters?.[0]).toMatchObject({ KeyId: "alias/aws/ssm", Tier: "Standard", DataType: "text" });
    expect(await stored(secretName)).toBe("next-secret");
  });
});

describe("the Secrets Manager destination (a copy in another account)", () => {
  const name = "keyrotor/central/111122223333/ci-deployer";
  const reader = `arn:aws:iam::${CENTRAL}:role/deployer`;
  const place = { account: CENTRAL, region: REGION, name };
  const next = nextKey("AKIANEXTKEY000000000", "next-secret");

  /** The writer as keyrotor builds it (member role session, the ledger in keyrotor's account), an admin of the central account, the ledger. */
  async function setUp(wrap: (port: SecretCopyPort) => SecretCopyPort = (port) => port) {
    const credentials = await memberSession();
    const dest = parseDestination("secrets-manager", {
      name,
      account: CENTRAL,
      region: REGION,
      readers: [reader],
    });
    const ledger = LedgerAdapter.create("keyrotor-e2e-ledger", base);
    await ledger.ensureTable();
    const secrets = SecretsAdapter.create({ ...base, region: REGION, credentials });
    const writer = () =>
      createSecretsManagerWriter(dest, wrap(secrets), { copies: ledger, region: REGION, now: Date.now });
    return { writer, ledger, admin: new SecretsManagerClient({ region: REGION, credentials }) };
  }

  const storedValue = async (admin: SecretsManagerClient) =>
    (await admin.send(new GetSecretValueCommand({ SecretId: name }))).SecretString;

  it("creates the copy with its tags, policy and the key's JSON, under the key id's version, and records its ARN", async () => {
    // Prepare
    const { writer, ledger, admin } = await setUp();

    // Act
    await writer().deliver(KEY);

    // Assess
    const described = await admin.send(new DescribeSecretCommand({ SecretId: name }));
    expect(described.ARN).toContain(`:secretsmanager:${REGION}:${CENTRAL}:secret:`);
    expect(await ledger.getCopy(place)).toEqual({
      state: "created",
      owner: "111122223333/ci-deployer",
      arn: described.ARN,
      createdAt: expect.any(String),
    });
    expect(described.Description).toBe(
      "Copy of the current access key of IAM user ci-deployer in account 111122223333, kept by keyrotor",
    );
    expect(described.Tags).toEqual(
      expect.arrayContaining([
        { Key: COPY_TAG, Value: "111122223333/ci-deployer" },
        { Key: "keyrotor:user", Value: "ci-deployer" },
        { Key: COPY_NONCE_TAG, Value: expect.any(String) },
      ]),
    );
    const policy = await admin.send(new GetResourcePolicyCommand({ SecretId: name }));
    expect(JSON.parse(policy.ResourcePolicy ?? "{}")).toEqual(JSON.parse(buildCopyPolicy(name, [reader])));
    const value = await admin.send(new GetSecretValueCommand({ SecretId: name }));
    expect(value.VersionId).toBe(requestTokenFor(KEY.accessKeyId));
    expect(JSON.parse(value.SecretString ?? "{}")).toEqual({
      AccessKeyId: KEY.accessKeyId,
      SecretAccessKey: SECRET,
      UserName: "ci-deployer",
    });
    const home = new SecretsManagerClient(base);
    await expect(home.send(new DescribeSecretCommand({ SecretId: name }))).rejects.toThrow();
  });

  it("a retried delivery of the same key (a second run the same day) leaves one version, the same one", async () => {
    // Prepare
    const { writer, admin } = await setUp();
    await writer().deliver(KEY);

    // Act
    await writer().deliver(KEY);

    // Assess
    const versions = await admin.send(new ListSecretVersionIdsCommand({ SecretId: name }));
    expect((versions.Versions ?? []).map((v) => v.VersionId)).toEqual([requestTokenFor(KEY.accessKeyId)]);
  });

  it("keyrotor's own copy is rewritten with the next rotation's key", async () => {
    // Prepare
    const { writer, admin } = await setUp();
    await writer().deliver(KEY);

    // Act
    await writer().deliver(next);

    // Assess
    const value = await admin.send(new GetSecretValueCommand({ SecretId: name }));
    expect(value.VersionId).toBe(requestTokenFor(next.accessKeyId));
    expect(JSON.parse(value.SecretString ?? "{}")).toMatchObject({ AccessKeyId: next.accessKeyId });
  });

  it("a secret someone pre-created at that name with keyrotor's tags (or a copy from before keyrotor recorded them) is refused and left untouched", async () => {
    // Prepare
    const { writer, ledger, admin } = await setUp();
    await admin.send(
      new CreateSecretCommand({
        Name: name,
        SecretString: "theirs",
        Tags: [
          { Key: COPY_TAG, Value: "111122223333/ci-deployer" },
          { Key: "keyrotor:user", Value: "ci-deployer" },
        ],
      }),
    );

    // Act
    const error = (await writer()
      .deliver(KEY)
      .catch((e: unknown) => e)) as DeliveryError;

    // Assess
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error.failure).toBe("rejected");
    expect(error.message).toContain(`secret ${name} in account ${CENTRAL} (${REGION})`);
    expect(error.message).toContain("keyrotor has no record of creating it");
    expect(error.fix).toContain("delete-secret --force-delete-without-recovery");
    expect(await storedValue(admin)).toBe("theirs");
    expect(
      (await admin.send(new GetResourcePolicyCommand({ SecretId: name }))).ResourcePolicy,
    ).toBeUndefined();
    expect(await ledger.getCopy(place)).toBeNull();
  });

  it("keyrotor's copy with rotation configured on it is refused: the next key is not written", async () => {
    // Prepare
    const { writer, admin } = await setUp();
    await writer().deliver(KEY);
    await admin.send(
      new RotateSecretCommand({
        SecretId: name,
        RotationRules: { AutomaticallyAfterDays: 30 },
        RotateImmediately: false,
      }),
    );

    // Act
    const error = (await writer()
      .deliver(next)
      .catch((e: unknown) => e)) as DeliveryError;

    // Assess
    expect(error).toMatchObject({
      failure: "rejected",
      message: expect.stringContaining("has rotation configured on it"),
    });
    const versions = await admin.send(new ListSecretVersionIdsCommand({ SecretId: name }));
    expect((versions.Versions ?? []).map((v) => v.VersionId)).not.toContain(
      requestTokenFor(next.accessKeyId),
    );
  });

  it("keyrotor's copy deleted and made again by someone else at that name is refused (its ARN differs)", async () => {
    // Prepare
    const { writer, admin } = await setUp();
    await writer().deliver(KEY);
    const tags = (await admin.send(new DescribeSecretCommand({ SecretId: name }))).Tags;
    await admin.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
    await admin.send(new CreateSecretCommand({ Name: name, SecretString: "theirs", Tags: tags }));

    // Act
    const error = (await writer()
      .deliver(next)
      .catch((e: unknown) => e)) as DeliveryError;

    // Assess
    expect(error).toMatchObject({
      failure: "rejected",
      message: expect.stringContaining("is not the secret keyrotor created at that name"),
    });
    expect(await storedValue(admin)).toBe("theirs");
  });

  it("CreateSecret applied but its answer lost: the retry adopts the secret carrying its nonce, records it and writes the key", async () => {
    // Prepare: the first delivery's CreateSecret reaches Secrets Manager, its answer does not come back.
    const losing = await setUp((port) => ({
      describeSecret: (n) => port.describeSecret(n),
      createSecret: async (secret) => {
        await port.createSecret(secret);
        throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
      },
      putResourcePolicy: (n, p) => port.putResourcePolicy(n, p),
      putSecretValue: (n, v, t) => port.putSecretValue(n, v, t),
    }));
    const lost = (await losing
      .writer()
      .deliver(KEY)
      .catch((e: unknown) => e)) as DeliveryError;
    const { writer, ledger, admin } = await setUp();

    // Act
    await writer().deliver(KEY);

    // Assess
    expect(lost).toMatchObject({ failure: "unavailable" });
    const described = await admin.send(new DescribeSecretCommand({ SecretId: name }));
    expect(await ledger.getCopy(place)).toMatchObject({ state: "created", arn: described.ARN });
    expect(JSON.parse((await storedValue(admin)) ?? "{}")).toMatchObject({ AccessKeyId: KEY.accessKeyId });
  });

  it("keyrotor's copy scheduled for deletion is refused, not restored", async () => {
    // Prepare
    const { writer, admin } = await setUp();
    await writer().deliver(KEY);
    await admin.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 7 }));

    // Act
    const error = (await writer()
      .deliver(next)
      .catch((e: unknown) => e)) as DeliveryError;

    // Assess
    expect(error).toMatchObject({
      failure: "rejected",
      message: expect.stringContaining("scheduled for deletion"),
    });
    expect((await admin.send(new DescribeSecretCommand({ SecretId: name }))).DeletedDate).toBeDefined();
  });
});

describe("the KMS adapter (the key kept encrypted while deliveries are outstanding)", () => {
  const context = { accountId: "111122223333", userName: "ci-deployer", accessKeyId: KEY.accessKeyId };

  async function newKey(): Promise<string> {
    const out = await new KMSClient(base).send(new CreateKeyCommand({ Description: "keyrotor deliveries" }));
    return out.KeyMetadata?.Arn ?? "";
  }

  it("round-trips a secret under its encryption context; the ciphertext does not show it", async () => {
    // Prepare
    const kms = KmsAdapter.create(base);
    const keyId = await newKey();

    // Act
    const sealed = await kms.encrypt(keyId, KEY.secretAccessKey, context);
    const opened = await kms.decrypt(keyId, sealed, context);

    // Assess
    expect(opened.reveal()).toBe(SECRET);
    expect(Buffer.from(sealed, "base64").toString("latin1")).not.toContain(SECRET);
  });

  it("refuses to decrypt under another context (another user's record) or naming another key", async () => {
    // Prepare
    const kms = KmsAdapter.create(base);
    const keyId = await newKey();
    const otherKey = await newKey();
    const sealed = await kms.encrypt(keyId, KEY.secretAccessKey, context);

    // Act
    const wrongContext = await kms
      .decrypt(keyId, sealed, { ...context, userName: "someone-else" })
      .catch((e) => e);
    const wrongKey = await kms.decrypt(otherKey, sealed, context).catch((e) => e);

    // Assess
    expect(wrongContext).toBeInstanceOf(AwsCallError);
    expect(wrongContext).toMatchObject({ service: "KMS", operation: "Decrypt" });
    expect(wrongKey).toBeInstanceOf(AwsCallError);
    expect(`${wrongContext.message} ${wrongKey.message}`).not.toContain(SECRET);
  });
});
