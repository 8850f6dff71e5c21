import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * How keyrotor signs what it POSTs to a receiver of its own choosing (a webhook channel, a webhook
 * destination): HMAC-SHA256, keyed with a secret the receiver shares, over the timestamp, a dot and
 * the body exactly as sent. docs/channels.md and docs/destinations.md tell receivers the check.
 */

export const TIMESTAMP_HEADER = "x-keyrotor-timestamp";
export const SIGNATURE_HEADER = "x-keyrotor-signature";
export const DELIVERY_HEADER = "x-keyrotor-delivery";
/** A receiver refuses a request signed longer ago (or further ahead) than this. */
export const REPLAY_WINDOW_SECONDS = 300;
/** The shortest signing key keyrotor signs with: a short one could be guessed from a signature. */
export const MIN_SIGNING_KEY_LENGTH = 32;

/** `v1=` and the hex HMAC-SHA256, under `key`, of the timestamp, a dot and the body as sent. */
export function signature(key: string, timestamp: string, body: string): string {
  return `v1=${createHmac("sha256", key).update(`${timestamp}.${body}`).digest("hex")}`;
}

/**
 * The headers of one signed request: when it was signed (`nowSeconds`), its signature, and its
 * delivery id (the same on every retry of one delivery, so a receiver can tell a retry apart).
 */
export function signedHeaders(
  key: string,
  body: string,
  nowSeconds: number,
  delivery: string,
): Record<string, string> {
  const timestamp = String(Math.floor(nowSeconds));
  return {
    [TIMESTAMP_HEADER]: timestamp,
    [SIGNATURE_HEADER]: signature(key, timestamp, body),
    [DELIVERY_HEADER]: delivery,
  };
}

/**
 * The receiver's check: the timestamp is whole seconds within the replay window of `nowSeconds`,
 * and the signature equals the one computed, compared in constant time.
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
