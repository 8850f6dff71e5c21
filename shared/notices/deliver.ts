import type { Email } from "../aws/ses";
import { type Config, isEmailAddress } from "../config";
import { AwsCallError } from "../errors";
import type { Notice } from "../messages";
import { renderNotice } from "./render";

/** SES refused the notice (unverified sender, sandbox recipient ...) or there was nobody to send it to. */
export class NoticeDeliveryError extends Error {
  override readonly name = "NoticeDeliveryError";
}

export interface MailPort {
  sendEmail(email: Email): Promise<string>;
}

/** SES accepts at most 50 recipients per message. */
export const MAX_RECIPIENTS = 50;

/**
 * Who receives an account's notice: its owner (the Organizations account email), the owners of the
 * users it mentions (owner tag) in copy, the admin in blind copy. Each address once.
 */
export function recipientsOf(notice: Notice, adminEmail: string | null) {
  const to = [notice.account.email].filter(isEmailAddress);
  const cc = [...new Set(notice.users.map((u) => u.owner).filter(isEmailAddress))].filter(
    (a) => !to.includes(a),
  );
  const bcc = [adminEmail ?? undefined]
    .filter(isEmailAddress)
    .filter((a) => !to.includes(a) && !cc.includes(a));
  return { to, cc, bcc };
}

const SES_REFUSALS =
  /MessageRejected|MailFromDomainNotVerified|ConfigurationSetDoesNotExist|AccountSendingPaused/;

/**
 * The notifier's use case: render the notice and send it through SES, in as many messages as the
 * recipient limit requires. @throws NoticeDeliveryError when SES refuses or nobody can receive it.
 */
export async function deliverNotice(
  mail: MailPort,
  config: Pick<Config, "senderEmail" | "adminEmail">,
  notice: Notice,
): Promise<{ messageIds: string[]; recipients: number }> {
  const { to, cc, bcc } = recipientsOf(notice, config.adminEmail);
  const all = [
    ...to.map((a) => ["to", a] as const),
    ...cc.map((a) => ["cc", a] as const),
    ...bcc.map((a) => ["bcc", a] as const),
  ];
  if (all.length === 0) {
    throw new NoticeDeliveryError(
      `notice for account ${notice.account.id} has no valid recipient (account email "${notice.account.email}")`,
    );
  }
  const rendered = renderNotice(notice);
  const messageIds: string[] = [];
  for (let i = 0; i < all.length; i += MAX_RECIPIENTS) {
    const chunk = all.slice(i, i + MAX_RECIPIENTS);
    const pick = (field: "to" | "cc" | "bcc") => chunk.filter(([f]) => f === field).map(([, a]) => a);
    try {
      messageIds.push(
        await mail.sendEmail({
          from: config.senderEmail,
          to: pick("to"),
          cc: pick("cc"),
          bcc: pick("bcc"),
          ...rendered,
        }),
      );
    } catch (error) {
      if (error instanceof AwsCallError && SES_REFUSALS.test(error.code)) {
        throw new NoticeDeliveryError(
          `SES refused the notice for account ${notice.account.id} from ${config.senderEmail}: ${error.message}. ` +
            "Check that the sender identity is verified and that SES has production access (or the recipients are verified in the sandbox).",
          { cause: error },
        );
      }
      throw error;
    }
  }
  return { messageIds, recipients: all.length };
}
