import {
  INCIDENT_HISTORY,
  type IncidentRecord,
  type IncidentResponse,
  type IncidentTrigger,
} from "../ledger/records";

/**
 * A request to answer an exposed key: from a person (`keyrotor rotate`) or from AWS Health. It names
 * a key, a user, or both; neither is believed until IAM in that account shows the key is that user's.
 */
export interface IncidentRequest {
  readonly trigger: IncidentTrigger;
  /** The Health event's ARN, or the CLI run's id. */
  readonly source: string;
  readonly keyId?: string;
  readonly userName?: string;
  readonly response: IncidentResponse;
  readonly reason?: string;
}

/** An incident keyrotor will not open: the key is not that user's (or that account's), or there is none. */
export class IncidentRefusedError extends Error {
  override readonly name = "IncidentRefusedError";
}

const STRENGTH: Record<IncidentResponse, number> = { grace: 0, revoke: 1, delete: 2 };

/**
 * The user's incidents once `request` about `keyId` is joined to them. The same key asked about again
 * (a second `keyrotor rotate`, a replayed event) is the same incident: nothing new is opened, and only a
 * stronger answer (grace, then revoke, then delete) changes it, reopening it if it was handled.
 */
export function joinIncident(
  existing: readonly IncidentRecord[] | undefined,
  request: IncidentRequest,
  keyId: string,
  now: Date,
): { readonly incidents: readonly IncidentRecord[]; readonly changed: boolean } {
  const incidents = existing ?? [];
  const found = incidents.find((i) => i.keyId === keyId);
  if (found) {
    if (STRENGTH[request.response] <= STRENGTH[found.response]) return { incidents, changed: false };
    const { handledAt: _, ...open } = found;
    const stronger: IncidentRecord = { ...open, response: request.response };
    return { incidents: incidents.map((i) => (i === found ? stronger : i)), changed: true };
  }
  const opened: IncidentRecord = {
    keyId,
    trigger: request.trigger,
    source: request.source,
    ...(request.reason ? { reason: request.reason } : {}),
    response: request.response,
    openedAt: now.toISOString(),
  };
  return { incidents: [...incidents, opened].slice(-INCIDENT_HISTORY), changed: true };
}
