import type { Notice, NoticeEvent, NoticeUser } from "../messages";
import { wildcardMatches } from "../wildcard";
import type { Channel } from "./config";

/** What needs a person now: an exposed key, a failure, a held or blocked key, a delivery that failed. */
const IMMEDIATE: ReadonlySet<NoticeEvent["kind"]> = new Set([
  "incident",
  "failed",
  "delivery-failed",
  "held",
  "blocked",
]);

/** One thing a channel is told: a user and the event about them that needs a person. */
export interface ChannelItem {
  readonly userName: string;
  readonly event: NoticeEvent;
}

/**
 * What `channel` is told of `notice`: each immediate event of each user one of its routes takes (by
 * account and user name). Empty when nothing in the notice is for the channel.
 */
export function itemsFor(channel: Channel, notice: Notice): ChannelItem[] {
  const takes = (user: NoticeUser) =>
    channel.routes.some(
      (r) =>
        r.kind === "immediate" &&
        r.accounts.some((a) => a === "*" || a === notice.account.id) &&
        r.users.some((u) => wildcardMatches(u, user.userName)),
    );
  return notice.users
    .filter(takes)
    .flatMap((user) =>
      user.events.filter((e) => IMMEDIATE.has(e.kind)).map((event) => ({ userName: user.userName, event })),
    );
}
