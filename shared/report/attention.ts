import type { Config } from "../config";
import type { UserRecord } from "../ledger/records";
import type { UserPlan } from "../lifecycle";
import type { ReportedUser } from "../rotation/ports";
import type { Attention } from "./types";

/** A pending creation younger than this may be a run at work, not a run that stopped. */
const PENDING_GRACE_MS = 3_600_000;

export type Concern = Pick<Attention, "kind" | "reason" | "since">;
const day = (iso: string | Date) => new Date(iso).toISOString().slice(0, 10);

/**
 * The one thing about a user a person must look at, the most pressing first (blocked, failing, held,
 * undelivered, in use, exempt), from the lifecycle's plan over the credential report and from the
 * ledger (quiet periods, creations never recorded, failing deliveries); `null`: nothing.
 */
export function concernOf(
  user: ReportedUser,
  record: UserRecord | undefined,
  plan: UserPlan,
  exempt: "group" | "tag" | null,
  settings: Pick<Config, "exemptGroupName" | "exemptTag">,
  now: Date,
): Concern | null {
  const quiet = record?.quiet && Date.parse(record.quiet.until) > now.getTime() ? record.quiet : undefined;
  if (plan.status === "blocked") {
    const reason = "rotation is due but the user already has two keys and neither may be deleted yet";
    return {
      kind: "blocked",
      reason,
      ...(plan.blockedSince ? { since: plan.blockedSince.toISOString() } : {}),
    };
  }
  if (quiet?.reason === "blocked") {
    const reason = `blocked at keyrotor's look on ${day(quiet.since)}: two keys it may not delete, or a secret at the user's name it did not create`;
    return { kind: "blocked", reason, since: quiet.since };
  }
  const delivery = record?.delivery;
  const failures =
    delivery && delivery.keyId === record?.recorded?.keyId ? Object.entries(delivery.failures) : [];
  if (failures.length > 0) {
    const reason = failures
      .map(
        ([to, f]) =>
          `delivery to ${to} failing since ${day(f.since)}: ${f.message}${f.fix ? ` (fix: ${f.fix})` : ""}`,
      )
      .join("; ");
    return { kind: "failing", reason, since: failures.map(([, f]) => f.since).sort()[0] };
  }
  const pending = record?.pending;
  if (pending && plan.status !== "held" && now.getTime() - Date.parse(pending.since) > PENDING_GRACE_MS) {
    const reason = `a key creation begun ${day(pending.since)} was never recorded in the user's secret`;
    return { kind: "failing", reason, since: pending.since };
  }
  if (plan.status === "held" || quiet?.reason === "held") {
    const reason =
      "a key keyrotor created was never recorded and has been used: a person must check who uses it";
    return {
      kind: "held",
      reason,
      ...(pending ? { since: pending.since } : quiet ? { since: quiet.since } : {}),
    };
  }
  const hold = plan.holds[0];
  if (hold?.reason === "undelivered") {
    const to = hold.destinations ?? [];
    const reason = `the old key stays Active until ${to.length === 1 ? "1 destination confirms" : `${to.length} destinations confirm`} the new key: ${to.join(", ")}`;
    return { kind: "undelivered", reason, since: hold.dueOn.toISOString() };
  }
  if (hold?.reason === "in-use") {
    const reason = `the old key was used in the last day; its deactivation waits${hold.until ? ` until ${day(hold.until)} at the latest` : ""}`;
    return { kind: "in-use", reason, since: hold.dueOn.toISOString() };
  }
  if (exempt !== null && user.keys.length > 0) {
    const by = exempt === "group" ? `group ${settings.exemptGroupName}` : `tag ${settings.exemptTag}`;
    return { kind: "exempt", reason: `exempt by ${by}` };
  }
  return quiet?.reason === "exempt" ? { kind: "exempt", reason: "exempt at keyrotor's last look" } : null;
}
