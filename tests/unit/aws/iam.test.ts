import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  GenerateCredentialReportCommand,
  GetAccessKeyLastUsedCommand,
  GetAccountAuthorizationDetailsCommand,
  GetCredentialReportCommand,
  IAMClient,
  ListAccessKeysCommand,
  NoSuchEntityException,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { REPORT_COLUMNS } from "../../../shared/aws/credential-report";
import { IamAdapter } from "../../../shared/aws/iam";
import { AwsCallError, CredentialReportError } from "../../../shared/errors";

const iam = mockClient(IAMClient);
const adapter = new IamAdapter(new IAMClient({ region: "us-east-1" }));
const created = new Date("2026-01-01T00:00:00Z");

/** A credential report as IAM sends it: the header, then one bare row a user. */
function credentialReport(...rows: string[]) {
  const csv = [REPORT_COLUMNS.join(","), ...rows].join("\n");
  iam.on(GenerateCredentialReportCommand).resolves({ State: "COMPLETE" });
  iam.on(GetCredentialReportCommand).resolves({ Content: new TextEncoder().encode(csv) });
}
const userRow = (name: string, arn: string) =>
  `${name},${arn},2024-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,` +
  "true,2026-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A";

beforeEach(() => iam.reset());

describe("IamAdapter", () => {
  it("reads every user's groups and tags from GetAccountAuthorizationDetails pages, a thousand a page", async () => {
    // Prepare
    iam
      .on(GetAccountAuthorizationDetailsCommand, { Marker: undefined })
      .resolves({
        UserDetailList: [{ UserName: "a", Arn: "arn:a", GroupList: ["g"], Tags: [{ Key: "x", Value: "1" }] }],
        IsTruncated: true,
        Marker: "m1",
      })
      .on(GetAccountAuthorizationDetailsCommand, { Marker: "m1" })
      .resolves({ UserDetailList: [{ UserName: "b", Arn: "arn:b" }], IsTruncated: false });
    // Act
    const users = await adapter.userDirectory();
    // Assess
    expect([...users]).toEqual([
      ["a", { arn: "arn:a", groups: ["g"], tags: { x: "1" } }],
      ["b", { arn: "arn:b", groups: [], tags: {} }],
    ]);
    expect(iam).toHaveReceivedCommandTimes(GetAccountAuthorizationDetailsCommand, 2);
    expect(iam).toHaveReceivedCommandWith(GetAccountAuthorizationDetailsCommand, {
      Filter: ["User"],
      MaxItems: 1000,
    });
  });

  it("reads the credential report of the account it is asked for, a user whose path holds quotes included", async () => {
    // Prepare
    credentialReport(userRow("etl,nightly", 'arn:aws:iam::111122223333:user/a"b,c/etl,nightly'));
    // Act
    const users = await adapter.credentialReport("111122223333");
    // Assess
    expect(users).toEqual([
      {
        userName: "etl,nightly",
        arn: 'arn:aws:iam::111122223333:user/a"b,c/etl,nightly',
        keys: [{ status: "Active", createdAt: created, lastUsedAt: null }],
      },
    ]);
  });

  it("rejects a credential report with rows it cannot read, naming them, rather than return fewer users", async () => {
    // Prepare: a row of another account, and one whose ARN is not its user's.
    credentialReport(
      userRow("a", "arn:aws:iam::111122223333:user/a"),
      userRow("b", "arn:aws:iam::999999999999:user/b"),
      userRow("c", "arn:aws:iam::111122223333:user/teamc"),
    );
    // Act
    const error = await adapter.credentialReport("111122223333").catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(CredentialReportError);
    expect(error).toMatchObject({
      accountId: "111122223333",
      rows: [
        { line: 3, problem: "user b: the ARN names account 999999999999, not 111122223333" },
        { line: 4, problem: "user c: the ARN does not end with /c" },
      ],
    });
    expect((error as Error).message).toBe(
      "the credential report of account 111122223333 could not be read: 2 rows (line 3: user b: the ARN " +
        "names account 999999999999, not 111122223333; line 4: user c: the ARN does not end with /c)",
    );
  });

  it("reads a key's last use with its service and region, N/A as unknown", async () => {
    // Prepare
    const at = new Date("2026-05-01T00:00:00Z");
    iam
      .on(GetAccessKeyLastUsedCommand, { AccessKeyId: "K1" })
      .resolves({ AccessKeyLastUsed: { LastUsedDate: at, ServiceName: "s3", Region: "N/A" } })
      .on(GetAccessKeyLastUsedCommand, { AccessKeyId: "K2" })
      .resolves({ AccessKeyLastUsed: { ServiceName: "N/A", Region: "N/A" } });
    // Act
    const used = await adapter.getAccessKeyLastUse("K1");
    const never = await adapter.getAccessKeyLastUse("K2");
    // Assess
    expect(used).toEqual({ lastUsedAt: at, lastUsedService: "s3" });
    expect(never).toEqual({ lastUsedAt: null });
    expect(await adapter.getAccessKeyLastUsed("K1")).toEqual(at);
  });

  it("follows ListAccessKeys pages, keeping each key's status as IAM gives it", async () => {
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
      });
    // Act
    const keys = await adapter.listAccessKeys("a");
    // Assess
    expect(keys).toEqual([
      { id: "K1", status: "Active", createdAt: created },
      { id: "K2", status: "Inactive", createdAt: created },
      { id: "K3", status: "Expired", createdAt: created },
    ]);
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

  it("counts a key already gone as deleted (a retry after an applied call whose answer was lost)", async () => {
    iam.on(DeleteAccessKeyCommand).rejects(new NoSuchEntityException({ message: "gone", $metadata: {} }));
    await expect(adapter.deleteAccessKey("a", "K1")).resolves.toBeUndefined();
    iam.on(DeleteAccessKeyCommand).rejects(Object.assign(new Error("denied"), { name: "AccessDenied" }));
    await expect(adapter.deleteAccessKey("a", "K1")).rejects.toThrow("AccessDenied");
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
    iam.on(ListAccessKeysCommand).rejects(Object.assign(new Error("Rate exceeded"), { name: "Throttling" }));
    const error = await adapter.listAccessKeys("a").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({
      service: "IAM",
      operation: "ListAccessKeys",
      code: "Throttling",
      retryable: true,
    });
    expect((error as Error).message).toBe("IAM ListAccessKeys failed (Throttling): Rate exceeded");
  });

  it("builds its client with adaptive retries", async () => {
    const config = IamAdapter.create({ region: "eu-west-1", maxAttempts: 7 });
    const client = (config as unknown as { client: IAMClient }).client;
    expect(await client.config.retryStrategy()).toMatchObject({ mode: "adaptive" });
    expect(await client.config.maxAttempts()).toBe(7);
  });
});
