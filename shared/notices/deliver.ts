import { createHash } from "node:crypto";
import type { Email } from "../aws/ses";
import { type Config, isEmailAddress } from "../config";
import { AwsCallError } from "../errors";
import type { Notice } from "../messages";
import { renderNotice } from "./render";
import type { Audience } from "./words";

/** SES refused the notice (unverified sender, sandbox recipient ...) or there was nobody to send it to. */
export class NoticeDeliveryError extends Error {
  override readonly name = "NoticeDeliveryError";
}

export interface MailPort {
  sendEmail(email: Email): Promise<string>;
}

/**
 * Where the notifier learns who receives a notice: never from the message, which whoever may send to
 * the queue could forge. The account's name and email come from Organizations; each user's owner
 * address from the ledger, which the rotator keeps from the owner tag.
 */
export interface NoticeDirectory {
  account(accountId: string): Promise<{ readonly name: string; readonly email: string }>;
  owners(accountId: string): Promise<ReadonlyMap<string, string>>;
  /** The OUs above the account, nearest first (channels' OU routes); each account read once per directory. */
  ancestors?(accountId: string): Promise<readonly string[]>;
}

/** SES accepts at most 50 recipients per message. */
export const MAX_RECIPIENTS = 50;

/** Control characters have no place in anything that reaches a mail header. */
const CONTROL = /\p{Cc}/u;

/** One email of a notice: its recipients, the part of the notice they may read, and in whose words. */
export interface Delivery {
  readonly to: string[];
  readonly bcc: string[];
  readonly notice: Notice;
  readonly audience: Audience;
}

/**
 * Who receives what: the account's owner (the Organizations account email) the whole notice, with the
 * admin in blind copy; each user owner (owner tag, via the ledger) only the lines about their own users.
 * A notice with something only keyrotor's operators can fix (a destination's token in keyrotor's own
 * account) goes to the admin on its own, in the operators' words; the owners read what it means for them.
 */
export function deliveriesOf(
  notice: Notice,
  accountEmail: string,
  owners: ReadonlyMap<string, string>,
  adminEmail: string | null,
): Delivery[] {
  const to = [accountEmail].filter(isEmailAddress);
  const admin = [adminEmail ?? undefined].filter(isEmailAddress).filter((a) => !to.includes(a));
  const forOperators = notice.users.some((u) =>
    u.events.some((e) => e.kind === "delivery-failed" && e.tokenFault === true),
  );
  const apart = forOperators && admin.length > 0;
  const deliveries: Delivery[] = [];
  if (to.length > 0 || (!apart && admin.length > 0)) {
    const adminIsOwner = adminEmail !== null && to.includes(adminEmail);
    deliveries.push({
      to,
      bcc: apart ? [] : admin,
      notice,
      audience: forOperators && adminIsOwner ? "operator" : "owner",
    });
  }
  if (apart) deliveries.push({ to: admin, bcc: [], notice, audience: "operator" });
  const byOwner = new Map<string, Notice["users"][number][]>();
  for (const user of notice.users) {
    const owner = owners.get(user.userName);
    if (!isEmailAddress(owner) || to.includes(owner) || admin.includes(owner)) continue;
    byOwner.set(owner, [...(byOwner.get(owner) ?? []), user]);
  }
  for (const [owner, users] of byOwner) {
    deliveries.push({
      to: [owner],
      bcc: [],
      notice: { ...notice, users, omittedUsers: 0 },
      audience: "owner",
    });
  }
  return deliveries;
}

const SES_REFUSALS =
  /MessageRejected|MailFromDomainNotVerified|ConfigurationSetDoesNotExist|AccountSendingPaused/;

/**
 * The notifier's use case: look up the recipients, render each delivery and send it through SES.
 * @throws NoticeDeliveryError when SES refuses, nobody can receive it, or a name holds control characters.
 */
