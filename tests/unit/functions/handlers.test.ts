import { readFileSync } from "node:fs";
import {
  GenerateCredentialReportCommand,
  GetAccountAuthorizationDetailsCommand,
  GetCredentialReportCommand,
  IAMClient,
  ListAccessKeysCommand,
} from "@aws-sdk/client-iam";
import {
  DescribeAccountCommand,
  ListParentsCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { ListSecretsCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SESClient, SendEmailCommand } from "@aws-sdk/client-ses";
import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { lambdaContext, scheduledEvent } from "../../support/org-fixture";

const iam = mockClient(IAMClient);
const secrets = mockClient(SecretsManagerClient);
const sts = mockClient(STSClient);
const ses = mockClient(SESClient);
const sqs = mockClient(SQSClient);
const orgs = mockClient(OrganizationsClient);
const ledger = mockClient(DynamoDBDocumentClient);
const logged: string[] = [];
/** The structured error lines the handlers printed, parsed. */
const errors = () => logged.map((line) => JSON.parse(line) as Record<string, unknown>);

type SqsHandler = (event: SQSEvent, context: unknown) => Promise<SQSBatchResponse>;
let rotator: SqsHandler;
let notifier: SqsHandler;
let scheduler: (event: unknown, context: unknown) => Promise<unknown>;

const record = (messageId: string, body: string): SQSRecord => ({
  messageId,
  receiptHandle: `rh-${messageId}`,
  body,
  attributes: {} as SQSRecord["attributes"],
  messageAttributes: {},
  md5OfBody: "",
  eventSource: "aws:sqs",
  eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:q.fifo",
  awsRegion: "us-east-1",
});
const account = { id: "111122223333", name: "Prod", email: "owner@example.com" };
const REPORT_HEADER =
  "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";
/** The IAM credential report of an account, as IAM serves it. */
function credentialReport(rows: string[]) {
  iam.on(GenerateCredentialReportCommand).resolves({ State: "COMPLETE" });
  iam
    .on(GetCredentialReportCommand)
    .resolves({ Content: new TextEncoder().encode([REPORT_HEADER, ...rows].join("\n")) });
}
const job = { version: 1, runId: "run-1", asOf: "2026-06-01T06:00:00.000Z", account };

/** Organizations as the rotator and notifier see it: the job's account, ACTIVE, under the root. */
function organization() {
  orgs.on(DescribeAccountCommand).resolves({
    Account: { Id: account.id, Name: "Prod", Email: account.email, State: "ACTIVE" },
  });
  orgs.on(ListParentsCommand).resolves({ Parents: [{ Id: "r-root", Type: "ROOT" }] });
  ledger.onAnyCommand().resolves({});
  ledger.on(QueryCommand).resolves({ Items: [] });
}

beforeAll(async () => {
  // The handlers' clock: a few minutes after the run's instant, as when the schedule fires.
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date("2026-06-01T06:03:00Z"));
  vi.stubEnv("AWS_REGION", "us-east-1");
  vi.stubEnv("KEYROTOR_SENDER_EMAIL", "keyrotor@example.com");
  vi.stubEnv("JOBS_QUEUE_URL", "https://sqs/jobs.fifo");
  vi.stubEnv("NOTICES_QUEUE_URL", "https://sqs/notices.fifo");
  vi.stubEnv("POWERTOOLS_DEV", "true");
  vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void logged.push(args.join(" ")));
  vi.spyOn(console, "info").mockImplementation(() => undefined);
  rotator = (await import("../../../functions/rotator")).handler as unknown as SqsHandler;
  notifier = (await import("../../../functions/notifier")).handler as unknown as SqsHandler;
  scheduler = (await import("../../../functions/scheduler")).handler as never;
});

beforeEach(() => {
  for (const mock of [iam, secrets, sts, ses, sqs, orgs, ledger]) mock.reset();
  organization();
  logged.length = 0;
});

