import { describeError } from "../errors";
import type { IncidentRecord, UserRecord } from "../ledger/records";
import type { Exposure, KeyFacts } from "../lifecycle";
import type { IamUser } from "./ports";
import type { IncidentReport, UserReport } from "./report";
import type { AccountContext } from "./settings";

/**
 * An incident's progress through the user's reconciliation: the ledger's incident becomes the
 * lifecycle's exposure fact before the plan; after it, what the run did is written back (replaced,
 * revoked, deleted, handled) and the report says where the incident stands and what is left for a person.
 */

/** The incident the user's keys answer to: the latest one still open, else the latest one. */
export function currentIncident(record: UserRecord | undefined): IncidentRecord | undefined {
  const incidents = record?.incidents ?? [];
  return [...incidents].reverse().find((i) => i.handledAt === undefined) ?? incidents.at(-1);
}

/** Whether keyrotor still has something to do for the incident: the user is looked at every run until then. */
export const isOpen = (incident: IncidentRecord | undefined): boolean =>
  incident !== undefined && incident.handledAt === undefined;

/** The lifecycle's view of the incident. Only a person's request may free a slot by deleting another key. */
export function exposureOf(incident: IncidentRecord): Exposure {
  return {
    keyId: incident.keyId,
    response: incident.response,
    since: new Date(incident.openedAt),
    mayFreeSlot: incident.trigger === "cli",
  };
}

/** The incident after this run's actions on `keys` (the user's keys before the run acted). */
export function advance(
  incident: IncidentRecord,
  keys: readonly KeyFacts[],
  report: Pick<UserReport, "actions">,
  recordedKeyId: string | undefined,
  now: Date,
): IncidentRecord {
  const done = (kind: string, keyId: string) =>
    report.actions.some((a) => a.kind === kind && a.keyId === keyId && a.outcome === "done");
  const exposed = keys.find((k) => k.id === incident.keyId);
  const created = report.actions.find((a) => a.kind === "create" && a.outcome === "done")?.keyId;
  const gone = !exposed || done("delete", incident.keyId);
  const inactive = gone || exposed.status !== "Active" || done("deactivate", incident.keyId);
  const replacedBy =
    incident.replacedBy ??
    created ??
    (recordedKeyId && recordedKeyId !== incident.keyId && keys.some((k) => k.id === recordedKeyId)
      ? recordedKeyId
      : undefined);
  const at = now.toISOString();
  const next: IncidentRecord = {
    ...incident,
    ...(replacedBy ? { replacedBy } : {}),
    ...(incident.revokedAt || !inactive ? {} : { revokedAt: at }),
    ...(incident.deletedAt || !gone ? {} : { deletedAt: at }),
  };
  const answered = incident.response === "delete" ? gone : inactive;
  return next.handledAt || !(gone || (replacedBy && answered)) ? next : { ...next, handledAt: at };
}

/**
 * Writes the incident's progress to the ledger (only when it changed; never in a read-only look) and
 * returns its report. A failed write is logged: the next run, which looks at the user while the
 * incident is open, finds the same facts in IAM and writes it then.
 */
export async function keepIncident(
  ctx: AccountContext,
  user: IamUser,
  record: UserRecord | undefined,
  keys: readonly KeyFacts[] | null,
  report: UserReport,
  recordedKeyId: string | undefined,
): Promise<IncidentReport | undefined> {
  const incident = currentIncident(record);
  if (!incident || (!isOpen(incident) && !keys?.some((k) => k.id === incident.keyId))) return undefined;
  const next = keys ? advance(incident, keys, report, recordedKeyId, ctx.run.now) : incident;
  if (!ctx.run.readOnly && JSON.stringify(next) !== JSON.stringify(incident)) {
    const others = (record?.incidents ?? []).filter((i) => i !== incident);
    try {
      await ctx.ports.ledger.setIncidents(ctx.run.accountId, user.userName, [...others, next]);
    } catch (error) {
      ctx.ports.log.error("incident not recorded", {
        userName: user.userName,
        keyId: incident.keyId,
        error: describeError(error),
      });
    }
  }
  return incidentReport(next, report);
}

/** Where the incident stands after the run, and what a person must do now. */
function incidentReport(incident: IncidentRecord, report: UserReport): IncidentReport {
  const failedDestinations = (report.deliveries ?? [])
    .filter((d) => d.outcome === "failed")
    .map((d) => d.destination);
  const failedAction = report.actions.find((a) => a.outcome === "failed");
  const blocked = report.status === "exempt" || report.status === "blocked" || report.status === "held";
  const stuck =
    report.status === "exempt"
      ? `${report.userName} is exempt from rotation, so keyrotor does not touch its keys: replace and deactivate ${incident.keyId} by hand now`
      : report.status === "blocked" || report.status === "held"
        ? report.reason
        : report.status === "failed"
          ? `keyrotor could not read ${report.userName}'s keys (${report.error?.message ?? "unknown error"}); it tries again on the next run`
          : failedAction
            ? `${failedAction.kind} of ${failedAction.keyId} failed (${failedAction.error?.message ?? "unknown error"}); it is tried again on the next run`
            : undefined;
  const undelivered =
    failedDestinations.length > 0
      ? `the new key did not reach ${failedDestinations.join(", ")}: deliver it there by hand now (it is in the user's secret), or fix the destination and keyrotor delivers it on the next run`
      : undefined;
  const needsPerson = [stuck, undelivered].filter((s) => s !== undefined).join("; ");
  const state = incident.handledAt ? "handled" : blocked ? "blocked" : "open";
  return {
    ...incident,
    state,
    ...(needsPerson ? { needsPerson } : {}),
    ...(failedDestinations.length > 0 ? { failedDestinations } : {}),
  };
}
