import { SESClient, SendEmailCommand } from "@aws-sdk/client-ses";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { SesAdapter } from "../../../shared/aws/ses";
import type { Notice } from "../../../shared/messages";
import { deliverNotice, NoticeDeliveryError, recipientsOf } from "../../../shared/notices/deliver";
import { JOB } from "./fixtures";

const ses = mockClient(SESClient);
const mail = new SesAdapter(new SESClient({ region: "us-east-1" }));
const config = { senderEmail: "keyrotor@example.com", adminEmail: "sec@example.com" };
const users = (owners: (string | undefined)[]): Notice["users"] =>
  owners.map((owner, i) => ({
    userName: `u${i}`,
    ...(owner ? { owner } : {}),
    events: [{ kind: "deleted", keyId: `K${i}` }],
    upcoming: [],
  }));
const notice = (owners: (string | undefined)[], email = "owner@example.com"): Notice => ({
  version: 1,
  runId: "run",
  mode: "enforce",
  asOf: JOB.asOf,
  account: { ...JOB.account, email },
  users: users(owners),
  omittedUsers: 0,
  part: 1,
});

beforeEach(() => ses.reset());

describe("deliverNotice", () => {
  it("mails the account owner, copies user owners once each, blind-copies the admin", async () => {
    // Prepare
    ses.on(SendEmailCommand).resolves({ MessageId: "m-1" });
    // Act
    const sent = await deliverNotice(
      mail,
      config,
      notice(["a@example.com", "a@example.com", "owner@example.com", "not-an-email"]),
    );
    // Assess
    expect(sent).toEqual({ messageIds: ["m-1"], recipients: 3 });
    expect(ses).toHaveReceivedCommandWith(SendEmailCommand, {
      Source: "keyrotor@example.com",
      Destination: {
        ToAddresses: ["owner@example.com"],
        CcAddresses: ["a@example.com"],
        BccAddresses: ["sec@example.com"],
      },
    });
    const body = ses.commandCalls(SendEmailCommand)[0]?.args[0].input.Message;
    expect(body?.Body?.Text?.Data).toContain("Deleted keys");
    expect(body?.Body?.Html?.Data).toContain("<h3>Deleted keys</h3>");
  });

  it("splits more than 50 recipients over several messages", async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: "m" });
    const owners = Array.from({ length: 120 }, (_, i) => `o${i}@example.com`);
    const sent = await deliverNotice(mail, config, notice(owners));
    expect(sent.recipients).toBe(122);
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 3);
    for (const call of ses.commandCalls(SendEmailCommand)) {
      const d = call.args[0].input.Destination;
      const count =
        (d?.ToAddresses?.length ?? 0) + (d?.CcAddresses?.length ?? 0) + (d?.BccAddresses?.length ?? 0);
      expect(count).toBeLessThanOrEqual(50);
    }
  });

  it("turns an SES refusal into a NoticeDeliveryError that says what to check", async () => {
    ses
      .on(SendEmailCommand)
      .rejects(Object.assign(new Error("Email address is not verified."), { name: "MessageRejected" }));
    const error = await deliverNotice(mail, config, notice([])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoticeDeliveryError);
    expect((error as Error).message).toMatch(
      /SES refused the notice for account 111122223333 from keyrotor@example.com/,
    );
    expect((error as Error).message).toMatch(/sender identity is verified.*production access/);
  });

  it("refuses a notice nobody can receive", async () => {
    await expect(deliverNotice(mail, { ...config, adminEmail: null }, notice([], ""))).rejects.toThrow(
      'has no valid recipient (account email "")',
    );
  });

  it("never sends one address twice across To, Cc and Bcc", () => {
    expect(recipientsOf(notice(["owner@example.com", "sec@example.com"]), "sec@example.com")).toEqual({
      to: ["owner@example.com"],
      cc: ["sec@example.com"],
      bcc: [],
    });
  });
});
