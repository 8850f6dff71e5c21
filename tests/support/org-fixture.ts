import { randomUUID } from "node:crypto";
import {
  CloseAccountCommand,
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { SESClient, VerifyEmailIdentityCommand } from "@aws-sdk/client-ses";
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import type { Context, ScheduledEvent, SQSRecord } from "aws-lambda";
import { adminClients } from "./account-fixture";
import { MOTO_CREDENTIALS } from "./moto";

export const MANAGEMENT_ACCOUNT = "123456789012";
const config = { region: "us-east-1", credentials: MOTO_CREDENTIALS };

/** SDK clients acting inside `accountId`, through AssumeRole as moto maps it. */
export async function clientsIn(accountId: string) {
  const sts = new STSClient(config);
  const out = await sts.send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${accountId}:role/OrganizationAccountAccessRole`,
      RoleSessionName: "test-admin",
    }),
  );
  const c = out.Credentials;
  return adminClients({
    accessKeyId: c?.AccessKeyId ?? "",
    secretAccessKey: c?.SecretAccessKey ?? "",
    sessionToken: c?.SessionToken ?? "",
  });
}

export interface Organization {
  readonly id: string;
  readonly accounts: Record<string, { id: string; email: string }>;
  readonly ous: Record<string, string>;
}

/**
 * An organization with the management account and members: `names` become ACTIVE accounts in the
 * given OU path (created as needed under the root); `closed` names are created then closed.
 */
export async function createOrganization(
  members: { name: string; ouPath?: string[]; closed?: boolean }[],
): Promise<Organization> {
  const orgs = new OrganizationsClient(config);
  const created = await orgs.send(new CreateOrganizationCommand({ FeatureSet: "ALL" }));
  const rootId = (await orgs.send(new ListRootsCommand({}))).Roots?.[0]?.Id ?? "";
  const ous: Record<string, string> = {};
  const accounts: Organization["accounts"] = {
    management: { id: MANAGEMENT_ACCOUNT, email: created.Organization?.MasterAccountEmail ?? "" },
  };
  for (const member of members) {
    let parent = rootId;
    for (const name of member.ouPath ?? []) {
      ous[name] ??=
        (await orgs.send(new CreateOrganizationalUnitCommand({ ParentId: parent, Name: name })))
          .OrganizationalUnit?.Id ?? "";
      parent = ous[name] ?? parent;
    }
    const email = `${member.name.toLowerCase()}-owner@example.com`;
    const status = await orgs.send(new CreateAccountCommand({ AccountName: member.name, Email: email }));
    const id = status.CreateAccountStatus?.AccountId ?? "";
    if (parent !== rootId)
      await orgs.send(
        new MoveAccountCommand({ AccountId: id, SourceParentId: rootId, DestinationParentId: parent }),
      );
    if (member.closed) await orgs.send(new CloseAccountCommand({ AccountId: id }));
    accounts[member.name] = { id, email };
  }
  return { id: created.Organization?.Id ?? "", accounts, ous };
}

/** The two FIFO queues with their dead-letter queues, as serverless.yml declares them. */
export async function createQueues() {
  const sqs = new SQSClient(config);
  const make = async (name: string) => {
    const dlq = await sqs.send(
      new CreateQueueCommand({ QueueName: `${name}-dlq.fifo`, Attributes: { FifoQueue: "true" } }),
    );
    const dlqArn = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ["QueueArn"] }))
    ).Attributes?.QueueArn;
    const queue = await sqs.send(
      new CreateQueueCommand({
        QueueName: `${name}.fifo`,
        Attributes: {
          FifoQueue: "true",
          VisibilityTimeout: "0",
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 3 }),
        },
      }),
    );
    return { url: queue.QueueUrl ?? "", dlqUrl: dlq.QueueUrl ?? "" };
  };
  return { jobs: await make("rotation-jobs"), notices: await make("notices") };
}

/** Receives every message now on the queue as Lambda's SQS event records (and deletes them, as Lambda would after success). */
export async function drain(queueUrl: string): Promise<SQSRecord[]> {
  const sqs = new SQSClient(config);
  const records: SQSRecord[] = [];
  for (;;) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ["All"],
      }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) return records;
    for (const m of messages) {
      records.push({
        messageId: m.MessageId ?? "",
        receiptHandle: m.ReceiptHandle ?? "",
        body: m.Body ?? "",
        attributes: m.Attributes as unknown as SQSRecord["attributes"],
        messageAttributes: {},
        md5OfBody: m.MD5OfBody ?? "",
        eventSource: "aws:sqs",
        eventSourceARN: `arn:aws:sqs:us-east-1:${MANAGEMENT_ACCOUNT}:${queueUrl.split("/").pop()}`,
        awsRegion: "us-east-1",
      });
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
    }
  }
}

export async function verifySender(address: string): Promise<void> {
  await new SESClient(config).send(new VerifyEmailIdentityCommand({ EmailAddress: address }));
}

/** An EventBridge scheduled event, as the daily rule delivers it. */
export function scheduledEvent(time: Date): ScheduledEvent {
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: MANAGEMENT_ACCOUNT,
    time: time.toISOString(),
    region: "us-east-1",
    resources: [`arn:aws:events:us-east-1:${MANAGEMENT_ACCOUNT}:rule/keyrotor-prod-scheduler`],
    detail: {},
  };
}

export function lambdaContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:us-east-1:${MANAGEMENT_ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: "1024",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "test",
    getRemainingTimeInMillis: () => 900_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export interface SentEmail {
  source: string;
  subject: string;
  body: string;
  destinations: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
}

/** Emails moto's SES accepted, in order. */
export async function sentEmails(endpoint: string): Promise<SentEmail[]> {
  const data = (await (await fetch(`${endpoint}/moto-api/data.json`)).json()) as {
    ses?: { Message?: SentEmail[] };
  };
  return data.ses?.Message ?? [];
}
