import type { Config } from "../config";
import type { OutboxPort } from "../ledger/records";
import type { Notice } from "../messages";
import { deliverNotice, type MailPort, NoticeDeliveryError, type NoticeDirectory } from "./deliver";
import { noticeOf } from "./outbox";

export interface OutboxDelivery {
  readonly messageIds: string[];
  readonly recipients: number;
  /** `true` when the notice had already been sent (a redelivered or re-queued message): nothing sent. */
  readonly alreadySent: boolean;
}

/**
 * The notifier's use case: a queued notice names an entry of the outbox; the ledger's copy is the one
 * delivered (what the message says besides the ids is ignored), each of its emails once, and the
 * entry is marked sent only after SES accepted every one. A notice already sent is not sent again.
 * @throws NoticeDeliveryError for a message naming no notice in the ledger, or as `deliverNotice` does.
 */
export async function deliverFromOutbox(
  ports: { readonly ledger: OutboxPort; readonly mail: MailPort; readonly directory: NoticeDirectory },
  config: Pick<Config, "senderEmail" | "adminEmail">,
  received: Pick<Notice, "account" | "noticeId">,
  now: Date,
): Promise<OutboxDelivery> {
  const accountId = received.account.id;
  if (!received.noticeId) {
    throw new NoticeDeliveryError(`notice for account ${accountId} names no outbox entry: refused`);
  }
  const entry = await ports.ledger.getNotice(accountId, received.noticeId);
  if (entry === null) {
    throw new NoticeDeliveryError(
      `notice ${received.noticeId} for account ${accountId} is not in the ledger's outbox: refused`,
    );
  }
  if (entry.state === "sent") return { messageIds: [], recipients: 0, alreadySent: true };
  const notice = noticeOf(entry);
  if (notice.account.id !== accountId) {
    throw new NoticeDeliveryError(
      `notice ${entry.id} belongs to account ${notice.account.id}, not ${accountId}`,
    );
  }
  const sent = await deliverNotice(ports.mail, ports.directory, config, notice, {
    delivered: entry.delivered,
    onDelivered: (emailId) => ports.ledger.markDelivered(accountId, entry.id, emailId),
  });
  await ports.ledger.markSent(accountId, entry.id, now.toISOString());
  return { ...sent, alreadySent: false };
}