describe("rotator handler (middy, partial batch failure)", () => {
  it("fails only the malformed record of a batch, and names what is wrong in the log", async () => {
    // Prepare: an account with no users
    sts.on(AssumeRoleCommand).resolves({
      Credentials: { AccessKeyId: "A", SecretAccessKey: "S", SessionToken: "T", Expiration: new Date() },
    });
    credentialReport([]);
    secrets.on(ListSecretsCommand).resolves({ SecretList: [] });
    // Act
    const response = await rotator(
      { Records: [record("good", JSON.stringify(job)), record("bad", '{"version":1}')] },
      lambdaContext("rotator"),
    );
    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: "bad" }] });
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: "arn:aws:iam::111122223333:role/keyrotor-member",
      RoleSessionName: "keyrotor-run-1",
    });
    expect(errors()).toContainEqual(
      expect.objectContaining({
        message: "record failed",
        service: "keyrotor",
        messageId: "bad",
        error: {
          name: "MessageFormatError",
          message: expect.stringMatching(/^rotation-jobs message is malformed/),
        },
      }),
    );
  });

  it("fails the record of an account whose role cannot be assumed", async () => {
    sts.on(AssumeRoleCommand).rejects(Object.assign(new Error("not authorized"), { name: "AccessDenied" }));
    const response = await rotator(
      { Records: [record("denied", JSON.stringify(job))] },
      lambdaContext("rotator"),
    );
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: "denied" }] });
    expect(errors()).toContainEqual(
      expect.objectContaining({
        messageId: "denied",
        error: { name: "AwsCallError", message: "STS AssumeRole failed (AccessDenied): not authorized" },
      }),
    );
  });
});

describe("rotator handler: a job is never trusted", () => {
  it.each([
    ["from the future", { ...job, asOf: "2026-06-01T07:00:00.000Z" }, /ahead of this clock/],
    ["a week old", { ...job, asOf: "2026-05-25T06:00:00.000Z" }, /more than maxJobAgeHours \(24\)/],
  ])("refuses a job %s before opening the account", async (_, forged, why) => {
    // Act
    const response = await rotator(
      { Records: [record("forged", JSON.stringify(forged))] },
      lambdaContext("rotator"),
    );
    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: "forged" }] });
    expect(errors()).toContainEqual(
      expect.objectContaining({
        error: { name: "MessageRefusedError", message: expect.stringMatching(why) },
      }),
    );
    expect(sts).not.toHaveReceivedCommand(AssumeRoleCommand);
  });

  it("refuses a job for an account Organizations says is suspended", async () => {
    orgs.on(DescribeAccountCommand).resolves({
      Account: { Id: account.id, Name: "Prod", Email: account.email, State: "SUSPENDED" },
    });
    const response = await rotator(
      { Records: [record("gone", JSON.stringify(job))] },
      lambdaContext("rotator"),
    );
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: "gone" }] });
    expect(errors()).toContainEqual(
      expect.objectContaining({
        error: { name: "MessageRefusedError", message: expect.stringContaining("not active (SUSPENDED)") },
      }),
    );
    expect(sts).not.toHaveReceivedCommand(AssumeRoleCommand);
  });
});

describe("rotator handler: time budget and event shape", () => {
  it("stops before the Lambda's time runs out and fails the record so the rest is retried", async () => {
    sts.on(AssumeRoleCommand).resolves({
      Credentials: { AccessKeyId: "A", SecretAccessKey: "S", SessionToken: "T", Expiration: new Date() },
    });
    credentialReport([
      "a,arn:aws:iam::111122223333:user/a,2025-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2025-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
    ]);
    iam
      .on(GetAccountAuthorizationDetailsCommand)
      .resolves({ UserDetailList: [{ UserName: "a", Arn: "arn:aws:iam::111122223333:user/a" }] });
    secrets.on(ListSecretsCommand).resolves({ SecretList: [] });
    const shortOnTime = { ...lambdaContext("rotator"), getRemainingTimeInMillis: () => 5_000 };
    const response = await rotator({ Records: [record("late", JSON.stringify(job))] }, shortOnTime);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: "late" }] });
    expect(errors()).toContainEqual(
      expect.objectContaining({
        messageId: "late",
        error: {
          name: "TimeBudgetError",
          message:
            "account 111122223333: stopped before the time limit with 1 of 1 users left; the job will run again for them",
        },
      }),
    );
    expect(iam).not.toHaveReceivedCommand(ListAccessKeysCommand);
  });

  it.each(["rotator", "notifier"])(
    "the %s refuses an event that is not an SQS event, naming what it got",
    async (name) => {
      const handler = name === "rotator" ? rotator : notifier;
      await expect(handler({ hello: "world" } as never, lambdaContext(name))).rejects.toThrow(
        `${name} expects an SQS event with Records; got an object with keys hello`,
      );
    },
  );
});

