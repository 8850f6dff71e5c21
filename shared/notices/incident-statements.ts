import type { NoticeEvent } from "../messages";
import type { UserReport } from "../rotation/report";
import { fingerprint, plain, type Statement } from "./matter";

/**
 * What the run says about an exposed key: once when it is answered (or found stuck), again whenever
 * where it stands changes, and never twice the same: a second `keyrotor rotate` or a replayed event
 * that changes nothing tells nothing. One that still needs a person is told again after the quiet period.
 */
export function incidentStatements(user: UserReport): Statement[] {
  const incident = user.incident;
  if (!incident) return [];
  const event: NoticeEvent = {
    kind: "incident",
    keyId: incident.keyId,
    incident: incident.state,
    trigger: incident.trigger,
    response: incident.response,
    since: incident.openedAt,
    ...(incident.replacedBy ? { replacement: incident.replacedBy } : {}),
    ...(incident.revokedAt ? { revokedAt: incident.revokedAt } : {}),
    ...(incident.deletedAt ? { deletedAt: incident.deletedAt } : {}),
    ...(incident.needsPerson ? { detail: plain(incident.needsPerson) } : {}),
    ...(incident.failedDestinations ? { destinations: [...incident.failedDestinations] } : {}),
  };
  const said = [
    incident.state,
    incident.response,
    incident.replacedBy ?? "-",
    incident.revokedAt ? "revoked" : "-",
    incident.deletedAt ? "deleted" : "-",
    fingerprint(incident.needsPerson ?? ""),
  ].join(" ");
  return [
    {
      matter: `incident:${incident.keyId}`,
      said,
      event,
      ...(incident.state === "handled" ? {} : { repeats: true }),
    },
  ];
}
