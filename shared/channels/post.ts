import { send } from "../destinations/http-send";
import { retryAfterSeconds } from "../destinations/rate-limit";
import type { HttpDeps } from "../destinations/types";
import type { Notice } from "../messages";
import type { Redacted } from "../redacted";
import { MIN_SIGNING_KEY_LENGTH, signedHeaders } from "../webhook-signature";
import type { Channel } from "./config";
import { messageOf } from "./message";
import type { ChannelItem } from "./routes";
import { slackPayload } from "./slack";
import { slackRefusal } from "./slack-errors";
import { teamsPayload } from "./teams";
import { webhookPayload } from "./webhook";

/**
 * A channel could not be told: its secret is missing or malformed, or its service refused or did not
 * answer. The message names the channel and the HTTP status only: never the URL, which is a secret.
 */
export class ChannelPostError extends Error {
  override readonly name: string = "ChannelPostError";
  constructor(
    message: string,
    readonly retryAfterSeconds?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A channel's service refused the post for good (Slack's `channel_is_archived`, `invalid_token`...):
 * no retry would change it, so the channel is failed once for the notice and the message says what
 * to fix, never the URL.
 */
export class ChannelRefusedError extends ChannelPostError {
  override readonly name: string = "ChannelRefusedError";
}

/** What a channel's secret holds, read: its URL and, for a webhook, the key it is signed with. */
export interface ChannelSecret {
  readonly url: string;
  readonly signingKey?: string;
}

export interface ChannelPostDeps {
  readonly http: HttpDeps;
  /** Plain http to 127.0.0.1 (the tests' local servers): off unless a test switches it on. */
  readonly allowLoopbackHttp: boolean;
  readonly nowSeconds: () => number;
}

const LOOPBACK = /^(127\.0\.0\.1|localhost|\[::1\])$/;

/**
 * The secret's value as a channel's settings. The URL must be https (http to this machine only with
 * `allowLoopbackHttp`), hold no user name or password; a webhook needs a signing key of 32+ characters.
 * @throws ChannelPostError saying what is wrong, never the value.
 */
export function parseChannelSecret(
  channel: Channel,
  value: Redacted<string>,
  allowLoopbackHttp: boolean,
): ChannelSecret {
  const bad = (why: string) =>
    new ChannelPostError(`channel ${channel.name}: the secret ${channel.secret} ${why}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.reveal());
  } catch {
    throw bad('is not JSON such as {"url": "https://..."}');
  }
  const fields = (typeof parsed === "object" && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const { url, signingKey } = fields;
  if (typeof url !== "string" || !URL.canParse(url)) throw bad("holds no valid url");
  const parts = new URL(url);
  const local = parts.protocol === "http:" && allowLoopbackHttp && LOOPBACK.test(parts.hostname);
  if (parts.protocol !== "https:" && !local) throw bad("holds a url that is not https://");
  if (parts.username || parts.password) throw bad("holds a url with a user name or password");
  if (channel.type !== "webhook") return { url };
  if (typeof signingKey !== "string" || signingKey.length < MIN_SIGNING_KEY_LENGTH) {
    throw bad("holds no signingKey of at least 32 characters (a webhook's messages are signed)");
  }
  return { url, signingKey };
}

/** The body a channel of `channel.type` receives for `items` of `notice`. */
export function payloadFor(channel: Channel, notice: Notice, items: readonly ChannelItem[]) {
  const message = messageOf(notice, items, channel.reportUrl);
  switch (channel.type) {
    case "slack":
      return slackPayload(message);
    case "teams":
      return teamsPayload(message);
    case "webhook":
      return webhookPayload(notice, items, message);
  }
}

/**
 * Posts `items` of `notice` to one channel. Any 2xx answer is success (Slack says `ok`, a Teams
 * workflow `202 Accepted`). No redirect is followed: it would carry the message elsewhere.
 * @throws ChannelRefusedError for Slack's permanent refusals (`slackRefusal`).
 * @throws ChannelPostError for any other outcome, with Slack's or the server's Retry-After when rate limited.
 */
export async function postToChannel(
  deps: ChannelPostDeps,
  channel: Channel,
  secret: ChannelSecret,
  notice: Notice,
  items: readonly ChannelItem[],
): Promise<void> {
  const delivery = `${notice.noticeId ?? notice.runId}/${channel.name}`;
  await postBody(deps, channel, secret, payloadFor(channel, notice, items), delivery);
}

/**
 * Posts `body` to one channel, a webhook's signed and carrying `delivery` as its delivery id.
 * @throws as `postToChannel`.
 */
export async function postBody(
  deps: ChannelPostDeps,
  channel: Channel,
  secret: ChannelSecret,
  body: unknown,
  delivery: string,
): Promise<void> {
  const headers =
    channel.type === "webhook" && secret.signingKey
      ? signedHeaders(secret.signingKey, JSON.stringify(body), deps.nowSeconds(), delivery)
      : {};
  const sent = await send(deps.http, { method: "POST", url: secret.url, headers, body });
  const where = `channel ${channel.name} (${channel.type})`;
  if (sent.kind === "unreachable")
    throw new ChannelPostError(`${where} could not be reached (${sent.reason})`);
  if (sent.kind === "too-large") throw new ChannelPostError(`${where} answered with over 1 MiB (refused)`);
  if (sent.kind === "redirect")
    throw new ChannelPostError(`${where} answered with a redirect: check its URL`);
  const { status, headers: answer } = sent.response;
  if (status >= 200 && status < 300) return;
  const refused = channel.type === "slack" ? slackRefusal(status, sent.response.text) : null;
  if (refused)
    throw new ChannelRefusedError(`${where}: Slack answered ${status} ${refused.code}: ${refused.fix}`);
  if (status === 429) {
    const wait = Math.ceil(retryAfterSeconds(answer) ?? 60);
    throw new ChannelPostError(`${where} is rate limited for ${wait} s`, wait);
  }
  throw new ChannelPostError(`${where} refused the message: HTTP ${status}`);
}
