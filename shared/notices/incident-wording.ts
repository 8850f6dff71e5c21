import type { NoticeEvent } from "../messages";
import { day, type Line } from "./words";

/** The managed policy AWS attaches to a user whose key it found exposed; keyrotor never detaches it. */
const QUARANTINE = "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3";

const SET_OFF = {
  health: "reported by AWS Health",
  cli: "reported by your platform team",
};

/** An exposed key: what keyrotor did, and what is left for a person whatever it did. */
export function incidentLine(user: string, e: NoticeEvent): Line {
  const key = e.keyId ?? "";
  const did = [
    e.replacement
      ? `replaced it with ${e.replacement}, stored in ${user}'s keyrotor secret`
      : "has not replaced it yet",
    e.deletedAt
      ? `deleted ${key}`
      : e.revokedAt
        ? `deactivated ${key}`
        : e.response === "grace" && e.replacement
          ? `leaves ${key} active for the usual grace period`
          : `${key} is still active`,
  ].join("; ");
  const stand =
    e.incident === "handled"
      ? "Handled."
      : e.incident === "blocked"
        ? "Stuck: a person must act now."
        : "Not finished.";
  return {
    what: `${user}: key ${key} was exposed (${SET_OFF[e.trigger ?? "cli"]} on ${day(e.since)}). keyrotor ${did}. ${stand}`,
    ...(e.destinations && e.destinations.length > 0
      ? { list: { lead: "The new key did NOT reach:", items: e.destinations } }
      : {}),
    ...(e.detail ? { why: e.detail } : {}),
    next:
      `Check what ${key} was used for while it was exposed (CloudTrail, in every region), then detach the ` +
      `quarantine policy AWS attached to ${user}, if any: keyrotor never detaches it.`,
    command:
      `aws cloudtrail lookup-events --lookup-attributes AttributeKey=AccessKeyId,AttributeValue=${key} --region <region>\n` +
      `aws iam detach-user-policy --user-name ${user} --policy-arn ${QUARANTINE}`,
  };
}
