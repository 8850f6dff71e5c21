import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  PutCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { LedgerCopies } from "../../../shared/aws/ledger-copies";
import { LedgerOutbox } from "../../../shared/aws/ledger-outbox";
import { decision, MANAGEMENT, ORG } from "./simulate";
import { type LambdaRole, lambdaRoles } from "./templates";

// The ledger is the authority on what keyrotor did: a pending creation makes the rotator delete a key
// as an orphan, a recorded key lets it retire the old one. Only the rotator may create or change the
// items that say so; the notifier (which parses messages and renders names member accounts choose)
// may only mark an outbox notice sent or an email delivered. Proven with the policy simulator on the
// roles serverless.yml declares, and tied to the updates the outbox adapter really sends.

const roles = lambdaRoles(
  { senderEmail: "keyrotor@example.com", organizationId: ORG, deploymentTargets: "r-ab12" },
  MANAGEMENT,
) as Record<"RotatorRole" | "NotifierRole" | "ReporterRole" | "SchedulerRole", LambdaRole>;
const TABLE = `arn:aws:dynamodb:us-east-1:${MANAGEMENT}:table/keyrotor-prod-ledger`;
const ACCOUNT = "111122223333";

/** The item partitions of the ledger (shared/aws/ledger.ts, shared/aws/ledger-outbox.ts). */
const AUTHORITY = `ACCOUNT#${ACCOUNT}`;
const OUTBOX = `OUTBOX#${ACCOUNT}`;
const WRITES = [
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
  "dynamodb:PartiQLInsert",
  "dynamodb:PartiQLUpdate",
  "dynamodb:PartiQLDelete",
];

const write = (role: LambdaRole, action: string, leadingKey: string, attributes: string[], extra = {}) =>
  decision(role.arn, action, TABLE, {
    identity: role.identity,
    context: { "dynamodb:LeadingKeys": [leadingKey], "dynamodb:Attributes": attributes, ...extra },
  });

