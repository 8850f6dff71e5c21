import type { Notice } from "../messages";
import { type ChannelMessage, plainText } from "./message";
import type { ChannelItem } from "./routes";

// The signing is shared with the webhook destination: one scheme, one implementation.
export {
  DELIVERY_HEADER,
  REPLAY_WINDOW_SECONDS,
  SIGNATURE_HEADER,
  signature,
  TIMESTAMP_HEADER,
  verifySignature,
} from "../webhook-signature";

/** A signed webhook's body: the notice's ids, the items as data, and the same words a chat gets. */
export function webhookPayload(
  notice: Notice,
  items: readonly ChannelItem[],
  message: ChannelMessage,
): Record<string, unknown> {
  return {
    version: 1,
    type: "keyrotor.notice",
    noticeId: notice.noticeId ?? null,
    asOf: notice.asOf,
    mode: notice.mode,
    account: { id: notice.account.id, name: notice.account.name },
    items: items.map((i) => ({
      userName: i.userName,
      kind: i.event.kind,
      ...(i.event.keyId ? { keyId: i.event.keyId } : {}),
      ...(i.event.incident ? { incident: i.event.incident } : {}),
      ...(i.event.destination ? { destination: i.event.destination } : {}),
    })),
    text: plainText(message),
    ...(message.reportUrl ? { reportUrl: message.reportUrl } : {}),
  };
}
