import { type ChannelPorts, postChannels } from "../channels/deliver";
import { routesByOu } from "../channels/routes";
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
  /** The channels told of it by this attempt. */
  readonly channels: string[];
  /** The channels that refused it for good, each naming what to fix (never a URL): not tried again. */
  readonly refused: string[];
}

/**
 * The notifier's use case: a queued notice names an entry of the outbox; the ledger's copy is the one
 * delivered (what the message says besides the ids is ignored), each of its emails once, and the
 * entry is marked sent only after SES accepted every one. A notice already sent is not sent again.
 * @throws NoticeDeliveryError for a message naming no notice in the ledger, or as `deliverNotice` does.
 */
export async function deliverFromOutbox(
  ports: {
    readonly ledger: OutboxPort;
    readonly mail: MailPort;
    readonly directory: NoticeDirectory;
    readonly channels?: ChannelPorts;
  },
  config: Pick<Config, "senderEmail" | "adminEmail"> & Partial<Pick<Config, "channels">>,
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
  if (entry.state === "sent")
    return { messageIds: [], recipients: 0, alreadySent: true, channels: [], refused: [] };
  const notice = noticeOf(entry);
  if (notice.account.id !== accountId) {
    throw new NoticeDeliveryError(
      `notice ${entry.id} belongs to account ${notice.account.id}, not ${accountId}`,
    );
  }
  const progress = {
    delivered: entry.delivered,
    onDelivered: (id: string) => ports.ledger.markDelivered(accountId, entry.id, id),
  };
  const sent = await deliverNotice(ports.mail, ports.directory, config, notice, progress);
  // The emails first, each recorded as sent: a channel that fails then throws, the notice is retried
  // and only what was not yet delivered (the failed channels) is tried again.
  const channels =
    ports.channels && config.channels && config.channels.length > 0
      ? await postChannels(
          ports.channels,
          config.channels,
          await named(ports.directory, notice),
          progress,
          routesByOu(config.channels) ? await ancestorsOf(ports.directory, accountId) : [],
        )
      : { posted: [], refused: [] };
  await ports.ledger.markSent(accountId, entry.id, now.toISOString());
  return { ...sent, alreadySent: false, channels: channels.posted, refused: channels.refused };
}

/**
 * The OUs above the account, as Organizations (read from the management account) has them: what an OU
 * route chooses by, never anything the notice or the account says of itself.
 * @throws NoticeDeliveryError when they cannot be read: the notice is retried.
 */
async function ancestorsOf(directory: NoticeDirectory, accountId: string): Promise<readonly string[]> {
  if (!directory.ancestors) {
    throw new NoticeDeliveryError(`channels route by OU but the account ${accountId}'s OUs cannot be read`);
  }
  return directory.ancestors(accountId).catch((error: unknown) => {
    throw new NoticeDeliveryError(`the OUs above account ${accountId} could not be read`, { cause: error });
  });
}

/** The notice with the account's name as Organizations has it, not as the message said. */
async function named(directory: NoticeDirectory, notice: Notice): Promise<Notice> {
  const account = await directory.account(notice.account.id);
  return { ...notice, account: { ...notice.account, name: account.name } };
}
