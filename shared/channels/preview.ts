import type { Notice } from "../messages";
import { type Channel, channelsSchema } from "./config";
import { payloadFor } from "./post";
import { itemsFor } from "./routes";
import { signature } from "./webhook";

/** A made-up signing key: the preview shows how a request is signed, never with a real key. */
const PREVIEW_KEY = "preview-signing-key-not-a-real-one-0000";

/**
 * What a channel of `type`, routed to everyone, would receive for each sample notice, as text: the
 * kind, then the JSON body (a webhook's with its headers, signed with a made-up key), or a line saying
 * the notice holds nothing a channel is told.
 */
export function channelPreview(type: Channel["type"], samples: Readonly<Record<string, Notice>>): string {
  const [channel] = channelsSchema.parse([
    {
      name: "preview",
      type,
      secret: "keyrotor-tokens/channels/preview",
      reportUrl: "https://reports.example.com/keyrotor",
    },
  ]) as [Channel];
  const parts: string[] = [];
  for (const [kind, notice] of Object.entries(samples)) {
    const items = itemsFor(channel, notice);
    if (items.length === 0) {
      parts.push(`== ${kind}: nothing posted (no incident, failure, hold or block)`);
      continue;
    }
    const body = JSON.stringify(payloadFor(channel, notice, items));
    const headers =
      type === "webhook"
        ? (() => {
            const ts = String(Math.floor(Date.parse(notice.asOf) / 1000));
            return `X-Keyrotor-Timestamp: ${ts}\nX-Keyrotor-Signature: ${signature(PREVIEW_KEY, ts, body)}\n`;
          })()
        : "";
    parts.push(`== ${kind}\n${headers}${JSON.stringify(JSON.parse(body), null, 2)}`);
  }
  return parts.join("\n\n");
}
