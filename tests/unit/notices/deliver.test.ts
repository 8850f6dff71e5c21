import { SESClient, SendEmailCommand } from "@aws-sdk/client-ses";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { SesAdapter } from "../../../shared/aws/ses";
import type { Notice } from "../../../shared/messages";
import {
  deliveriesOf,
  deliverNotice,
  NoticeDeliveryError,
  type NoticeDirectory,
} from "../../../shared/notices/deliver";
import { JOB } from "./fixtures";

const ses = mockClient(SESClient);
const mail = new SesAdapter(new SESClient({ region: "us-east-1" }));
const config = { senderEmail: "keyrotor@example.com", adminEmail: "sec@example.com" };
const users = (count: number): Notice["users"] =>
  Array.from({ length: count }, (_, i) => ({
    userName: `u${i}`,
    events: [{ kind: "deleted", keyId: `K${i}` }],
    upcoming: [],
  }));
/** A notice as a forger would write it: recipients of their choosing in the account. */
const notice = (count: number): Notice => ({
  version: 1,
  runId: "run",
  mode: "enforce",
  asOf: JOB.asOf,
  account: { ...JOB.account, email: "forged@attacker.example" },
  users: users(count),
  omittedUsers: 0,
  part: 1,
});
/** Organizations and the ledger: who really receives what. */
const directory = (owners: Record<string, string> = {}, email = "owner@example.com"): NoticeDirectory => ({
  account: async () => ({ name: "Prod", email }),
  owners: async () => new Map(Object.entries(owners)),
});
const destinations = () => ses.commandCalls(SendEmailCommand).map((c) => c.args[0].input.Destination);

beforeEach(() => ses.reset());

describe("deliverNotice", () => {
  it("mails the account's owner from Organizations, never the address the message names; blind-copies the admin", async () => {
    // Prepare
    ses.on(SendEmailCommand).resolves({ MessageId: "m-1" });
    // Act
    const sent = await deliverNotice(mail, directory(), config, notice(2));
    // Assess
    expect(sent).toEqual({ messageIds: ["m-1"], recipients: 2 });
    expect(destinations()).toEqual([
      { ToAddresses: ["owner@example.com"], CcAddresses: [], BccAddresses: ["sec@example.com"] },
    ]);
    expect(JSON.stringify(ses.commandCalls(SendEmailCommand).map((c) => c.args[0].input))).not.toContain(
      "attacker",
    );
    const body = ses.commandCalls(SendEmailCommand)[0]?.args[0].input.Message;
    expect(body?.Subject?.Data).toContain("Prod (111122223333)");
    expect(body?.Body?.Text?.Data).toContain("Old keys deleted");
    expect(body?.Body?.Html?.Data).toMatch(/<h2 style="[^"]*">Old keys deleted<\/h2>/);
  });

  it("sends each user owner (from the ledger) only the lines about their own users", async () => {
    // Prepare
    ses.on(SendEmailCommand).resolves({ MessageId: "m" });
    const owners = { u0: "a@example.com", u2: "a@example.com", u1: "owner@example.com", u3: "not-an-email" };
    // Act
    await deliverNotice(mail, directory(owners), config, notice(4));
    // Assess
    const calls = ses.commandCalls(SendEmailCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.Destination?.ToAddresses)).toEqual([["owner@example.com"], ["a@example.com"]]);
    const ownersText = calls[1]?.Message?.Body?.Text?.Data ?? "";
    expect(ownersText).toContain("u0:");
    expect(ownersText).toContain("u2:");
    expect(ownersText).not.toContain("u1:");
    expect(ownersText).not.toContain("u3:");
  });

  it("never sends one address the same notice twice", () => {
    const deliveries = deliveriesOf(
      notice(2),
      "owner@example.com",
      new Map([["u0", "sec@example.com"]]),
      "sec@example.com",
    );
    expect(deliveries.map((d) => [d.to, d.bcc])).toEqual([[["owner@example.com"], ["sec@example.com"]]]);
  });

  it("turns an SES refusal into a NoticeDeliveryError that says what to check", async () => {
    ses
      .on(SendEmailCommand)
      .rejects(Object.assign(new Error("Email address is not verified."), { name: "MessageRejected" }));
    const error = await deliverNotice(mail, directory(), config, notice(0)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoticeDeliveryError);
    expect((error as Error).message).toMatch(
      /SES refused the notice for account 111122223333 from keyrotor@example.com/,
    );
    expect((error as Error).message).toMatch(/sender identity is verified.*production access/);
  });

  it("refuses a notice nobody can receive", async () => {
    await expect(
      deliverNotice(mail, directory({}, ""), { ...config, adminEmail: null }, notice(0)),
    ).rejects.toThrow('has no valid recipient (account email "")');
  });

  it("refuses an account name with control characters rather than put it in a subject", async () => {
    const evil: NoticeDirectory = {
      ...directory(),
      account: async () => ({ name: "Prod\r\nBcc: x@y", email: "o@example.com" }),
    };
    await expect(deliverNotice(mail, evil, config, notice(1))).rejects.toThrow(/control characters/);
    expect(destinations()).toEqual([]);
  });
});