/** The attribute names an update names (key, condition and update expressions). */
function attributesOf(input: UpdateCommandInput): string[] {
  const names = input.ExpressionAttributeNames ?? {};
  const expressions = `${input.UpdateExpression ?? ""} ${input.ConditionExpression ?? ""}`
    .replace(/:\w+/g, " ")
    .replace(
      /\b(SET|REMOVE|ADD|DELETE|AND|OR|NOT|attribute_exists|attribute_not_exists|if_not_exists|list_append)\b/g,
      " ",
    );
  const used = (expressions.match(/#?\w+/g) ?? []).map((token) => names[token] ?? token);
  return [...new Set([...Object.keys(input.Key ?? {}), ...used])].sort();
}

describe("the ledger's authority: account and user items", () => {
  it("only the rotator may create or change them", async () => {
    expect(await write(roles.RotatorRole, "dynamodb:UpdateItem", AUTHORITY, ["pk", "sk", "pending"])).toBe(
      "Allowed",
    );
    for (const name of ["NotifierRole", "ReporterRole", "SchedulerRole"] as const) {
      for (const action of WRITES) {
        for (const attributes of [
          ["pk", "sk", "pending"],
          ["pk", "sk", "state"],
          ["pk", "sk"],
        ]) {
          expect(await write(roles[name], action, AUTHORITY, attributes), `${name} ${action}`).not.toBe(
            "Allowed",
          );
        }
      }
    }
  });
});

describe("the ledger's record of central copies", () => {
  // A copy's record is what makes keyrotor write a key into a secret of another account: whoever could
  // write it could point keyrotor at a secret of theirs.
  const place = { account: "222222222222", region: "eu-west-1", name: "keyrotor/central/111122223333/ci" };
  const record = {
    state: "created" as const,
    owner: "111122223333/ci",
    arn: "arn:aws:secretsmanager:eu-west-1:222222222222:secret:keyrotor/central/111122223333/ci-AbCdEf",
    createdAt: "2026-03-01T06:00:00.000Z",
  };

  async function putsOfTheAdapter() {
    const mock = mockClient(DynamoDBDocumentClient);
    mock.on(PutCommand).resolves({});
    const copies = new LedgerCopies(DynamoDBDocumentClient.from(new DynamoDBClient({})), "ledger");
    await copies.put(place, record, null);
    await copies.put(place, { ...record, arn: `${record.arn}x` }, record);
    const puts = mock.commandCalls(PutCommand).map((call) => call.args[0].input);
    mock.restore();
    return puts;
  }

  it("only the rotator may write them, as the copy adapter really writes them (shared/aws/ledger-copies.ts)", async () => {
    // Prepare
    const puts = await putsOfTheAdapter();

    // Act / Assess
    expect(puts).toHaveLength(2);
    for (const put of puts) {
      const leadingKey = String(put.Item?.pk);
      expect(leadingKey).toBe("COPY#222222222222");
      const attributes = Object.keys(put.Item ?? {}).sort();
      expect(await write(roles.RotatorRole, "dynamodb:PutItem", leadingKey, attributes)).toBe("Allowed");
      for (const name of ["NotifierRole", "ReporterRole", "SchedulerRole"] as const) {
        for (const action of WRITES) {
          expect(await write(roles[name], action, leadingKey, attributes), `${name} ${action}`).not.toBe(
            "Allowed",
          );
        }
      }
    }
  });

  it("the notifier may not write one even with only the attributes it may change elsewhere", async () => {
    // Act / Assess
    for (const attributes of [
      ["pk", "sk", "state"],
      ["pk", "sk", "delivered"],
    ]) {
      expect(await write(roles.NotifierRole, "dynamodb:UpdateItem", "COPY#222222222222", attributes)).toBe(
        "ImplicitlyDenied",
      );
    }
  });
});

describe("the notifier's writes", () => {
  const notifier = roles.NotifierRole;

  it("may mark an outbox notice sent and record a delivered email", async () => {
    expect(
      await write(notifier, "dynamodb:UpdateItem", OUTBOX, ["pk", "sk", "state", "sentAt", "expiresAt"]),
    ).toBe("Allowed");
    expect(await write(notifier, "dynamodb:UpdateItem", OUTBOX, ["pk", "sk", "delivered"])).toBe("Allowed");
  });

  it("may not write an outbox notice's words, its announcements or anything else of it", async () => {
    for (const attribute of ["notice", "announcements", "announced", "createdAt", "id", "owner", "pending"]) {
      expect(await write(notifier, "dynamodb:UpdateItem", OUTBOX, ["pk", "sk", attribute]), attribute).toBe(
        "ImplicitlyDenied",
      );
    }
    for (const action of WRITES.filter((a) => a !== "dynamodb:UpdateItem")) {
      expect(await write(notifier, action, OUTBOX, ["pk", "sk", "state"]), action).toBe("ImplicitlyDenied");
    }
  });

  it("may not read an item back through an update", async () => {
    const returning = { "dynamodb:ReturnValues": "ALL_OLD" };
    expect(await write(notifier, "dynamodb:UpdateItem", OUTBOX, ["pk", "sk", "state"], returning)).toBe(
      "ImplicitlyDenied",
    );
  });

  it("sends exactly the updates its policy allows (shared/aws/ledger-outbox.ts)", async () => {
    // Prepare: the outbox adapter over a mocked DynamoDB, as the notifier's ledger uses it.
    const mock = mockClient(DynamoDBDocumentClient);
    mock.on(UpdateCommand).resolves({});
    const outbox = new LedgerOutbox(DynamoDBDocumentClient.from(new DynamoDBClient({})), "ledger");

    // Act: what the notifier does with a notice (shared/notices/deliver-outbox.ts)
    await outbox.delivered(ACCOUNT, "n1", "email-1");
    await outbox.change(ACCOUNT, "n1", "sent", "2026-06-01T06:00:00.000Z");

    // Assess
    const updates = mock.commandCalls(UpdateCommand).map((call) => call.args[0].input);
    expect(updates).toHaveLength(2);
    for (const update of updates) {
      const leadingKey = String(update.Key?.pk);
      expect(await write(notifier, "dynamodb:UpdateItem", leadingKey, attributesOf(update))).toBe("Allowed");
    }
    mock.restore();
  });
});
