import { createHash } from "node:crypto";
import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { AwsCallError } from "../errors";
import type { JobSink, NoticeSink } from "../messages";
import { type ClientOptions, sdkClient } from "./client-config";
import { call } from "./errors";

const SERVICE = "SQS";

/** One FIFO message: a JSON body, its group and its deduplication id. */
export interface FifoMessage {
  readonly body: string;
  readonly groupId: string;
  readonly deduplicationId: string;
}

export class SqsAdapter {
  constructor(private readonly client: SQSClient) {}

  static create(options?: ClientOptions): SqsAdapter {
    return new SqsAdapter(sdkClient(SQSClient, options));
  }

  /** Sends in batches of ten. @throws AwsCallError naming the entries SQS refused. */
  sendFifo(queueUrl: string, messages: readonly FifoMessage[]): Promise<void> {
    return call(SERVICE, "SendMessageBatch", async () => {
      for (let i = 0; i < messages.length; i += 10) {
        const batch = messages.slice(i, i + 10);
        const out = await this.client.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((m, j) => ({
              Id: String(j),
              MessageBody: m.body,
              MessageGroupId: m.groupId,
              MessageDeduplicationId: m.deduplicationId,
            })),
          }),
        );
        const failed = out.Failed ?? [];
        if (failed.length > 0) {
          const detail = failed
            .map((f) => `${batch[Number(f.Id)]?.groupId}: ${f.Code} ${f.Message ?? ""}`)
            .join("; ");
          throw new AwsCallError(SERVICE, "SendMessageBatch", failed[0]?.Code ?? "Failed", detail);
        }
      }
    });
  }
}

/** FIFO deduplication ids: at most 128 characters. Long ids keep a readable head and a hash. */
function deduplicationId(...parts: string[]): string {
  const id = parts.join(":");
  return id.length <= 128 ? id : `${id.slice(0, 63)}:${createHash("sha256").update(id).digest("hex")}`;
}

/** The `rotation-jobs` queue: one message per account, grouped by account so one account runs at a time. */
export function jobQueue(sqs: SqsAdapter, queueUrl: string): JobSink {
  return {
    sendJobs: (jobs) =>
      sqs.sendFifo(
        queueUrl,
        jobs.map((job) => ({
          body: JSON.stringify(job),
          groupId: job.account.id,
          deduplicationId: deduplicationId(job.runId, job.account.id),
        })),
      ),
  };
}

/** The `notices` queue: one message per outbox entry, grouped by account (one notifier per account at a time). */
export function noticeQueue(sqs: SqsAdapter, queueUrl: string): NoticeSink {
  return {
    sendNotice: (notice) =>
      sqs.sendFifo(queueUrl, [
        {
          body: JSON.stringify(notice),
          groupId: notice.account.id,
          // One id per outbox entry: queuing the same entry again within SQS's five minutes is a no-op.
          deduplicationId: notice.noticeId
            ? deduplicationId(notice.account.id, notice.noticeId)
            : notice.part === 1
              ? deduplicationId(notice.runId, notice.account.id)
              : deduplicationId(notice.runId, notice.account.id, `part${notice.part}`),
        },
      ]),
  };
}
