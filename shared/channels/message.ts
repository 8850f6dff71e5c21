import type { Notice, NoticeEvent } from "../messages";
import type { ChannelItem } from "./routes";

/** At most this many lines name a user; the rest are counted. Keeps every channel's message short. */
export const MAX_LINES = 10;

/**
 * A channel's message, before any channel's format: a title, one line per item (user, what happened,
 * what to do), and how many were left out. Every piece that came from an account (its name, user
 * names, a destination) is plain text here: each format escapes it for its own markup.
 */
export interface ChannelMessage {
  readonly title: string;
  readonly lines: readonly ChannelLine[];
  readonly more: number;
  readonly todo: string;
  readonly reportUrl?: string;
}

export interface ChannelLine {
  readonly userName: string;
  readonly what: string;
  readonly todo: string;
}

/** What happened to a user, and what a person does about it, in a few words. */
function lineOf(event: NoticeEvent): { what: string; todo: string } {
  const key = event.keyId ? ` ${event.keyId}` : "";
  switch (event.kind) {
    case "incident":
      return event.incident === "handled"
        ? { what: `exposed key${key} revoked`, todo: "put the new key where the old one was used" }
        : {
            what: `exposed key${key} not yet contained`,
            todo: "act now: read the email to the account owner",
          };
    case "failed":
      return {
        what: `${event.action ?? "a step"} failed`,
        todo: "read the error in the email; the next run retries",
      };
    case "delivery-failed":
      return {
        what: `new key not delivered to ${event.destination ?? "a destination"}`,
        todo: event.fix ?? "fix the destination; the next run retries",
      };
    case "held":
      return { what: `old key${key} held: still in use`, todo: "move what uses it to the new key" };
    default:
      return { what: "rotation blocked", todo: "read the email for what stops it" };
  }
}

/** The message for `items` of `notice`, at most `MAX_LINES` lines. */
export function messageOf(notice: Notice, items: readonly ChannelItem[], reportUrl?: string): ChannelMessage {
  const users = new Set(items.map((i) => i.userName)).size;
  const urgent = items.some((i) => i.event.kind === "incident");
  const title =
    `${urgent ? "Exposed key in" : "Keys need attention in"} ${notice.account.name} (${notice.account.id}): ` +
    `${users} user${users === 1 ? "" : "s"}`;
  const lines = items.slice(0, MAX_LINES).map((i) => ({ userName: i.userName, ...lineOf(i.event) }));
  return {
    title,
    lines,
    more: Math.max(0, items.length - MAX_LINES),
    todo: "The account owner has the details by email.",
    ...(reportUrl ? { reportUrl } : {}),
  };
}

/** The message as plain text: the fallback every chat shows in notifications. */
export function plainText(message: ChannelMessage): string {
  const lines = message.lines.map((l) => `- ${l.userName}: ${l.what}. ${capital(l.todo)}.`);
  if (message.more > 0) lines.push(`- and ${message.more} more`);
  return [message.title, ...lines, message.todo].join("\n");
}

/** `s` with its first letter upper-case. */
export const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
