import type { NoticeEvent } from "../messages";
import { type Audience, count, day, type Line } from "./words";

/** "service s3, region eu-west-1": where an old key was last used, as far as IAM tells. */
function where(e: NoticeEvent): string {
  return [e.service ? `service ${e.service}` : "", e.region ? `region ${e.region}` : ""]
    .filter(Boolean)
    .join(", ");
}

/** "last used on 2026-06-01, service s3, region eu-west-1". */
function lastUse(e: NoticeEvent): string {
  return [e.lastUsedAt ? `last used on ${day(e.lastUsedAt)}` : "", where(e)].filter(Boolean).join(", ");
}

/** The destinations a new key reached (or, in audit mode, would reach), listed under its line. */
export function destinationsList(e: NoticeEvent, lead: string): Pick<Line, "list"> {
  return e.destinations && e.destinations.length > 0 ? { list: { lead, items: e.destinations } } : {};
}

/**
 * The line for a delivery event or an old key kept Active; `undefined` for any other kind. A failing
 * token is keyrotor's operators' to fix: the owners hear only what it means for them.
 */
export function deliveryLine(user: string, e: NoticeEvent, audience: Audience = "owner"): Line | undefined {
  const key = e.keyId ?? "";
  if (e.kind === "delivery-failed" && e.tokenFault === true && audience === "owner")
    return waitingLine(user, e);
  switch (e.kind) {
    case "delivered":
      return {
        what: `${user}: new key ${key} is now delivered, after earlier attempts failed.`,
        ...destinationsList(e, "Delivered to:"),
        next: "Nothing to do: once every destination has the new key, the old key is retired on schedule.",
      };
    case "delivery-failed": {
      const tried = [
        e.since ? `failing since ${day(e.since)}` : "",
        e.attempts ? count(e.attempts, "attempt") : "",
      ].filter(Boolean);
      const old = e.replaces ? `the old key ${e.replaces}` : "the old key";
      const fix = (e.fix ?? "").replace(/\.$/, "");
      return {
        what: `${user}: delivering new key ${key} to ${e.destination} failed: ${(e.detail ?? "").replace(/\.$/, "")}${tried.length > 0 ? ` (${tried.join(", ")})` : ""}. Until it succeeds, ${old} stays Active; keyrotor retries on every run.`,
        next: fix
          ? `${fix.charAt(0).toUpperCase()}${fix.slice(1)}.`
          : "Tell your platform team if this keeps coming back.",
      };
    }
    case "in-use": {
      const used = lastUse(e);
      return {
        what: `${user}: old key ${key} is still in use${used ? ` (${used})` : ""}; keyrotor deactivates it once it has been idle a day${e.on ? `, on ${day(e.on)} at the latest` : ""}.`,
        next: `Switch whatever still uses ${key} to the new key in ${user}'s keyrotor secret.`,
      };
    }
    case "still-used": {
      const at = where(e);
      const replacement = e.replacement ? ` ${e.replacement}` : "";
      return {
        what: `${user}: old key ${key} was still used on ${day(e.lastUsedAt)}${at ? ` (${at})` : ""} after its replacement${replacement} reached every consumer; it will be deactivated ${e.on ? `on ${day(e.on)}` : "on schedule"}.`,
        next: `Find what still uses ${key} and switch it to the new key in ${user}'s keyrotor secret before then.`,
      };
    }
    case "reactivated":
      return {
        what: `${user}: key ${key} was deactivated by keyrotor and made Active again by someone: keyrotor leaves it Active.`,
        next: `Deactivate or delete it when nothing uses it (aws iam update-access-key --user-name ${user} --access-key-id ${key} --status Inactive).`,
      };
    default:
      return undefined;
  }
}

/** A token failure as its owners read it: nothing about the token, which they cannot reach. */
function waitingLine(user: string, e: NoticeEvent): Line {
  const old = e.replaces ? `the old key ${e.replaces}` : "the old key";
  return {
    what: `${user}: ${e.destination} has not received new key ${e.keyId ?? ""} yet: keyrotor's own token for it does not work, and only keyrotor's operators can fix it; they were told. Until it arrives, ${old} stays Active; keyrotor retries on every run.`,
    next: `Nothing to do: whatever reads the key there keeps working with ${old} until the new one arrives.`,
  };
}