describe("notifier handler", () => {
  const notice = {
    version: 1,
    runId: "run-1",
    mode: "enforce",
    asOf: job.asOf,
    account,
    users: [{ userName: "a", events: [{ kind: "deleted", keyId: "K" }], upcoming: [] }],
    omittedUsers: 0,
    part: 1,
    noticeId: "n-1",
  };
  /** The outbox entry the ledger holds for the notice. */
  const entry = (state: "pending" | "sent") => ({
    Item: {
      id: "n-1",
      notice: JSON.stringify(notice),
      announcements: "{}",
      createdAt: job.asOf,
      state,
      announced: true,
      delivered: [],
    },
  });
  beforeEach(() => {
    ledger.on(GetCommand).resolves(entry("pending"));
  });

  it("delivers only a notice the ledger's outbox holds, once, and marks it sent", async () => {
    // Prepare
    ses.on(SendEmailCommand).resolves({ MessageId: "m" });
    const forged = { ...notice, noticeId: "made-up" };
    ledger.on(GetCommand, { Key: { pk: "OUTBOX#111122223333", sk: "NOTICE#made-up" } }).resolves({});
    // Act
    const response = await notifier(
      { Records: [record("n1", JSON.stringify(notice)), record("f1", JSON.stringify(forged))] },
      lambdaContext("notifier"),
    );
    ledger.on(GetCommand).resolves(entry("sent"));
    const again = await notifier(
      { Records: [record("n1", JSON.stringify(notice))] },
      lambdaContext("notifier"),
    );
    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: "f1" }] });
    expect(again).toEqual({ batchItemFailures: [] });
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 1);
    expect(ledger).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: "OUTBOX#111122223333", sk: "NOTICE#n-1" },
      ExpressionAttributeValues: expect.objectContaining({ ":sent": "sent" }),
    });
    expect(errors()).toContainEqual(
      expect.objectContaining({
        error: expect.objectContaining({
          message: expect.stringMatching(/made-up .* not in the ledger's outbox/),
        }),
      }),
    );
  });

  it("sends the email and reports no failure", async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: "m" });
    const response = await notifier(
      { Records: [record("n1", JSON.stringify(notice))] },
      lambdaContext("notifier"),
    );
    expect(response).toEqual({ batchItemFailures: [] });
    expect(ses).toHaveReceivedCommandWith(SendEmailCommand, { Source: "keyrotor@example.com" });
  });

  it("an SES refusal fails the record (retried, then dead-lettered) with a named, logged error", async () => {
    ses
      .on(SendEmailCommand)
      .rejects(Object.assign(new Error("Email address not verified"), { name: "MessageRejected" }));
    const response = await notifier(
      { Records: [record("n2", JSON.stringify(notice))] },
      lambdaContext("notifier"),
    );
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: "n2" }] });
    expect(errors()).toContainEqual(
      expect.objectContaining({
        messageId: "n2",
        error: expect.objectContaining({
          name: "NoticeDeliveryError",
          message: expect.stringMatching(/^SES refused the notice for account 111122223333/),
        }),
      }),
    );
  });
});

