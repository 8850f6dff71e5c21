import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { AccountOutbox, Announcements, NewOutboxEntry, OutboxEntry } from "../ledger/records";
import { isAwsError } from "./errors";

/** Sent notices stay this long (DynamoDB TTL), so a redriven dead letter still finds them sent. */
const SENT_RETENTION_DAYS = 30;
const ANNOUNCED = "ANNOUNCED";

const pkOf = (accountId: string) => `OUTBOX#${accountId}`;
const noticeKey = (accountId: string, id: string) => ({ pk: pkOf(accountId), sk: `NOTICE#${id}` });

/**
 * The outbox in the ledger table, in a partition of its own per account (`OUTBOX#<id>`), so the
 * rotator's account query never reads notices: one item per notice (`NOTICE#<id>`) and one for the
 * account-level announcements (`ANNOUNCED`). Each method is one DynamoDB call.
 */
export class LedgerOutbox {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async load(accountId: string): Promise<AccountOutbox> {
    const pending: OutboxEntry[] = [];
    let announced: Announcements = {};
    const pages = paginateQuery(
      { client: this.doc },
      {
        TableName: this.tableName,
        KeyConditionExpression: "pk = :pk",
        FilterExpression: "sk = :announced OR #state = :pending",
        ExpressionAttributeNames: { "#state": "state" },
        ExpressionAttributeValues: { ":pk": pkOf(accountId), ":announced": ANNOUNCED, ":pending": "pending" },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        if (item.sk === ANNOUNCED) announced = (item.announced ?? {}) as Announcements;
        else pending.push(entryOf(item));
      }
    }
    return { pending: pending.sort((a, b) => a.id.localeCompare(b.id)), announced };
  }

  async put(accountId: string, entry: NewOutboxEntry): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...noticeKey(accountId, entry.id),
            ...entry,
            state: "pending",
            announced: false,
            delivered: [],
          },
          ConditionExpression: "attribute_not_exists(sk)",
        }),
      );
    } catch (error) {
      if (!isAwsError(error, "ConditionalCheckFailed")) throw error;
    }
  }

  async get(accountId: string, id: string): Promise<OutboxEntry | null> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: noticeKey(accountId, id), ConsistentRead: true }),
    );
    return out.Item ? entryOf(out.Item) : null;
  }

  async change(accountId: string, id: string, change: "announced" | "sent", at = ""): Promise<void> {
    const expiresAt = Math.floor(Date.parse(at) / 1000) + SENT_RETENTION_DAYS * 86_400;
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: noticeKey(accountId, id),
        ConditionExpression: "attribute_exists(sk)",
        ...(change === "announced"
          ? { UpdateExpression: "SET announced = :yes", ExpressionAttributeValues: { ":yes": true } }
          : {
              UpdateExpression: "SET #state = :sent, sentAt = :at, expiresAt = :ttl",
              ExpressionAttributeNames: { "#state": "state" },
              ExpressionAttributeValues: { ":sent": "sent", ":at": at, ":ttl": expiresAt },
            }),
      }),
    );
  }

  async delivered(accountId: string, id: string, email: string): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: noticeKey(accountId, id),
        ConditionExpression: "attribute_exists(sk)",
        UpdateExpression: "SET delivered = list_append(if_not_exists(delivered, :none), :one)",
        ExpressionAttributeValues: { ":none": [], ":one": [email] },
      }),
    );
  }

  async setAccountAnnounced(accountId: string, announced: Announcements): Promise<void> {
    await this.doc.send(
      new PutCommand({ TableName: this.tableName, Item: { pk: pkOf(accountId), sk: ANNOUNCED, announced } }),
    );
  }
}

function entryOf(item: Record<string, unknown>): OutboxEntry {
  return {
    id: String(item.id),
    notice: String(item.notice),
    announcements: String(item.announcements ?? "{}"),
    createdAt: String(item.createdAt),
    state: item.state === "sent" ? "sent" : "pending",
    announced: item.announced === true,
    delivered: Array.isArray(item.delivered) ? item.delivered.map(String) : [],
    ...(typeof item.sentAt === "string" ? { sentAt: item.sentAt } : {}),
  };
}
