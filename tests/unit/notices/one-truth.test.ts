import { describe, expect, it } from "vitest";
import { FakeAccount } from "../../../scripts/lib/fake-account";
import type { Email } from "../../../shared/aws/ses";
import { DeliveryError } from "../../../shared/destinations/types";
import { addDays } from "../../../shared/lifecycle";
import { type Notice, noticeSchema } from "../../../shared/messages";
import { composeNotice } from "../../../shared/notices/compose";
import { deliveriesOf, deliverNotice, type NoticeDirectory } from "../../../shared/notices/deliver";
import { renderNotice } from "../../../shared/notices/render";
import { SAMPLE_NOTICES } from "../../../shared/notices/samples";
import { reconcileAccount } from "../../../shared/rotation";
import { deliverySettings, fakeKeyPorts, GITHUB_LABEL } from "../../support/key-ports";
import { key, NOW } from "../../support/keys";
import { memoryLog } from "../../support/log";
import { JOB } from "./fixtures";

const ACCOUNT = JOB.account.id;
const TOKEN_FIX = "put a token with the Secrets permission in keyrotor-tokens/github";
const badToken = () =>
  new DeliveryError(
    `${GITHUB_LABEL} could not be written: HTTP 401 (Bad credentials)`,
    "unauthorized",
    TOKEN_FIX,
  );

/** The notice of the run that rotates alice's 90-day-old key while GitHub fails with `failure`. */
async function rotationWhileGitHubFails(failure?: DeliveryError): Promise<Notice> {
  const account = new FakeAccount();
  const keys = fakeKeyPorts(account);
  account.addUser("alice", [key("OLD", 90)]);
  keys.fail(GITHUB_LABEL, failure);
  const now = addDays(NOW, 0);
  account.clock = () => now;
  const settings = deliverySettings(ACCOUNT);
  const report = await reconcileAccount(
    { iam: account, secrets: account, ledger: account.ledger, log: memoryLog(), keys: keys.ports },
    settings,
    { accountId: ACCOUNT, runId: "run-0", now },
  );
  const { notice } = composeNotice({ ...JOB, asOf: now.toISOString() }, report, settings);
  if (!notice) throw new Error("a notice was expected");
  expect(noticeSchema.safeParse(notice).success).toBe(true);
  return notice;
}

const sample = (name: string) => renderNotice(SAMPLE_NOTICES[name] as Notice);

describe("notices say one truth: a failing delivery keeps the old key Active", () => {
  it("does not promise the old key's deactivation date while a delivery of its replacement fails", async () => {
    // Prepare
    const notice = await rotationWhileGitHubFails();
    // Act
    const { text, html } = renderNotice(notice);
    // Assess
    expect(text).toContain("the old key OLD stays Active");
    for (const words of [text, html]) {
      expect(words).not.toContain("when the old key is deactivated");
      expect(words).not.toMatch(/2026-06-11\s+alice\s+OLD\s+(will be )?deactivated$/m);
    }
    expect(text).toContain("stays Active until every destination has the new key");
    expect(text).toMatch(
      /- 2026-06-11 {2}alice {2}OLD {2}will be deactivated once every destination has the new key, not before this date/,
    );
  });

  it("still gives the date when every destination has the new key", () => {
    const { text } = sample("rotated");
    expect(text).toContain("before 2027-04-10, when the old key is deactivated");
  });
});

