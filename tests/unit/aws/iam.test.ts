import {
  CreateAccessKeyCommand,
  GetGroupCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  NoSuchEntityException,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { IamAdapter } from "../../../shared/aws/iam";
import { AwsCallError } from "../../../shared/errors";

const iam = mockClient(IAMClient);
const adapter = new IamAdapter(new IAMClient({ region: "us-east-1" }));
const created = new Date("2026-01-01T00:00:00Z");

beforeEach(() => iam.reset());

describe("IamAdapter", () => {
  it("follows ListUsers pages to the end", async () => {
    // Prepare
    iam
      .on(ListUsersCommand, { Marker: undefined })
      .resolves({ Users: [{ UserName: "a", Arn: "arn:a" } as never], IsTruncated: true, Marker: "m1" })
      .on(ListUsersCommand, { Marker: "m1" })
      .resolves({ Users: [{ UserName: "b", Arn: "arn:b" } as never], IsTruncated: false });
    // Act
    const users = await adapter.listUsers();
    // Assess
    expect(users).toEqual([
      { userName: "a", arn: "arn:a" },
      { userName: "b", arn: "arn:b" },
    ]);
    expect(iam).toHaveReceivedCommandTimes(ListUsersCommand, 2);
  });

  it("follows ListAccessKeys and ListUserTags pages, keeping each key's status as IAM gives it", async () => {
    // Prepare
    iam
      .on(ListAccessKeysCommand, { UserName: "a", Marker: undefined })
      .resolves({
        AccessKeyMetadata: [{ AccessKeyId: "K1", Status: "Active", CreateDate: created }],
        IsTruncated: true,
        Marker: "k",
      })
      .on(ListAccessKeysCommand, { UserName: "a", Marker: "k" })
      .resolves({
        AccessKeyMetadata: [
          { AccessKeyId: "K2", Status: "Inactive", CreateDate: created },
          { AccessKeyId: "K3", Status: "Expired", CreateDate: created },
        ],
      })
      .on(ListUserTagsCommand, { UserName: "a", Marker: undefined })
      .resolves({ Tags: [{ Key: "x", Value: "1" }], IsTruncated: true, Marker: "t" })
      .on(ListUserTagsCommand, { UserName: "a", Marker: "t" })
      .resolves({ Tags: [{ Key: "y", Value: "2" }] });
    // Act
    const keys = await adapter.listAccessKeys("a");
    const tags = await adapter.listUserTags("a");
    // Assess
    expect(keys).toEqual([
      { id: "K1", status: "Active", createdAt: created },
      { id: "K2", status: "Inactive", createdAt: created },
      { id: "K3", status: "Expired", createdAt: created },
    ]);
    expect(tags).toEqual({ x: "1", y: "2" });
  });

  it("refuses a key status it does not know rather than guess whether the key authenticates", async () => {
    // Prepare: an SDK enum is open at run time, so IAM could send a status newer than this build.
    iam.on(ListAccessKeysCommand).resolves({
      AccessKeyMetadata: [{ AccessKeyId: "K1", Status: "Suspended" as never, CreateDate: created }],
    });
    // Act
    const error = await adapter.listAccessKeys("a").catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({
      operation: "ListAccessKeys",
      code: "UnknownKeyStatus",
      retryable: false,
    });
    expect((error as Error).message).toContain('key K1 has status "Suspended"');
  });

  it("treats a missing exemption group as no members and pages through a present one", async () => {
    iam.on(GetGroupCommand).rejectsOnce(new NoSuchEntityException({ message: "no group", $metadata: {} }));
    expect(await adapter.listGroupMembers("IAMKeyRotationExemptionGroup")).toEqual(new Set());

    iam
      .on(GetGroupCommand, { Marker: undefined })
      .resolves({ Users: [{ UserName: "a" } as never], IsTruncated: true, Marker: "g" })
      .on(GetGroupCommand, { Marker: "g" })
      .resolves({ Users: [{ UserName: "b" } as never] });
    expect(await adapter.listGroupMembers("g")).toEqual(new Set(["a", "b"]));
  });

  it("returns a new key's secret wrapped so it can never be printed", async () => {
    iam.on(CreateAccessKeyCommand).resolves({
      AccessKey: {
        UserName: "a",
        AccessKeyId: "AKIANEW",
        SecretAccessKey: "s3cr3t-value",
        Status: "Active",
        CreateDate: created,
      },
    });
    const key = await adapter.createAccessKey("a");
    expect(key.id).toBe("AKIANEW");
    expect(key.secretAccessKey.reveal()).toBe("s3cr3t-value");
    expect(JSON.stringify(key)).not.toContain("s3cr3t-value");
    expect(`${key.secretAccessKey}`).toBe("[REDACTED]");
  });

  it("deactivates with UpdateAccessKey Inactive", async () => {
    iam.on(UpdateAccessKeyCommand).resolves({});
    await adapter.deactivateAccessKey("a", "K1");
    expect(iam).toHaveReceivedCommandWith(UpdateAccessKeyCommand, {
      UserName: "a",
      AccessKeyId: "K1",
      Status: "Inactive",
    });
  });

  it("maps SDK failures to AwsCallError naming service, operation and code", async () => {
    iam.on(ListUsersCommand).rejects(Object.assign(new Error("Rate exceeded"), { name: "Throttling" }));
    const error = await adapter.listUsers().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({
      service: "IAM",
      operation: "ListUsers",
      code: "Throttling",
      retryable: true,
    });
    expect((error as Error).message).toBe("IAM ListUsers failed (Throttling): Rate exceeded");
  });

  it("builds its client with adaptive retries", async () => {
    const config = IamAdapter.create({ region: "eu-west-1", maxAttempts: 7 });
    const client = (config as unknown as { client: IAMClient }).client;
    expect(await client.config.retryStrategy()).toMatchObject({ mode: "adaptive" });
    expect(await client.config.maxAttempts()).toBe(7);
  });
});
