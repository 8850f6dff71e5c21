import { randomBytes } from "node:crypto";
import { mapWithConcurrency } from "../concurrency";
import { describeError } from "../errors";
import type { AccountLedger, Announcements, LedgerPort, OutboxEntry, OutboxPort } from "../ledger/records";
import { type Notice, type NoticeSink, noticeSchema, parseMessage, type RotationJob } from "../messages";
import type { Log } from "../rotation/ports";
import type { AccountReport } from "../rotation/report";
import { type Announced, type AnnouncementChanges, type ComposeSettings, composeNotice } from "./compose";

export interface OutboxPorts {
  readonly ledger: LedgerPort & OutboxPort;
  readonly notices: NoticeSink;
  readonly log: Log;
}

/** What a run told, and how many notices (its own and undelivered earlier ones) it queued. */
export interface Posted {
  readonly notice: Notice | null;
  readonly queued: number;
}

/**
 * The rotator's side of the outbox, after an account was reconciled: first finish what an earlier
 * attempt left (announcements not yet recorded), then compose this run's notice from what the ledger
 * says was already told, record the notice and its announcements, and queue every undelivered notice
 * of the account. A notice is in the ledger before it is queued: if queuing fails, the job's retry or
 * the next run queues it; the notifier sends each one once.
 *
 * @param loaded the account's ledger as this run read it (its users' announcements), when known.
 */
export async function postNotice(
  ports: OutboxPorts,
  settings: ComposeSettings,
  job: RotationJob,
  report: AccountReport,
  { attempt = 1, loaded }: { attempt?: number; loaded?: AccountLedger },
): Promise<Posted> {
  const accountId = job.account.id;
  const outbox = await ports.ledger.loadOutbox(accountId);
  const users = new Map<string, Announcements>();
  for (const [name, record] of (loaded ?? (await ports.ledger.loadAccount(accountId))).users) {
    const announced = (record as { announced?: Announcements }).announced;
    if (announced) users.set(name, announced);
  }
  let account = outbox.announced;
  for (const entry of outbox.pending.filter((e) => !e.announced)) {
    const changes = changesOf(entry);
    await record(ports.ledger, accountId, changes);
    await ports.ledger.markAnnounced(accountId, entry.id);
    for (const [name, value] of Object.entries(changes.users)) users.set(name, value ?? {});
    account = changes.account ?? account;
  }
  const announced: Announced = { users, account };
  const composed = composeNotice(job, report, settings, announced, attempt);
  const queue = outbox.pending.flatMap((entry) => readable(entry, accountId, ports.log));
  if (composed.notice) {
    const id = `${job.asOf}#${job.runId}#${attempt}-${randomBytes(3).toString("hex")}`;
    const notice = { ...composed.notice, noticeId: id };
    await ports.ledger.putNotice(accountId, {
      id,
      notice: JSON.stringify(notice),
      announcements: JSON.stringify(composed.announces),
      createdAt: report.now,
    });
    await record(ports.ledger, accountId, composed.announces);
    await ports.ledger.markAnnounced(accountId, id);
    queue.push(notice);
  }
  try {
    await record(ports.ledger, accountId, composed.forgets);
  } catch (error) {
    ports.log.warn("announcements not pruned", { accountId, error: describeError(error) });
  }
  for (const notice of queue) await ports.notices.sendNotice(notice);
  return { notice: composed.notice, queued: queue.length };
}

/** The notice an outbox entry holds, validated as any message is. */
export function noticeOf(entry: OutboxEntry): Notice {
  return { ...parseMessage(noticeSchema, "outbox", entry.notice), noticeId: entry.id };
}

/**
 * A pending entry's notice, or none: an entry whose notice does not parse was not written by a run
 * (the notifier, which may only mark entries sent, can still create a bare one), so it is left, and
 * said, rather than stopping the account's notices.
 */
function readable(entry: OutboxEntry, accountId: string, log: Log): Notice[] {
  try {
    return [noticeOf(entry)];
  } catch (error) {
    log.warn("outbox entry unreadable: skipped", {
      accountId,
      noticeId: entry.id,
      error: describeError(error),
    });
    return [];
  }
}

function changesOf(entry: OutboxEntry): AnnouncementChanges {
  const parsed = JSON.parse(entry.announcements) as Partial<AnnouncementChanges>;
  return { users: parsed.users ?? {}, ...(parsed.account ? { account: parsed.account } : {}) };
}

async function record(ledger: OutboxPort, accountId: string, changes: AnnouncementChanges) {
  await mapWithConcurrency(Object.entries(changes.users), 8, ([name, value]) =>
    ledger.setAnnounced(accountId, name, value),
  );
  if (changes.account) await ledger.setAccountAnnounced(accountId, changes.account);
}
