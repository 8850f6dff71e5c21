import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { CopyPlace, CopyRecord } from "../destinations/copy-ledger";
import { isAwsError } from "./errors";

/**
 * The central copies' records in the ledger table, in a partition per account written to
 * (`COPY#<account>`), one item per copy (`SECRET#<region>#<name>`: neither a region nor a secret name
 * holds `#`). Only the rotator's role may write them. Each method is one DynamoDB call.
 */
export const copyKey = (place: CopyPlace) => ({
  pk: `COPY#${place.account}`,
  sk: `SECRET#${place.region}#${place.name}`,
});

export class LedgerCopies {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(place: CopyPlace): Promise<CopyRecord | null> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: copyKey(place), ConsistentRead: true }),
    );
    return out.Item ? recordOf(out.Item, place) : null;
  }

  /** Puts `next` if the item still is `expected` (by its nonce or its ARN); `false` when it is not. */
  async put(place: CopyPlace, next: CopyRecord, expected: CopyRecord | null): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...copyKey(place), ...next },
          ...conditionOf(expected),
        }),
      );
      return true;
    } catch (error) {
      if (isAwsError(error, "ConditionalCheckFailed")) return false;
      throw error;
    }
  }
}

function conditionOf(expected: CopyRecord | null) {
  if (expected === null) return { ConditionExpression: "attribute_not_exists(pk)" };
  const [field, value] = expected.state === "creating" ? ["nonce", expected.nonce] : ["arn", expected.arn];
  return {
    ConditionExpression: "#state = :state AND #field = :value",
    ExpressionAttributeNames: { "#state": "state", "#field": field },
    ExpressionAttributeValues: { ":state": expected.state, ":value": value },
  };
}

function recordOf(item: Record<string, unknown>, place: CopyPlace): CopyRecord {
  const text = (name: string) => {
    const value = item[name];
    if (typeof value !== "string") {
      throw new Error(`the ledger's record of the copy ${place.name} in ${place.account} has no ${name}`);
    }
    return value;
  };
  if (item.state === "creating") {
    return { state: "creating", owner: text("owner"), nonce: text("nonce"), since: text("since") };
  }
  if (item.state === "created") {
    return { state: "created", owner: text("owner"), arn: text("arn"), createdAt: text("createdAt") };
  }
  throw new Error(`the ledger's record of the copy ${place.name} in ${place.account} is in no known state`);
}
