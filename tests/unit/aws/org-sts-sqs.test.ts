import {
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { memberAccountOpener, memberRoleArn } from "../../../shared/aws/member-account";
import { OrganizationsAdapter } from "../../../shared/aws/organizations";
import { jobQueue, noticeQueue, SqsAdapter } from "../../../shared/aws/sqs";
import { StsAdapter, sessionName } from "../../../shared/aws/sts";
import { AwsCallError } from "../../../shared/errors";
import type { RotationJob } from "../../../shared/messages";

const orgs = mockClient(OrganizationsClient);
const sqs = mockClient(SQSClient);
const sts = mockClient(STSClient);
beforeEach(() => {
  orgs.reset();
  sqs.reset();
  sts.reset();
});

describe("OrganizationsAdapter", () => {
  const adapter = new OrganizationsAdapter(new OrganizationsClient({ region: "us-east-1" }));

  it("pages through accounts and reads the newer State field before the older Status", async () => {
    orgs
      .on(ListAccountsCommand, { NextToken: undefined })
      .resolves({ Accounts: [{ Id: "1", Name: "a", Email: "a@x", Status: "ACTIVE" }], NextToken: "n" })
      .on(ListAccountsCommand, { NextToken: "n" })
      .resolves({
        Accounts: [{ Id: "2", Name: "b", Email: "b@x", Status: "ACTIVE", State: "CLOSED" } as never],
      });
    expect(await adapter.listAccounts()).toEqual([
      { id: "1", name: "a", email: "a@x", state: "ACTIVE" },
      { id: "2", name: "b", email: "b@x", state: "CLOSED" },
    ]);
  });

  it("finds accounts in nested OUs", async () => {
    orgs
      .on(ListAccountsForParentCommand, { ParentId: "ou-top" })
      .resolves({ Accounts: [{ Id: "1" }] })
      .on(ListAccountsForParentCommand, { ParentId: "ou-child" })
      .resolves({ Accounts: [{ Id: "2" }] })
      .on(ListAccountsForParentCommand, { ParentId: "ou-grandchild" })
      .resolves({ Accounts: [{ Id: "3" }] })
      .on(ListOrganizationalUnitsForParentCommand, { ParentId: "ou-top" })
      .resolves({ OrganizationalUnits: [{ Id: "ou-child" }] })
      .on(ListOrganizationalUnitsForParentCommand, { ParentId: "ou-child" })
      .resolves({ OrganizationalUnits: [{ Id: "ou-grandchild" }] })
      .on(ListOrganizationalUnitsForParentCommand, { ParentId: "ou-grandchild" })
      .resolves({ OrganizationalUnits: [] });
    expect(await adapter.listAccountIdsUnder("ou-top")).toEqual(new Set(["1", "2", "3"]));
  });

  it("tells how deep under an OU each account is, walking down with the scope's calls, never ListParents", async () => {
    // Prepare
    orgs
      .on(ListAccountsForParentCommand, { ParentId: "ou-top" })
      .resolves({ Accounts: [{ Id: "1" }] })
      .on(ListAccountsForParentCommand, { ParentId: "ou-child" })
      .resolves({ Accounts: [{ Id: "2" }] })
      .on(ListAccountsForParentCommand, { ParentId: "ou-grandchild" })
      .resolves({ Accounts: [{ Id: "3" }] })
      .on(ListOrganizationalUnitsForParentCommand, { ParentId: "ou-top" })
      .resolves({ OrganizationalUnits: [{ Id: "ou-child" }] })
      .on(ListOrganizationalUnitsForParentCommand, { ParentId: "ou-child" })
      .resolves({ OrganizationalUnits: [{ Id: "ou-grandchild" }] })
      .on(ListOrganizationalUnitsForParentCommand, { ParentId: "ou-grandchild" })
      .resolves({ OrganizationalUnits: [] });
    // Act
    const depths = await adapter.accountDepthsUnder("ou-top");
    // Assess
    expect(depths).toEqual(
      new Map([
        ["1", 1],
        ["2", 2],
        ["3", 3],
      ]),
    );
    expect(orgs).toHaveReceivedCommandTimes(ListParentsCommand, 0);
  });
});

describe("SQS job queue", () => {
  const job = (id: string): RotationJob => ({
    version: 1,
    runId: "run-1",
    asOf: "2026-06-01T06:00:00.000Z",
    account: { id, name: id, email: `${id}@example.com` },
  });

  it("sends FIFO batches of ten, grouped by account, deduplicated by run and account", async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const jobs = Array.from({ length: 25 }, (_, i) => job(String(100000000000 + i)));
    await jobQueue(new SqsAdapter(new SQSClient({ region: "us-east-1" })), "https://q").sendJobs(jobs);
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 3);
    const first = sqs.commandCalls(SendMessageBatchCommand)[0]?.args[0].input.Entries?.[0];
    expect(first).toMatchObject({
      MessageGroupId: "100000000000",
      MessageDeduplicationId: "run-1:100000000000",
      MessageBody: JSON.stringify(jobs[0]),
    });
  });

  it("deduplicates a notice by run and account, and a retried job's later parts apart", async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const sink = noticeQueue(new SqsAdapter(new SQSClient({ region: "us-east-1" })), "https://n");
    const notice = {
      version: 1 as const,
      runId: "run-1",
      mode: "enforce" as const,
      asOf: "2026-06-01T06:00:00.000Z",
      account: { id: "111122223333", name: "p", email: "p@example.com" },
      users: [],
      omittedUsers: 0,
    };
    await sink.sendNotice({ ...notice, part: 1 });
    await sink.sendNotice({ ...notice, part: 2 });
    const ids = sqs
      .commandCalls(SendMessageBatchCommand)
      .map((c) => c.args[0].input.Entries?.[0]?.MessageDeduplicationId);
    expect(ids).toEqual(["run-1:111122223333", "run-1:111122223333:part2"]);
  });

  it("fails loudly when SQS refuses an entry", async () => {
    sqs.on(SendMessageBatchCommand).resolves({
      Successful: [],
      Failed: [{ Id: "0", Code: "InvalidParameterValue", SenderFault: true, Message: "bad" }],
    });
    const sink = jobQueue(new SqsAdapter(new SQSClient({ region: "us-east-1" })), "https://q");
    await expect(sink.sendJobs([job("111111111111")])).rejects.toThrow(AwsCallError);
  });
});

describe("member accounts", () => {
  it("assumes the member role with a session name naming keyrotor and the run", async () => {
    sts.on(AssumeRoleCommand).resolves({
      Credentials: { AccessKeyId: "ASIA", SecretAccessKey: "s", SessionToken: "t", Expiration: new Date() },
    });
    const open = memberAccountOpener(new StsAdapter(new STSClient({ region: "us-east-1" })), {
      partition: "aws-us-gov",
      roleName: "keyrotor-member",
    });
    const ports = await open("111122223333", "8c6e7d1a-2b3c-4d5e-9f00-aabbccddeeff");
    expect(ports.iam).toBeDefined();
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: "arn:aws-us-gov:iam::111122223333:role/keyrotor-member",
      RoleSessionName: "keyrotor-8c6e7d1a-2b3c-4d5e-9f00-aabbccddeeff",
    });
  });

  it("keeps session names within IAM's rules", () => {
    expect(sessionName("keyrotor", "a b/c:d")).toBe("keyrotor-a-b-c-d");
    expect(sessionName("keyrotor", "x".repeat(100))).toHaveLength(64);
    expect(memberRoleArn({ partition: "aws", roleName: "r" }, "1")).toBe("arn:aws:iam::1:role/r");
  });
});
