/**
 * A Lambda-like harness over moto: the two FIFO queues with their dead-letter queues, messages received
 * as SQS event records, the events the scheduler is invoked with, and a Lambda context. Used by the e2e
 * tests (through tests/support/org-fixture.ts) and the bench.
 */
import { randomUUID } from "node:crypto";
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { Context, ScheduledEvent, SQSRecord } from "aws-lambda";
import { MANAGEMENT_ACCOUNT } from "./emulator";
import { MOTO_CREDENTIALS } from "./moto";

const config = { region: "us-east-1", credentials: MOTO_CREDENTIALS };

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

/** A received SQS message as the Lambda event source mapping hands it to a function. */
function toRecord(m: Message, queueUrl: string): SQSRecord {
  return {
    messageId: m.MessageId ?? "",
    receiptHandle: m.ReceiptHandle ?? "",
    body: m.Body ?? "",
    attributes: m.Attributes as unknown as SQSRecord["attributes"],
    messageAttributes: {},
    md5OfBody: m.MD5OfBody ?? "",
    eventSource: "aws:sqs",
    eventSourceARN: `arn:aws:sqs:us-east-1:${MANAGEMENT_ACCOUNT}:${queueUrl.split("/").pop()}`,
    awsRegion: "us-east-1",
  };
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
      records.push(toRecord(m, queueUrl));
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
    }
  }
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

/**
 * AWS Health's exposed-credentials event, as EventBridge delivers it (the format AWS documents): raised
 * in `account`, naming the keys in `affectedEntities`.
 */
export function healthEvent(
  account: string,
  keyIds: readonly string[],
  time: Date,
  id: string = randomUUID(),
) {
  return {
    version: "0",
    id,
    "detail-type": "AWS Health Event",
    source: "aws.health",
    account,
    time: time.toISOString(),
    region: "us-east-1",
    resources: [],
    detail: {
      eventArn: `arn:aws:health:global::event/RISK/AWS_RISK_CREDENTIALS_EXPOSED/AWS_RISK_CREDENTIALS_EXPOSED_${id}`,
      service: "RISK",
      eventTypeCode: "AWS_RISK_CREDENTIALS_EXPOSED",
      eventTypeCategory: "issue",
      startTime: time.toUTCString(),
      eventDescription: [
        { language: "en_US", latestDescription: "Your AWS access key was found publicly available." },
      ],
      affectedEntities: keyIds.map((entityValue) => ({ entityValue })),
    },
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

/**
 * Delivers the queue's messages to `handler` as Lambda's event source mapping does: one receive at a
 * time, deleting a message only when the handler did not report it failed. Stops when the queue is
 * empty or after `maxReceives` receives. Returns how many deliveries failed.
 */
export async function deliverLikeLambda(
  queueUrl: string,
  handler: (event: { Records: SQSRecord[] }) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>,
  maxReceives = 10,
): Promise<number> {
  const sqs = new SQSClient(config);
  let failures = 0;
  for (let i = 0; i < maxReceives; i++) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 1,
        MessageSystemAttributeNames: ["All"],
      }),
    );
    const m = out.Messages?.[0];
    if (!m) return failures;
    const record = toRecord(m, queueUrl);
    const response = await handler({ Records: [record] });
    if (response.batchItemFailures.length > 0) failures++;
    else await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
  }
  return failures;
}

export async function messagesOn(queueUrl: string): Promise<number> {
  const out = await new SQSClient(config).send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }),
  );
  return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
}
