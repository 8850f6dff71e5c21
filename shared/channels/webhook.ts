import { createHmac, timingSafeEqual } from "node:crypto";
import type { Notice } from "../messages";
import { type ChannelMessage, plainText } from "./message";
import type { ChannelItem } from "./routes";

export const TIMESTAMP_HEADER = "x-keyrotor-timestamp";
export const SIGNATURE_HEADER = "x-keyrotor-signature";
export const DELIVERY_HEADER = "x-keyrotor-delivery";
/** A receiver refuses a request signed longer ago (or further ahead) than this. */
export const REPLAY_WINDOW_SECONDS = 300;

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

/** `v1=` and the hex HMAC-SHA256, under `key`, of the timestamp, a dot and the body as sent. */
export function signature(key: string, timestamp: string, body: string): string {
  return `v1=${createHmac("sha256", key).update(`${timestamp}.${body}`).digest("hex")}`;
}

/**
 * The receiver's check, as docs/channels.md tells it: the timestamp is whole seconds within the
 * replay window of `nowSeconds`, and the signature equals the one computed, compared in constant time.
 */
export function verifySignature(
  key: string,
  headers: { readonly timestamp: string | undefined; readonly signature: string | undefined },
  body: string,
  nowSeconds: number,
): "ok" | "missing" | "stale" | "mismatch" {
  const { timestamp, signature: given } = headers;
  if (!timestamp || !given) return "missing";
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > REPLAY_WINDOW_SECONDS) {
    return "stale";
  }
  const expected = Buffer.from(signature(key, timestamp, body));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected) ? "ok" : "mismatch";
}
