import { beforeEach, describe, expect, it } from "vitest";
import type { Email } from "../../../shared/aws/ses";
import { MemoryLedger } from "../../../shared/ledger/memory-ledger";
import type { OutboxEntry } from "../../../shared/ledger/records";
import type { Notice } from "../../../shared/messages";
import type { NoticeDirectory } from "../../../shared/notices/deliver";
import { deliverFromOutbox } from "../../../shared/notices/deliver-outbox";
import { postNotice } from "../../../shared/notices/outbox";
import { memoryLog } from "../../support/log";
import { accountReport, JOB, userReport } from "./fixtures";

const SETTINGS = { warnBeforeDays: 7, readerPrincipals: [], repeatFailuresAfterDays: 7 };
const CONFIG = { senderEmail: "keyrotor@example.com", adminEmail: null };
const ACCOUNT = JOB.account.id;
const directory: NoticeDirectory = {
  account: async () => ({ name: "Prod", email: "owner@example.com" }),
  owners: async () => new Map(),
};
/** A run that rotated alice's key, then what its retry (or the next run) finds: nothing new. */
const rotated = accountReport([
  userReport({
    actions: [{ kind: "create", keyId: "N", detail: "replaces A", dueOn: JOB.asOf, outcome: "done" }],
  }),
]);
const nothingNew = accountReport([userReport()]);

let ledger: MemoryLedger;
let queue: Notice[];
let sent: Email[];
let queueFails: boolean;
let sesFails: boolean;
const ports = () => ({
  ledger,
  log: memoryLog(),
  notices: {
    sendNotice: async (n: Notice) => {
      if (queueFails) throw new Error("SQS SendMessage failed (ServiceUnavailable)");
      queue.push(n);
    },
  },
});
const mail = {
  sendEmail: async (email: Email) => {
    if (sesFails) throw new Error("SES SendEmail failed (Throttling)");
    sent.push(email);
    return `m-${sent.length}`;
  },
};
/** The notifier: every queued message, as SQS would deliver them. */
async function notify() {
  const messages = queue.splice(0);
  for (const n of messages)
    await deliverFromOutbox({ ledger, mail, directory }, CONFIG, n, new Date(JOB.asOf));
}

beforeEach(() => {
  ledger = new MemoryLedger();
  queue = [];
  sent = [];
  queueFails = false;
  sesFails = false;
});

describe("the outbox: never lost, never twice", () => {
  it("a notice whose queuing failed after keys were created is queued by the job's retry, and mailed once", async () => {
    // Prepare
    queueFails = true;
    await expect(postNotice(ports(), SETTINGS, JOB, rotated, {})).rejects.toThrow(/SQS/);
    queueFails = false;
    // Act: the retry finds nothing new to do
    const retry = await postNotice(ports(), SETTINGS, JOB, nothingNew, { attempt: 2 });
    await notify();
    await postNotice(ports(), SETTINGS, { ...JOB, runId: "next" }, nothingNew, {});
    await notify();
    // Assess
    expect(retry).toEqual({ notice: null, queued: 1 });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.text).toContain("N");
  });

  it("a notice SES refused (its message dead-lettered) is sent by the next run, once; a redriven dead letter sends nothing", async () => {
    // Prepare
    await postNotice(ports(), SETTINGS, JOB, rotated, {});
    const deadLetter = queue[0] as Notice;
    sesFails = true;
    await expect(notify()).rejects.toThrow(/SES/);
    sesFails = false;
    // Act
    await postNotice(ports(), SETTINGS, { ...JOB, runId: "next" }, nothingNew, {});
    await notify();
    const redriven = await deliverFromOutbox({ ledger, mail, directory }, CONFIG, deadLetter, new Date());
    // Assess
    expect(sent).toHaveLength(1);
    expect(redriven.alreadySent).toBe(true);
    expect((await ledger.loadOutbox(ACCOUNT)).pending).toEqual([]);
  });

  it("a run that stopped after recording its notice but before its announcements does not tell them twice", async () => {
    // Prepare
    const warned = accountReport([
      userReport({
        keys: [{ id: "A", status: "Active", createdAt: "2026-03-10T06:00:00.000Z" }],
        upcoming: [{ keyId: "A", action: "rotate", on: "2026-06-07T06:00:00.000Z" }],
      }),
    ]);
    ledger.failing.add("setAnnounced");
    await expect(postNotice(ports(), SETTINGS, JOB, warned, {})).rejects.toThrow(/setAnnounced/);
    ledger.failing.delete("setAnnounced");
    // Act
    const retry = await postNotice(ports(), SETTINGS, JOB, warned, { attempt: 2 });
    await notify();
    // Assess
    expect(retry.notice).toBeNull();
    expect(sent).toHaveLength(1);
    expect(sent[0]?.text).toContain("2026-06-07");
  });

  it("an outbox item the notifier could have planted (pending, no notice of its own) is skipped and reported, not fatal", async () => {
    // Prepare: what an UpdateItem of the notifier's allowed attributes makes of a key that did not exist.
    const log = memoryLog();
    const planted: OutboxEntry = {
      id: "2026-05-31#planted#1",
      notice: "undefined",
      announcements: "{}",
      createdAt: "undefined",
      state: "pending",
      announced: true,
      delivered: [],
    };
    ledger.outbox.set(ACCOUNT, new Map([[planted.id, planted]]));

    // Act
    const posted = await postNotice({ ...ports(), log }, SETTINGS, JOB, rotated, {});
    await notify();

    // Assess: this run's notice still goes out, the planted item is named in a warning
    expect(posted.queued).toBe(1);
    expect(sent).toHaveLength(1);
    expect(log.lines.map((line) => JSON.parse(line))).toContainEqual(
      expect.objectContaining({
        level: "WARN",
        message: "outbox entry unreadable: skipped",
        accountId: ACCOUNT,
        noticeId: planted.id,
      }),
    );
  });

  it("a notice that names no outbox entry is refused", async () => {
    const forged = { account: JOB.account, noticeId: "2026-06-01#forged#1" };
    await expect(deliverFromOutbox({ ledger, mail, directory }, CONFIG, forged, new Date())).rejects.toThrow(
      /not in the ledger's outbox/,
    );
    expect(sent).toEqual([]);
  });
});