export async function deliverNotice(
  mail: MailPort,
  directory: NoticeDirectory,
  config: Pick<Config, "senderEmail" | "adminEmail">,
  received: Notice,
  progress: DeliveryProgress = {},
): Promise<{ messageIds: string[]; recipients: number }> {
  const accountId = received.account.id;
  const account = await directory.account(accountId);
  if (CONTROL.test(account.name)) {
    throw new NoticeDeliveryError(`account ${accountId}'s name holds control characters: notice refused`);
  }
  const notice: Notice = {
    ...received,
    account: { id: accountId, name: account.name, email: account.email },
  };
  const deliveries = deliveriesOf(
    notice,
    account.email,
    await directory.owners(accountId),
    config.adminEmail,
  );
  if (deliveries.length === 0) {
    throw new NoticeDeliveryError(
      `notice for account ${accountId} has no valid recipient (account email "${account.email}")`,
    );
  }
  const messageIds: string[] = [];
  let recipients = 0;
  for (const delivery of deliveries) {
    const rendered = renderNotice(delivery.notice, delivery.audience);
    const all = [
      ...delivery.to.map((a) => ["to", a] as const),
      ...delivery.bcc.map((a) => ["bcc", a] as const),
    ];
    recipients += all.length;
    for (let i = 0; i < all.length; i += MAX_RECIPIENTS) {
      const chunk = all.slice(i, i + MAX_RECIPIENTS);
      const pick = (field: "to" | "bcc") => chunk.filter(([f]) => f === field).map(([, a]) => a);
      const email = { from: config.senderEmail, to: pick("to"), cc: [], bcc: pick("bcc"), ...rendered };
      const id = emailId(email);
      if (progress.delivered?.includes(id)) continue;
      messageIds.push(await send(mail, email, config, accountId));
      await progress.onDelivered?.(id);
    }
  }
  return { messageIds, recipients };
}

/** Emails of the notice SES already accepted (skipped), and what to do when it accepts one. */
export interface DeliveryProgress {
  readonly delivered?: readonly string[];
  readonly onDelivered?: (emailId: string) => Promise<void>;
}

/** Names one email of a notice by its recipients and words, without holding an address. */
function emailId(email: Email): string {
  const hash = createHash("sha256");
  for (const part of [...email.to, "|", ...email.bcc, "|", email.subject]) hash.update(`${part}\n`);
  return hash.digest("hex").slice(0, 24);
}

async function send(mail: MailPort, email: Email, config: Pick<Config, "senderEmail">, accountId: string) {
  try {
    return await mail.sendEmail(email);
  } catch (error) {
    if (error instanceof AwsCallError && SES_REFUSALS.test(error.code)) {
      throw new NoticeDeliveryError(
        `SES refused the notice for account ${accountId} from ${config.senderEmail}: ${error.message}. ` +
          "Check that the sender identity is verified and that SES has production access (or the recipients are verified in the sandbox).",
        { cause: error },
      );
    }
    throw error;
  }
}

/** The directory the notifier and the CLI use: Organizations for the account, the ledger for owners. */
export function noticeDirectory(
  organization: {
    describeAccount(id: string): Promise<{ name: string; email: string }>;
    ancestorsOf?(id: string): Promise<string[]>;
  },
  ledger: { loadAccount(id: string): Promise<{ users: ReadonlyMap<string, { owner?: string }> }> },
): NoticeDirectory {
  const cache = new Map<string, Promise<string[]>>();
  const read = organization.ancestorsOf?.bind(organization);
  const ancestors = (id: string) => {
    const known = cache.get(id);
    if (known || !read) return known ?? Promise.resolve([]);
    // A failure is not kept: the notice's retry asks again.
    const asked = read(id).catch((error: unknown) => {
      cache.delete(id);
      throw error;
    });
    cache.set(id, asked);
    return asked;
  };
  return {
    account: (id) => organization.describeAccount(id),
    ...(read ? { ancestors } : {}),
    owners: async (id) => {
      const owners = new Map<string, string>();
      for (const [userName, record] of (await ledger.loadAccount(id)).users) {
        if (record.owner) owners.set(userName, record.owner);
      }
      return owners;
    },
  };
}
