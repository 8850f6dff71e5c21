import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  UpdateContinuousBackupsCommand,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand, paginateQuery, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { CopyLedger, CopyPlace, CopyRecord } from "../destinations/copy-ledger";
import { AwsCallError, LedgerMissingError } from "../errors";
import type {
  AccountLedger,
  AccountOutbox,
  AccountRecord,
  Announcements,
  DeliveryRecord,
  IncidentRecord,
  LedgerPort,
  NewOutboxEntry,
  OutboxEntry,
  OutboxPort,
  PendingCreation,
  QuietPeriod,
  RecordedKey,
  SecretRecord,
  UserRecord,
} from "../ledger/records";
import { withDeadlineOf } from "./call-deadline";
import { type ClientOptions, sdkClient } from "./client-config";
import { call, isAwsError } from "./errors";
import { LedgerCopies } from "./ledger-copies";
import { LedgerOutbox } from "./ledger-outbox";

const SERVICE = "DynamoDB";

const pkOf = (accountId: string) => `ACCOUNT#${accountId}`;
const userKey = (accountId: string, userName: string) => ({ pk: pkOf(accountId), sk: `USER#${userName}` });

/**
 * The ledger in DynamoDB: one partition per account (`ACCOUNT#<id>`), one item per user
 * (`USER#<name>`) and one for the account's last run (`RUN`). Every read of an account is one query.
 */
