import * as z from "zod/mini";
import { TOKEN_SECRET_PREFIX } from "../destinations/schema";

/**
 * The `channels` setting: chat rooms and webhooks that are told, as it happens, what needs a person
 * (an exposed key, a failure, a held or blocked key), besides the emails. Each channel's URL (and a
 * webhook's signing key) is a secret under `keyrotor-tokens/channels/` in keyrotor's own account: a webhook
 * URL lets whoever holds it post, so it is never in the configuration, a log or a message.
 */

/** Where channels' secrets are: the one part of `keyrotor-tokens/` the notifier may read. */
export const CHANNEL_SECRET_PREFIX = `${TOKEN_SECRET_PREFIX}channels/`;

/**
 * When a route's channel is told: `immediate` as the notice is sent; `weekly-digest` in one short
 * message with the weekly digest (incidents and failures still as they happen).
 */
export const ROUTE_KINDS = ["immediate", "weekly-digest"] as const;

const route = z.strictObject({
  /** Account ids (or `*`); every account when left out. */
  accounts: z._default(
    z.array(z.string().check(z.regex(/^(\d{12}|\*)$/, "must be a 12-digit AWS account id, or *"))),
    ["*"],
  ),
  /**
   * OU ids: only accounts under one of them (at any depth, as Organizations says, never the account's
   * own tags) are taken; with `accounts`, an account must match both. Every OU when left out.
   */
  ous: z.optional(
    z
      .array(z.string().check(z.regex(/^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/, "must be an OU id (ou-...)")))
      .check(z.minLength(1, "must name at least one OU (leave ous out for every OU)")),
  ),
  /** IAM user names, `*` matching any run of characters. */
  users: z._default(
    z.array(
      z
        .string()
        .check(
          z.regex(/^[\w+=,.@*-]{1,128}$/, "must be an IAM user name, `*` matching any run of characters"),
        ),
    ),
    ["*"],
  ),
  kind: z._default(z.enum(ROUTE_KINDS), "immediate"),
});

const HTTPS_LINK = /^https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[\w.~!$&'()*+,;=:@%/-]*)?$/;

export const channelSchema = z.strictObject({
  /** How the channel is named in logs, errors and the ledger: never its URL. */
  name: z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,39}$/, "must be 1-40 of a-z 0-9 -")),
  type: z.enum(["slack", "teams", "webhook"]),
  /** The secret holding `{"url": ...}` (a webhook: `{"url": ..., "signingKey": ...}`). */
  secret: z
    .string()
    .check(
      z.regex(
        /^keyrotor-tokens\/channels\/[A-Za-z0-9/_+=.@-]{1,190}$/,
        `must be the name of a secret under ${CHANNEL_SECRET_PREFIX} in keyrotor's account (the only secrets the notifier and the reporter may read)`,
      ),
    ),
  /** Where a message's link leads: the report, or the page the operators read it on. */
  reportUrl: z.optional(
    z.string().check(z.regex(HTTPS_LINK, "must be an https:// URL without query or fragment")),
  ),
  routes: z._default(z.array(route).check(z.minLength(1, "must name at least one route")), [
    { accounts: ["*"], users: ["*"], kind: "immediate" },
  ]),
});

export const channelsSchema = z._default(
  z
    .array(channelSchema)
    .check(
      z.refine(
        (channels) => new Set(channels.map((c) => c.name)).size === channels.length,
        "channel names must be unique",
      ),
    ),
  [],
);

export type Channel = z.infer<typeof channelSchema>;
export type ChannelRoute = Channel["routes"][number];