describe("notices say one truth: a delivery token is keyrotor's operators' to fix", () => {
  it("tells the account owner the pipeline waits, keyrotor's operators were told, and nothing about the token", async () => {
    // Prepare
    const notice = await rotationWhileGitHubFails(badToken());
    // Act
    const owner = renderNotice(notice);
    // Assess
    for (const words of [owner.text, owner.html, owner.subject]) {
      expect(words).not.toContain("keyrotor-tokens/");
      expect(words).not.toContain("Bad credentials");
      expect(words).not.toMatch(/needs? your action/);
    }
    expect(owner.text).toContain("== Waiting on keyrotor's operators ==");
    expect(owner.text).toContain(
      `alice: ${GITHUB_LABEL} has not received new key ${notice.users[0]?.events[0]?.keyId} yet: keyrotor's own token for it does not work, and only keyrotor's operators can fix it; they were told.`,
    );
    expect(owner.text).toContain("the old key OLD stays Active");
  });

  it("sends the operator (adminEmail) the failure and its fix, apart from the owner's copy", async () => {
    // Prepare
    const notice = await rotationWhileGitHubFails(badToken());
    // Act
    const deliveries = deliveriesOf(notice, "owner@example.com", new Map(), "ops@example.com");
    // Assess
    expect(deliveries.map((d) => [d.to, d.bcc, d.audience])).toEqual([
      [["owner@example.com"], [], "owner"],
      [["ops@example.com"], [], "operator"],
    ]);
    const operator = renderNotice(notice, "operator");
    expect(operator.text).toContain("== Needs keyrotor's operators ==");
    expect(operator.text).toContain(
      "Next: Put a token with the Secrets permission in keyrotor-tokens/github.",
    );
    expect(operator.subject).toMatch(/1 needs keyrotor's operators/);
    expect(renderNotice(notice).text).not.toContain(TOKEN_FIX);
  });

  it("a retry after the owner's copy was sent and the operators' lost sends only the operators' copy", async () => {
    // Prepare: SES accepts the owner's email, then the connection drops before the operators' one.
    const notice = await rotationWhileGitHubFails(badToken());
    const sent: Email[] = [];
    let drop = true;
    const mail = {
      sendEmail: async (email: Email) => {
        if (email.to.includes("ops@example.com") && drop) throw new Error("socket hang up");
        sent.push(email);
        return `m-${sent.length}`;
      },
    };
    const directory: NoticeDirectory = {
      account: async () => ({ name: JOB.account.name, email: "owner@example.com" }),
      owners: async () => new Map(),
    };
    const config = { senderEmail: "k@example.com", adminEmail: "ops@example.com" };
    const delivered: string[] = [];
    const progress = { delivered, onDelivered: async (id: string) => void delivered.push(id) };
    // Act
    await expect(deliverNotice(mail, directory, config, notice, progress)).rejects.toThrow("socket hang up");
    drop = false;
    await deliverNotice(mail, directory, config, notice, progress);
    // Assess
    expect(sent.map((e) => [e.to, e.bcc])).toEqual([
      [["owner@example.com"], []],
      [["ops@example.com"], []],
    ]);
    expect(sent[0]?.text).not.toContain("keyrotor-tokens/");
    expect(sent[1]?.text).toContain(TOKEN_FIX.slice(1));
  });

  it("keeps a failure the owner can act on (not the token) in the owner's Needs your action", async () => {
    const notice = await rotationWhileGitHubFails();
    const deliveries = deliveriesOf(notice, "owner@example.com", new Map(), "ops@example.com");
    expect(deliveries.map((d) => [d.to, d.bcc])).toEqual([[["owner@example.com"], ["ops@example.com"]]]);
    expect(renderNotice(notice).text).toContain("== Needs your action ==");
  });

  it("the delivery sample shows the owner's words for a token failure", () => {
    const { text } = sample("delivery");
    expect(text).not.toContain("keyrotor-tokens/");
    expect(text).toContain("== Waiting on keyrotor's operators ==");
  });
});

describe("notices say one truth: the next steps are to come", () => {
  it("words each step in the future tense", () => {
    const { text, html } = sample("rotated");
    expect(text).toContain("- 2027-04-10  deploy-bot  AKIAOLDDEPLOYBOT0001  will be deactivated");
    expect(text).toContain("- 2027-06-29  deploy-bot  AKIANEWDEPLOYBOT0001  will be rotated (a new key)");
    expect(sample("deactivated").text).toContain("AKIAOLDDEPLOYBOT0001  will be deleted");
    expect(html).toContain(">will be deactivated</td>");
    expect(text).not.toMatch(/ {2}(deactivated|deleted|new key)$/m);
  });
});

describe("notices say one truth: an unused key is kept by an exemption, not by using it", () => {
  it("names the configured exemption tag and group and never says to use the key", () => {
    // Prepare
    const user = {
      userName: "old-scanner",
      status: "ok" as const,
      keys: [{ id: "UNUSED", status: "Active" as const, createdAt: "2026-01-01T06:00:00.000Z" }],
      actions: [],
      warnings: [{ keyId: "UNUSED", action: "deactivate" as const, on: "2026-06-05T06:00:00.000Z" }],
      upcoming: [],
      secretName: "keyrotor/old-scanner",
      findings: [],
    };
    const report = {
      accountId: ACCOUNT,
      runId: JOB.runId,
      mode: "enforce" as const,
      now: JOB.asOf,
      previousRunAt: JOB.asOf,
      users: [user],
      unexaminedUsers: 0,
      failedUsers: 0,
      deferredUsers: 0,
    };
    const settings = {
      warnBeforeDays: 7,
      readerPrincipals: [],
      repeatFailuresAfterDays: 7,
      exemptTag: "acme:no-rotation",
      exemptGroupName: "KeepMyKeys",
    };
    // Act
    const { notice } = composeNotice(JOB, report, settings);
    const { text } = renderNotice(notice ?? (undefined as never));
    // Assess
    expect(text).not.toMatch(/use it before/i);
    expect(text).toContain("tag the user acme:no-rotation=true or add it to the IAM group KeepMyKeys");
    expect(sample("warning").text).not.toMatch(/use it before/i);
    expect(sample("warning").text).toContain("keyrotor:exempt=true");
  });
});
