import { DecryptCommand, DescribeKeyCommand, EncryptCommand, KMSClient } from "@aws-sdk/client-kms";
import { DescribeParametersCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { KmsAdapter } from "../../../shared/aws/kms";
import { SsmAdapter } from "../../../shared/aws/ssm";
import { AwsCallError } from "../../../shared/errors";
import { Redacted } from "../../../shared/redacted";

const kms = mockClient(KMSClient);
const ssm = mockClient(SSMClient);
const kmsAdapter = new KmsAdapter(new KMSClient({ region: "us-east-1" }));
const ssmAdapter = new SsmAdapter(new SSMClient({ region: "us-east-1" }));

const KEY = "arn:aws:kms:us-east-1:111122223333:key/escrow";
const CONTEXT = { accountId: "222222222222", userName: "app", accessKeyId: "AKIAEXAMPLE" };
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

beforeEach(() => {
  kms.reset();
  ssm.reset();
});

describe("KmsAdapter", () => {
  it("encrypts the revealed plaintext under the key with the context and answers base64", async () => {
    // Prepare
    kms.on(EncryptCommand).resolves({ CiphertextBlob: new Uint8Array([1, 2, 3, 250]) });

    // Act
    const ciphertext = await kmsAdapter.encrypt(KEY, new Redacted(SECRET), CONTEXT);

    // Assess
    expect(ciphertext).toBe(Buffer.from([1, 2, 3, 250]).toString("base64"));
    expect(kms).toHaveReceivedCommandWith(EncryptCommand, { KeyId: KEY, EncryptionContext: CONTEXT });
    const sent = kms.commandCalls(EncryptCommand)[0]?.args[0].input.Plaintext;
    expect(new TextDecoder().decode(sent)).toBe(SECRET);
  });

  it("decrypts naming the key and the context, and answers the plaintext redacted", async () => {
    // Prepare
    kms.on(DecryptCommand).resolves({ Plaintext: new TextEncoder().encode(SECRET), KeyId: KEY });

    // Act
    const plaintext = await kmsAdapter.decrypt(KEY, "AQID+g==", CONTEXT);

    // Assess
    expect(plaintext.reveal()).toBe(SECRET);
    expect(String(plaintext)).toBe("[REDACTED]");
    expect(kms).toHaveReceivedCommandWith(DecryptCommand, { KeyId: KEY, EncryptionContext: CONTEXT });
    const blob = kms.commandCalls(DecryptCommand)[0]?.args[0].input.CiphertextBlob;
    expect(Buffer.from(blob ?? []).toString("base64")).toBe("AQID+g==");
  });

  it("names a refused decryption (another key, another context) as an AwsCallError with its code", async () => {
    // Prepare
    kms.on(DecryptCommand).rejects(Object.assign(new Error("wrong key"), { name: "IncorrectKeyException" }));

    // Act
    const error = await kmsAdapter.decrypt(KEY, "AQID+g==", CONTEXT).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({ service: "KMS", operation: "Decrypt", code: "IncorrectKeyException" });
  });

  it("an Encrypt failure carries the code, never the plaintext", async () => {
    // Prepare
    kms.on(EncryptCommand).rejects(Object.assign(new Error("key disabled"), { name: "DisabledException" }));

    // Act
    const error = await kmsAdapter.encrypt(KEY, new Redacted(SECRET), CONTEXT).catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ operation: "Encrypt", code: "DisabledException" });
    expect(String((error as Error).message)).not.toContain(SECRET);
  });
});

describe("KmsAdapter.describeKey", () => {
  it("answers the key id and ARN an alias names", async () => {
    // Prepare
    kms
      .on(DescribeKeyCommand)
      .resolves({ KeyMetadata: { KeyId: "k-1", Arn: "arn:aws:kms:us-east-1:1:key/k-1" } });

    // Act
    const key = await kmsAdapter.describeKey("alias/aws/ssm");

    // Assess
    expect(key).toEqual({ keyId: "k-1", arn: "arn:aws:kms:us-east-1:1:key/k-1" });
    expect(kms).toHaveReceivedCommandWith(DescribeKeyCommand, { KeyId: "alias/aws/ssm" });
  });

  it("answers null for an alias that names no key, and names any other failure", async () => {
    // Prepare
    kms
      .on(DescribeKeyCommand)
      .rejectsOnce(Object.assign(new Error("Alias not found"), { name: "NotFoundException" }))
      .rejectsOnce(Object.assign(new Error("no"), { name: "AccessDeniedException" }));

    // Act
    const missing = await kmsAdapter.describeKey("alias/aws/ssm");
    const denied = await kmsAdapter.describeKey("alias/aws/ssm").catch((e: unknown) => e);

    // Assess
    expect(missing).toBeNull();
    expect(denied).toMatchObject({ service: "KMS", operation: "DescribeKey", code: "AccessDeniedException" });
  });
});

