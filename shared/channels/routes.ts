import type { Notice, NoticeEvent, NoticeUser } from "../messages";
import { wildcardMatches } from "../wildcard";
import type { Channel, ChannelRoute } from "./config";

/** What needs a person now: an exposed key, a failure, a held or blocked key, a delivery that failed. */
const IMMEDIATE: ReadonlySet<NoticeEvent["kind"]> = new Set([
  "incident",
  "failed",
  "delivery-failed",
  "held",
  "blocked",
]);

/** What cannot wait for a weekly digest: an exposed key, a step that failed. */
const URGENT: ReadonlySet<NoticeEvent["kind"]> = new Set(["incident", "failed"]);

/** One thing a channel is told: a user and the event about them that needs a person. */
export interface ChannelItem {
  readonly userName: string;
  readonly event: NoticeEvent;
}

/**
 * What `channel` is told of `notice`: each event that needs a person of each user one of its routes
 * takes (by account, the OUs above it in `ancestors`, and user name); of a `weekly-digest` route, only incidents and failures (the rest
 * waits for the digest). Empty when nothing in the notice is for the channel.
 */
export function itemsFor(channel: Channel, notice: Notice, ancestors: readonly string[] = []): ChannelItem[] {
  const under = (ou: string) => ancestors.includes(ou);
  const kindsFor = (user: NoticeUser) => {
    const routes = channel.routes.filter((r) => routeTakes(r, notice.account.id, user.userName, under));
    if (routes.some((r) => r.kind === "immediate")) return IMMEDIATE;
    return routes.length > 0 ? URGENT : new Set<NoticeEvent["kind"]>();
  };
  return notice.users.flatMap((user) => {
    const kinds = kindsFor(user);
    return user.events.filter((e) => kinds.has(e.kind)).map((event) => ({ userName: user.userName, event }));
  });
}

/**
 * Whether `route` takes a user of an account, by account id, OU (`under` says whether the account is
 * under an OU, as Organizations has it) and user name.
 */
export function routeTakes(
  route: ChannelRoute,
  accountId: string,
  userName: string,
  under: (ou: string) => boolean,
): boolean {
  return (
    route.accounts.some((a) => a === "*" || a === accountId) &&
    (route.ous === undefined || route.ous.some(under)) &&
    route.users.some((u) => wildcardMatches(u, userName))
  );
}

/** Whether any of `channels` routes by OU: only then are an account's OUs looked up. */
export const routesByOu = (channels: readonly Channel[]) =>
  channels.some((c) => c.routes.some((r) => r.ous !== undefined));
