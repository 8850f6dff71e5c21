import {
  CreateSecretCommand,
  DescribeSecretCommand,
  ListSecretsCommand,
  PutResourcePolicyCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { SecretsAdapter } from "../../../shared/aws/secrets";
import { AwsCallError } from "../../../shared/errors";
import { Redacted } from "../../../shared/redacted";

const sm = mockClient(SecretsManagerClient);
const adapter = new SecretsAdapter(new SecretsManagerClient({ region: "us-east-1" }));

beforeEach(() => sm.reset());

describe("SecretsAdapter", () => {
  it("lists the prefix's secrets over every page, with tags and the AWSCURRENT version", async () => {
    // Prepare
    sm.on(ListSecretsCommand, { NextToken: undefined })
      .resolves({
        SecretList: [
          {
            Name: "keyrotor/a",
            ARN: "arn:a",
            Tags: [{ Key: "keyrotor:key-id", Value: "K1" }],
            SecretVersionsToStages: { v0: ["AWSPREVIOUS"], v1: ["AWSCURRENT"] },
            KmsKeyId: "alias/aws/secretsmanager",
            CreatedDate: new Date("2026-01-01T00:00:00Z"),
          },
          // The name filter is case-insensitive: this one is not keyrotor's.
          { Name: "KEYROTOR/other", ARN: "arn:x" },
        ],
        NextToken: "n",
      })
      .on(ListSecretsCommand, { NextToken: "n" })
      .resolves({
        SecretList: [
          {
            Name: "keyrotor/b",
            ARN: "arn:b",
            KmsKeyId: "arn:aws:kms:us-east-1:111122223333:key/mine",
            DeletedDate: new Date("2026-02-01T00:00:00Z"),
          },
        ],
      });
    // Act
    const secrets = await adapter.listSecrets("keyrotor/");
    // Assess
    expect([...secrets.values()]).toEqual([
      {
        name: "keyrotor/a",
        arn: "arn:a",
        tags: { "keyrotor:key-id": "K1" },
        currentVersionId: "v1",
        kmsKeyId: null,
        deletionDate: null,
        replicaRegions: null,
        createdAt: new Date("2026-01-01T00:00:00Z"),
        rotation: null,
      },
      {
        name: "keyrotor/b",
        arn: "arn:b",
        tags: {},
        currentVersionId: null,
        kmsKeyId: "arn:aws:kms:us-east-1:111122223333:key/mine",
        deletionDate: new Date("2026-02-01T00:00:00Z"),
        replicaRegions: null,
        createdAt: null,
        rotation: null,
      },
    ]);
    // Secrets scheduled for deletion are listed too: keyrotor must see them to restore or report them.
    expect(sm).toHaveReceivedCommandWith(ListSecretsCommand, {
      Filters: [{ Key: "name", Values: ["keyrotor/"] }],
      IncludePlannedDeletion: true,
    });
  });

  it("creates a secret without a value, with tags and replicas", async () => {
    sm.on(CreateSecretCommand).resolves({ ARN: "arn:new", Name: "keyrotor/a" });
    const meta = await adapter.createSecret({
      name: "keyrotor/a",
      description: "d",
      tags: { "keyrotor:user": "a" },
      replicaRegions: ["eu-west-1"],
    });
    expect(meta).toMatchObject({
      name: "keyrotor/a",
      arn: "arn:new",
      tags: { "keyrotor:user": "a" },
      currentVersionId: null,
      kmsKeyId: null,
      deletionDate: null,
      replicaRegions: ["eu-west-1"],
    });
    expect(sm).toHaveReceivedCommandWith(CreateSecretCommand, {
      Name: "keyrotor/a",
      Tags: [{ Key: "keyrotor:user", Value: "a" }],
      AddReplicaRegions: [{ Region: "eu-west-1" }],
    });
    const sent = sm.commandCalls(CreateSecretCommand)[0]?.args[0].input;
    expect(sent?.SecretString).toBeUndefined();
  });

  it.each([
    ["exists", new ResourceExistsException({ message: "exists", $metadata: {} })],
    [
      "is scheduled for deletion",
      Object.assign(
        new Error(
          "You can't create this secret because a secret with this name is already scheduled for deletion.",
        ),
        { name: "InvalidRequestException" },
      ),
    ],
  ])("never adopts a secret that already %s: null, and the caller decides", async (_, refusal) => {
    sm.on(CreateSecretCommand).rejects(refusal);
    const meta = await adapter.createSecret({
      name: "keyrotor/a",
      description: "d",
      tags: {},
      replicaRegions: [],
    });
    expect(meta).toBeNull();
    expect(sm).not.toHaveReceivedCommand(DescribeSecretCommand);
  });

  it.each([
    [
      { RotationEnabled: true, RotationLambdaARN: "arn:aws:lambda:us-east-1:2:function:f" },
      { enabled: true, lambdaArn: "arn:aws:lambda:us-east-1:2:function:f" },
    ],
    [{ RotationEnabled: true }, { enabled: true, lambdaArn: null }],
    [
      { RotationEnabled: false, RotationLambdaARN: "arn:aws:lambda:us-east-1:2:function:f" },
      { enabled: false, lambdaArn: "arn:aws:lambda:us-east-1:2:function:f" },
    ],
    [{ RotationEnabled: false, RotationLambdaARN: "" }, null],
    [{}, null],
  ])("tells the rotation configured on a secret (%j)", async (rotation, expected) => {
    // Prepare
    sm.on(DescribeSecretCommand).resolves({ Name: "keyrotor/central/a", ARN: "arn:c", ...rotation });

    // Act
    const meta = await adapter.describeSecret("keyrotor/central/a");

    // Assess
    expect(meta?.rotation).toEqual(expected);
  });

  it("puts the resource policy with BlockPublicPolicy", async () => {
    sm.on(PutResourcePolicyCommand).resolves({});
    await adapter.putResourcePolicy("keyrotor/a", "{}");
    expect(sm).toHaveReceivedCommandWith(PutResourcePolicyCommand, {
      SecretId: "keyrotor/a",
      ResourcePolicy: "{}",
      BlockPublicPolicy: true,
    });
  });

  it("writes the value under the given token and never lets it into the error", async () => {
    sm.on(PutSecretValueCommand).resolvesOnce({ VersionId: "tok" });
    expect(await adapter.putSecretValue("keyrotor/a", new Redacted("VALUE-123"), "tok")).toBe("tok");
    expect(sm).toHaveReceivedCommandWith(PutSecretValueCommand, {
      SecretString: "VALUE-123",
      ClientRequestToken: "tok",
    });

    sm.on(PutSecretValueCommand).rejects(Object.assign(new Error("boom"), { name: "InternalServiceError" }));
    const error = await adapter
      .putSecretValue("keyrotor/a", new Redacted("VALUE-123"), "tok")
      .catch((e) => e);
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error.message).toBe("SecretsManager PutSecretValue failed (InternalServiceError): boom");
    expect(JSON.stringify({ message: error.message, code: error.code })).not.toContain("VALUE-123");
  });
});