describe("scheduler handler: AWS Config compliance changes (event-driven rotation)", () => {
  const sample = JSON.parse(readFileSync("tests/fixtures/config-compliance-change.json", "utf8"));

  it("enqueues a job for the non-compliant account at once, timed by the event", async () => {
    vi.setSystemTime(new Date("2026-06-01T10:16:00Z"));
    orgs.on(DescribeAccountCommand, { AccountId: "111122223333" }).resolves({
      Account: { Id: "111122223333", Name: "Prod", Email: "owner@example.com", Status: "ACTIVE" },
    });
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const summary = await scheduler(sample, lambdaContext("scheduler"));
    expect(summary).toMatchObject({ runId: sample.id, asOf: "2026-06-01T10:15:42.000Z", jobs: 1 });
    const entry = sqs.commandCalls(SendMessageBatchCommand)[0]?.args[0].input.Entries?.[0];
    expect(JSON.parse(entry?.MessageBody ?? "{}")).toEqual({
      version: 1,
      runId: sample.id,
      asOf: "2026-06-01T10:15:42.000Z",
      account: { id: "111122223333", name: "Prod", email: "owner@example.com" },
    });
    expect(entry?.MessageGroupId).toBe("111122223333");
  });

  it("ignores a change to COMPLIANT", async () => {
    vi.setSystemTime(new Date("2026-06-01T10:16:00Z"));
    const compliant = structuredClone(sample);
    compliant.detail.newEvaluationResult.complianceType = "COMPLIANT";
    await expect(scheduler(compliant, lambdaContext("scheduler"))).resolves.toEqual({
      ignored: "OrgConfigRule-keyrotor-access-keys-rotated-a1b2c3d4 is COMPLIANT for 111122223333",
    });
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
  });

  it("refuses an event whose detail names another account than the one that sent it, enqueuing nothing", async () => {
    // Prepare: a member account's forwarding role puts an event asking for another account's run.
    vi.setSystemTime(new Date("2026-06-01T10:16:00Z"));
    const forged = structuredClone(sample);
    forged.account = "444455556666";

    // Act
    const run = scheduler(forged, lambdaContext("scheduler"));

    // Assess
    await expect(run).rejects.toThrow(
      "Config event 0c1b4e8a-7d6f-4a5e-9b8c-3f2e1d0c9b8a from account 444455556666 names account 111122223333: refused",
    );
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
    expect(orgs).not.toHaveReceivedCommand(DescribeAccountCommand);
  });

  it("names what is wrong with a malformed Config event", async () => {
    const broken = structuredClone(sample);
    broken.detail.awsAccountId = "me";
    await expect(scheduler(broken, lambdaContext("scheduler"))).rejects.toThrow(
      /Config compliance event message is malformed: detail.awsAccountId: must be a 12-digit account id/,
    );
  });
});

describe("scheduler handler", () => {
  it("refuses an event that is not an EventBridge scheduled event, saying so", async () => {
    await expect(scheduler({ hello: "world" }, lambdaContext("scheduler"))).rejects.toThrow(
      /schedule event message is malformed: .*detail-type/,
    );
  });

  it.each([
    ["from the future", "2026-06-03T06:00:00Z", /ahead of this clock/],
    ["days old", "2026-05-20T06:00:00Z", /more than maxJobAgeHours \(24\)/],
  ])("refuses a scheduled event %s before listing any account", async (_, time, why) => {
    // Prepare: the handler's clock reads 2026-06-01 (whatever an earlier test set, set it again).
    vi.setSystemTime(new Date("2026-06-01T06:03:00Z"));
    const { ListAccountsCommand } = await import("@aws-sdk/client-organizations");
    // Act / Assess
    await expect(scheduler(scheduledEvent(new Date(time)), lambdaContext("scheduler"))).rejects.toThrow(why);
    expect(orgs).not.toHaveReceivedCommand(ListAccountsCommand);
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
  });

  it("accepts the scheduled event shape", async () => {
    const { ListAccountsCommand } = await import("@aws-sdk/client-organizations");
    orgs.on(ListAccountsCommand).resolves({ Accounts: [] });
    await expect(
      scheduler(scheduledEvent(new Date("2026-06-01T06:00:00Z")), lambdaContext("scheduler")),
    ).resolves.toMatchObject({
      asOf: "2026-06-01T06:00:00.000Z",
      jobs: 0,
    });
  });
});