describe("SsmAdapter", () => {
  it("writes a SecureString that overwrites, under aws/ssm in the standard tier as text, and answers the version", async () => {
    // Prepare
    ssm.on(PutParameterCommand).resolves({ Version: 3, Tier: "Standard" });

    // Act
    const version = await ssmAdapter.putSecureString(
      "/keyrotor/app/AWS_SECRET_ACCESS_KEY",
      new Redacted(SECRET),
      "d",
    );

    // Assess
    expect(version).toBe(3);
    expect(ssm).toHaveReceivedCommandWith(PutParameterCommand, {
      Name: "/keyrotor/app/AWS_SECRET_ACCESS_KEY",
      Value: SECRET,
      Type: "SecureString",
      KeyId: "alias/aws/ssm",
      Tier: "Standard",
      DataType: "text",
      Overwrite: true,
      Description: "d",
    });
  });

  it("describes the parameters of exactly the names given, page after page, reading no value", async () => {
    // Prepare: moto answers DescribeParameters with each parameter's (encrypted) value: it is not read.
    ssm
      .on(DescribeParametersCommand)
      .resolvesOnce({ Parameters: [], NextToken: "t1" })
      .resolvesOnce({
        Parameters: [
          {
            Name: "/keyrotor/app/AWS_SECRET_ACCESS_KEY",
            Type: "SecureString",
            KeyId: "alias/theirs",
            Tier: "Advanced",
            Policies: [{ PolicyType: "Expiration", PolicyText: "{}", PolicyStatus: "Pending" }],
            AllowedPattern: "^.*$",
            DataType: "text",
            ...{ Value: `kms:alias/theirs:${SECRET}` },
          },
        ],
        NextToken: "t2",
      })
      .resolvesOnce({ Parameters: [{ Name: "/keyrotor/app/AWS_ACCESS_KEY_ID", Type: "String" }] });

    // Act
    const found = await ssmAdapter.describeParameters([
      "/keyrotor/app/AWS_SECRET_ACCESS_KEY",
      "/keyrotor/app/AWS_ACCESS_KEY_ID",
    ]);

    // Assess
    expect(found).toEqual([
      {
        name: "/keyrotor/app/AWS_SECRET_ACCESS_KEY",
        type: "SecureString",
        keyId: "alias/theirs",
        tier: "Advanced",
        policyCount: 1,
        hasAllowedPattern: true,
        dataType: "text",
      },
      {
        name: "/keyrotor/app/AWS_ACCESS_KEY_ID",
        type: "String",
        keyId: null,
        tier: null,
        policyCount: 0,
        hasAllowedPattern: false,
        dataType: null,
      },
    ]);
    expect(JSON.stringify(found)).not.toContain(SECRET);
    const inputs = ssm.commandCalls(DescribeParametersCommand).map((c) => c.args[0].input);
    expect(inputs.map((i) => i.NextToken)).toEqual([undefined, "t1", "t2"]);
    for (const input of inputs) {
      expect(input.ParameterFilters).toEqual([
        {
          Key: "Name",
          Option: "Equals",
          Values: ["/keyrotor/app/AWS_SECRET_ACCESS_KEY", "/keyrotor/app/AWS_ACCESS_KEY_ID"],
        },
      ]);
    }
  });

  it("maps a refused DescribeParameters to an AwsCallError naming it", async () => {
    // Prepare
    ssm
      .on(DescribeParametersCommand)
      .rejects(Object.assign(new Error("no"), { name: "AccessDeniedException" }));

    // Act
    const error = await ssmAdapter.describeParameters(["/keyrotor/x"]).catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({
      service: "SSM",
      operation: "DescribeParameters",
      code: "AccessDeniedException",
    });
  });

  it("sends no Description field when none is given", async () => {
    // Prepare
    ssm.on(PutParameterCommand).resolves({ Version: 1 });

    // Act
    await ssmAdapter.putSecureString("/keyrotor/app/X", new Redacted("v"));

    // Assess
    const input = ssm.commandCalls(PutParameterCommand)[0]?.args[0].input;
    expect(input && "Description" in input).toBe(false);
  });

  it("maps a denied write to an AwsCallError naming SSM PutParameter and the code", async () => {
    // Prepare
    ssm.on(PutParameterCommand).rejects(
      Object.assign(new Error("User: arn:aws:sts::1:assumed-role/keyrotor-member/x is not authorized"), {
        name: "AccessDeniedException",
      }),
    );

    // Act
    const error = await ssmAdapter.putSecureString("/keyrotor/app/X", new Redacted(SECRET)).catch((e) => e);

    // Assess
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({ service: "SSM", operation: "PutParameter", code: "AccessDeniedException" });
    expect(error.message).not.toContain(SECRET);
  });
});