export class LedgerAdapter implements LedgerPort, OutboxPort, CopyLedger {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    private readonly client: DynamoDBClient,
    readonly tableName: string,
  ) {
    // The document client sends through a `send` of its own: it gets the deadline of `client`.
    this.doc = withDeadlineOf(
      DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
      client,
    );
  }

  static create(tableName: string, options?: ClientOptions): LedgerAdapter {
    return new LedgerAdapter(sdkClient(DynamoDBClient, options), tableName);
  }

  /** @throws LedgerMissingError naming the table and how to create it. */
  async checkTable(): Promise<void> {
    await this.call("DescribeTable", () =>
      this.client.send(new DescribeTableCommand({ TableName: this.tableName })),
    );
  }

  /** Creates the table (on-demand, point-in-time recovery on) unless it exists. Idempotent. */
  ensureTable(): Promise<"created" | "exists"> {
    return call(SERVICE, "CreateTable", async () => {
      let outcome: "created" | "exists" = "created";
      try {
        await this.client.send(
          new CreateTableCommand({
            TableName: this.tableName,
            BillingMode: "PAY_PER_REQUEST",
            AttributeDefinitions: [
              { AttributeName: "pk", AttributeType: "S" },
              { AttributeName: "sk", AttributeType: "S" },
            ],
            KeySchema: [
              { AttributeName: "pk", KeyType: "HASH" },
              { AttributeName: "sk", KeyType: "RANGE" },
            ],
            SSESpecification: { Enabled: true },
          }),
        );
      } catch (error) {
        if (!isAwsError(error, "ResourceInUseException")) throw error;
        outcome = "exists";
      }
      await waitUntilTableExists({ client: this.client, maxWaitTime: 120 }, { TableName: this.tableName });
      await this.client.send(
        new UpdateContinuousBackupsCommand({
          TableName: this.tableName,
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        }),
      );
      return outcome;
    });
  }

  loadAccount(accountId: string): Promise<AccountLedger> {
    return this.call("Query", async () => {
      const users = new Map<string, UserRecord>();
      let account: AccountRecord | null = null;
      const pages = paginateQuery(
        { client: this.doc },
        {
          TableName: this.tableName,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": pkOf(accountId) },
          ConsistentRead: true,
        },
      );
      for await (const page of pages) {
        for (const item of page.Items ?? []) {
          if (item.sk === "RUN") {
            const { pk: _pk, sk: _sk, ...run } = item;
            account = run as AccountRecord;
          } else if (typeof item.sk === "string" && item.sk.startsWith("USER#")) {
            const { pk: _pk, sk: _sk, ...record } = item;
            users.set(record.userName, record as UserRecord);
          }
        }
      }
      return { users, account };
    });
  }

  putSecret(accountId: string, userName: string, secret: SecretRecord): Promise<void> {
    return this.update(accountId, userName, { set: { secret } });
  }

  markPending(accountId: string, userName: string, pending: PendingCreation): Promise<void> {
    return this.update(accountId, userName, { set: { pending } });
  }

  recordKey(
    accountId: string,
    userName: string,
    recorded: RecordedKey,
    history?: readonly RecordedKey[],
    secret?: SecretRecord,
  ): Promise<void> {
    return this.update(accountId, userName, {
      set: { recorded, ...(history ? { history } : {}), ...(secret ? { secret } : {}) },
      remove: ["pending"],
    });
  }

  setDelivery(accountId: string, userName: string, delivery: DeliveryRecord | null): Promise<void> {
    return this.update(accountId, userName, delivery ? { set: { delivery } } : { remove: ["delivery"] });
  }

  setRetired(accountId: string, userName: string, retired: Readonly<Record<string, string>>): Promise<void> {
    return this.update(accountId, userName, { set: { retired } });
  }

  clearPending(accountId: string, userName: string, secret?: SecretRecord): Promise<void> {
    return this.update(accountId, userName, { ...(secret ? { set: { secret } } : {}), remove: ["pending"] });
  }

  setOwner(accountId: string, userName: string, owner: string | null): Promise<void> {
    return this.update(accountId, userName, owner === null ? { remove: ["owner"] } : { set: { owner } });
  }

  setQuiet(accountId: string, userName: string, quiet: QuietPeriod | null): Promise<void> {
    return this.update(accountId, userName, quiet === null ? { remove: ["quiet"] } : { set: { quiet } });
  }

  setIncidents(accountId: string, userName: string, incidents: readonly IncidentRecord[]): Promise<void> {
    return this.update(accountId, userName, { set: { incidents } });
  }

  recordRun(accountId: string, run: AccountRecord): Promise<void> {
    return this.call("PutItem", async () => {
      await this.doc.send(
        new PutCommand({ TableName: this.tableName, Item: { pk: pkOf(accountId), sk: "RUN", ...run } }),
      );
    });
  }

  // The outbox (shared/aws/ledger-outbox.ts): notices and what was announced, in the same table.
  private get outbox(): LedgerOutbox {
    return new LedgerOutbox(this.doc, this.tableName);
  }
  loadOutbox(accountId: string): Promise<AccountOutbox> {
    return this.call("Query", () => this.outbox.load(accountId));
  }
  putNotice(accountId: string, entry: NewOutboxEntry): Promise<void> {
    return this.call("PutItem", () => this.outbox.put(accountId, entry));
  }
  getNotice(accountId: string, id: string): Promise<OutboxEntry | null> {
    return this.call("GetItem", () => this.outbox.get(accountId, id));
  }
  markAnnounced(accountId: string, id: string): Promise<void> {
    return this.call("UpdateItem", () => this.outbox.change(accountId, id, "announced"));
  }
  markDelivered(accountId: string, id: string, email: string): Promise<void> {
    return this.call("UpdateItem", () => this.outbox.delivered(accountId, id, email));
  }
  markSent(accountId: string, id: string, sentAt: string): Promise<void> {
    return this.call("UpdateItem", () => this.outbox.change(accountId, id, "sent", sentAt));
  }
  setAnnounced(accountId: string, userName: string, announced: Announcements | null): Promise<void> {
    return this.update(accountId, userName, announced ? { set: { announced } } : { remove: ["announced"] });
  }
  setAccountAnnounced(accountId: string, announced: Announcements): Promise<void> {
    return this.call("PutItem", () => this.outbox.setAccountAnnounced(accountId, announced));
  }

  // The central copies keyrotor created (shared/aws/ledger-copies.ts), in the same table.
  private get copies(): LedgerCopies {
    return new LedgerCopies(this.doc, this.tableName);
  }
  getCopy(place: CopyPlace): Promise<CopyRecord | null> {
    return this.call("GetItem", () => this.copies.get(place));
  }
  putCopy(place: CopyPlace, next: CopyRecord, expected: CopyRecord | null): Promise<boolean> {
    return this.call("PutItem", () => this.copies.put(place, next, expected));
  }

  /** One UpdateItem on the user's item: the attributes in `set` written, those in `remove` removed. */
  private update(
    accountId: string,
    userName: string,
    change: { set?: Record<string, unknown>; remove?: string[] },
  ): Promise<void> {
    const set = { userName, ...change.set };
    const names = Object.fromEntries(
      [...Object.keys(set), ...(change.remove ?? [])].map((n) => [`#${n}`, n]),
    );
    const values = Object.fromEntries(Object.entries(set).map(([n, v]) => [`:${n}`, v]));
    const assignments = Object.keys(set).map((n) => `#${n} = :${n}`);
    const removals = (change.remove ?? []).map((n) => `#${n}`);
    const expression = [
      `SET ${assignments.join(", ")}`,
      removals.length > 0 ? `REMOVE ${removals.join(", ")}` : "",
    ].join(" ");
    return this.call("UpdateItem", async () => {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: userKey(accountId, userName),
          UpdateExpression: expression.trim(),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    });
  }

  /** An SDK call whose "no such table" becomes a `LedgerMissingError` that says how to create it. */
  private async call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await call(SERVICE, operation, fn);
    } catch (error) {
      if (error instanceof AwsCallError && /ResourceNotFound/.test(error.code)) throw this.missing(error);
      throw error;
    }
  }

  private missing(cause: unknown): LedgerMissingError {
    return new LedgerMissingError(
      `the ledger table ${this.tableName} does not exist: deploy the stack, or create it with ` +
        `\`keyrotor ledger init --ledger ${this.tableName}\``,
      { cause },
    );
  }
}
