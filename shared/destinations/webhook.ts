import { createHash } from "node:crypto";
import type { Redacted } from "../redacted";
import { MIN_SIGNING_KEY_LENGTH, signedHeaders } from "../webhook-signature";
import { callApi, type FailureText } from "./http";
import { WEBHOOK_NAMES, type WebhookDestination } from "./kinds/webhook";
import { apiBase } from "./places";
import {
  DEFAULT_HTTP_DEPS,
  DeliveryError,
  type DestinationWriter,
  type HttpDeps,
  type KeyToDeliver,
} from "./types";

/** The body's kind and version: a receiver tells keyrotor's key deliveries by them. */
export const WEBHOOK_TYPE = "keyrotor.key";
export const WEBHOOK_VERSION = 1;

/**
 * The delivery's id, the same on every retry of one key (so a receiver recognises a repeat): a hash of
 * the account, the user, the key's id and the fields it goes in, never of the secret.
 */
export function webhookEventId(key: KeyToDeliver, names: { accessKeyId: string; secretAccessKey: string }) {
  const of = [key.accountId, key.userName, key.accessKeyId, names.accessKeyId, names.secretAccessKey];
  return `key-${createHash("sha256").update(of.join("\n")).digest("hex").slice(0, 32)}`;
}

function fixesFor(dest: WebhookDestination): FailureText["fixes"] {
  return {
    unauthorized: `check that the receiver verifies with the signing secret in ${dest.tokenSecret} and that its clock is within 5 minutes of keyrotor's`,
    forbidden: `check that the receiver at ${apiBase(dest.url)} takes keyrotor's deliveries`,
    "not-found": `check the destination's url (${apiBase(dest.url)}) in keyrotor's configuration`,
    rejected: `check that the receiver at ${apiBase(dest.url)} takes a ${WEBHOOK_TYPE} version ${WEBHOOK_VERSION} body`,
  };
}

/**
 * POSTs a key as JSON to a receiver, signed as keyrotor's webhooks are (HMAC-SHA256 of
 * `timestamp.body`, keyed with the signing secret `token`, the headers of webhook-signature.ts). Any
 * 2xx answer confirms it; a receiver cannot be read back. A retry sends the same body and event id
 * (with a new timestamp), so a receiver that took the key already can answer 2xx without acting again.
 * The signed bytes are the bytes sent: the body is serialized once here and again, identically, when sent.
 */
export function createWebhookWriter(
  dest: WebhookDestination,
  token: Redacted<string>,
  deps: HttpDeps = DEFAULT_HTTP_DEPS,
  now: () => number = Date.now,
): DestinationWriter {
  const names = dest.names ?? WEBHOOK_NAMES;
  const what = `webhook ${apiBase(dest.url)}`;
  const text: FailureText = { what, fixes: fixesFor(dest) };
  return {
    async deliver(key) {
      if (token.reveal().length < MIN_SIGNING_KEY_LENGTH) {
        throw new DeliveryError(
          `${what} could not be written: the signing secret in ${dest.tokenSecret} is shorter than ${MIN_SIGNING_KEY_LENGTH} characters (not sent)`,
          "unauthorized",
          `put a random signing secret of at least ${MIN_SIGNING_KEY_LENGTH} characters in ${dest.tokenSecret}, the one the receiver verifies with`,
        );
      }
      const eventId = webhookEventId(key, names);
      const body = {
        type: WEBHOOK_TYPE,
        version: WEBHOOK_VERSION,
        eventId,
        accountId: key.accountId,
        userName: key.userName,
        [names.accessKeyId]: key.accessKeyId,
        [names.secretAccessKey]: key.secretAccessKey.reveal(),
      };
      const headers = signedHeaders(token.reveal(), JSON.stringify(body), now() / 1000, eventId);
      await callApi(deps, { method: "POST", url: dest.url, headers, body }, text);
    },
  };
}
