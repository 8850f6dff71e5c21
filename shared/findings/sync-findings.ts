import { describeError, type ErrorReport } from "../errors";
import type { AccountLedger } from "../ledger/records";
import { addDays } from "../lifecycle";
import type { Log } from "../log";
import type { AccountReport, UserReport } from "../rotation/report";
import { type AsffFinding, type FindingProduct, findingsOf, idPrefix, sanitize } from "./asff";
import { exposedKeyOf, fromLedger, incidentFinding, incidentId } from "./incident-finding";

/** A finding Security Hub refused, and why. */
export interface RefusedFinding {
  readonly id: string;
  readonly code: string;
  readonly message: string;
}

/** A finding as Security Hub names it in an update: its Id and its product. */
export interface FindingIdentifier {
  readonly id: string;
  readonly productArn: string;
}

/** Who keyrotor's notes are by, as Security Hub shows them (and the rotator's policy requires). */
export const NOTE_AUTHOR = "keyrotor";

/**
 * Findings whose workflow Security Hub did not set RESOLVED: those it answered it could not update, or
 * every one of a request that failed (`cause`). Each may have been resolved all the same when the
 * answer was lost; the next run reads the workflow back and asks only for those still open.
 */
export class FindingsResolveError extends Error {
  override readonly name = "FindingsResolveError";
  constructor(
    readonly unresolved: readonly RefusedFinding[],
    options?: { cause?: unknown },
  ) {
    const [first] = unresolved;
    const what = first ? `${first.id} (${first.code}: ${first.message})` : "none";
    const more = unresolved.length > 1 ? ` and ${unresolved.length - 1} more` : "";
    super(`Security Hub did not resolve ${what}${more}`, options);
  }
}

/** Security Hub, as keyrotor's findings need it. */
export interface FindingsPort {
  /** Where keyrotor's findings go: the default product of the account it runs in. */
  product(): Promise<FindingProduct>;
  /** keyrotor's ACTIVE findings about the users of one member account. */
  activeFindings(accountId: string): Promise<AsffFinding[]>;
  /** Creates the findings, or updates those whose Id exists; returns those Security Hub refused. */
  importFindings(findings: readonly AsffFinding[]): Promise<RefusedFinding[]>;
  /**
   * Sets the workflow of findings Security Hub already holds to RESOLVED, with `note` by keyrotor: the
   * one change an import cannot make. Throws `FindingsResolveError` naming each one not resolved.
   */
  resolve(findings: readonly FindingIdentifier[], note: string): Promise<void>;
}

/** What one account's sync did. `looked: false`: no user was looked at, so nothing was read or written. */
export interface FindingsSync {
  readonly looked: boolean;
  readonly imported: number;
  readonly updated: number;
  readonly resolved: number;
  readonly kept: number;
  readonly refused: readonly RefusedFinding[];
  /** Handled incidents' findings whose workflow keyrotor set RESOLVED. */
  readonly workflowResolved: number;
  /** Those it asked for and Security Hub did not resolve: asked again at the next run. */
  readonly unresolved: readonly RefusedFinding[];
}

/** The user a finding is about, from its Id (`keyrotor/<account>/<user>/<problem>`). */
const userOf = (f: AsffFinding, accountId: string) => f.Id.slice(idPrefix(accountId).length).split("/")[0];

/**
 * Whether an active finding with no problem behind it in this report still stands. The report speaks
 * for the users it looked at, when it could read them. Of the others, a user in a quiet period, or
 * left `held` (triage may skip it until a step falls due), still has its problem; any other user was
 * skipped because nothing about it was due, and every other problem keeps a step due (a blocked
 * rotation, a held-back deactivation, a failed action), so it is gone; as is the user when the report
 * looked at every user of the account and not at this one.
 */
function stillStands(f: AsffFinding, report: AccountReport, ledger: AccountLedger | undefined): boolean {
  const userName = userOf(f, report.accountId) ?? "";
  const looked = report.users.find((u: UserReport) => u.userName === userName);
  if (looked) return looked.status === "deferred" || looked.status === "failed";
  if (report.unexaminedUsers === 0) return false;
  if (f.GeneratorId === "keyrotor/held" || ledger === undefined) return true;
  const until = ledger.users.get(userName)?.quiet?.until;
  return until !== undefined && new Date(until).getTime() > new Date(report.now).getTime();
}

/** The finding, closed: Security Hub moves an ARCHIVED finding out of the active view. */
export function resolved(f: AsffFinding, now: string): AsffFinding {
  const { Note: _, ...mine } = f;
  return {
    ...mine,
    UpdatedAt: now,
    Compliance: { ...f.Compliance, Status: "PASSED" },
    // Security Hub keeps the workflow its users set on findings it already holds; the record state and
    // compliance status are the provider's to change, and what closes the finding there.
    Workflow: { Status: "RESOLVED" },
    RecordState: "ARCHIVED",
  };
}

/**
 * Whether a handled incident's finding, as Security Hub holds it, still waits for keyrotor to resolve
 * it: NEW (Security Hub's default) or NOTIFIED, and no note of keyrotor's on it. keyrotor's note comes
 * with its RESOLVED, in one update: a finding that has it and is open again was reopened by a person,
 * and keyrotor leaves it to them, as it leaves a SUPPRESSED or RESOLVED one.
 */
function awaitsResolve(f: AsffFinding): boolean {
  const status = f.Workflow?.Status ?? "NEW";
  return (status === "NEW" || status === "NOTIFIED") && f.Note?.UpdatedBy !== NOTE_AUTHOR;
}

/** The Ids of the incident findings whose incident is handled: as this run's report says, else the ledger. */
function handledIncidents(report: AccountReport, ledger: AccountLedger | undefined): Set<string> {
  const handled = new Set<string>();
  const spoken = new Set<string>();
  for (const u of report.users) {
    if (!u.incident) continue;
    const id = incidentId(report.accountId, u.userName, u.incident.keyId);
    spoken.add(id);
    if (u.incident.state === "handled") handled.add(id);
  }
  for (const [userName, record] of ledger?.users ?? []) {
    for (const incident of record.incidents ?? []) {
      const id = incidentId(report.accountId, userName, incident.keyId);
      if (incident.handledAt && !spoken.has(id)) handled.add(id);
    }
  }
  return handled;
}

/** The note keyrotor resolves with: its own words and the run, nothing from outside it. */
export const resolveNote = (runId: string) =>
  `keyrotor handled this exposed key in run ${sanitize(runId, 128)}: the description says what it did and what is left for a person to check.`;

/** How long after its handling an incident Security Hub never got is still imported from the ledger. */
export const INCIDENT_FINDING_DAYS = 30;

/** A finding written again over one Security Hub holds: it keeps its creation and first observation. */
const over = (f: AsffFinding, before: AsffFinding | undefined): AsffFinding =>
  before
    ? { ...f, CreatedAt: before.CreatedAt, FirstObservedAt: before.FirstObservedAt ?? before.CreatedAt }
    : f;

/**
 * Incident findings the report does not speak for, from the ledger (as loaded before the run). They are
 * never archived: a handled incident's finding stays, RESOLVED, for the person who has to check what
 * the key did. What the ledger has handled but Security Hub still holds open (a lost import) is
 * imported handled; an incident Security Hub never got is imported while open, or within
 * `INCIDENT_FINDING_DAYS` of its handling; anything else stands as it is.
 */
function incidentsFromLedger(
  report: AccountReport,
  product: FindingProduct,
  active: ReadonlyMap<string, AsffFinding>,
  current: ReadonlySet<string>,
  ledger: AccountLedger | undefined,
): { created: AsffFinding[]; resolved: AsffFinding[] } {
  const created: AsffFinding[] = [];
  const resolved: AsffFinding[] = [];
  const since = addDays(new Date(report.now), -INCIDENT_FINDING_DAYS).getTime();
  const users = new Map(report.users.map((u) => [u.userName, u]));
  for (const [userName, record] of ledger?.users ?? []) {
    for (const incident of record.incidents ?? []) {
      const id = incidentId(report.accountId, userName, incident.keyId);
      if (current.has(id)) continue;
      const before = active.get(id);
      const recent = !incident.handledAt || new Date(incident.handledAt).getTime() >= since;
      const stale =
        before && incident.handledAt && before.ProductFields?.["keyrotor/IncidentState"] !== "handled";
      if (before ? !stale : !recent) continue;
      const finding = over(
        incidentFinding(report, product, userName, fromLedger(incident), users.get(userName)),
        before,
      );
      (before ? resolved : created).push(finding);
    }
  }
  return { created, resolved };
}

/** What one account's sync writes: the findings to import, and those whose workflow to resolve. */
export interface FindingsPlan {
  readonly writes: AsffFinding[];
  readonly resolve: FindingIdentifier[];
  readonly imported: number;
  readonly updated: number;
  readonly resolved: number;
  readonly kept: number;
}

/**
 * What to import for one account: each current finding (an existing one keeps its creation and first
 * observation), each active finding whose problem is gone, resolved, and the incidents the ledger
 * knows better than Security Hub (`incidentsFromLedger`). And what to resolve: each handled incident's
 * finding Security Hub holds and shows open (`awaitsResolve`), however long ago the incident was handled
 * (a resolve that failed is caught up as a lost import is); a finding it does not hold yet is not (an
 * update needs one to exist), and the next run finds it. Pure.
 */
export function planFindings(
  report: AccountReport,
  product: FindingProduct,
  active: readonly AsffFinding[],
  ledger?: AccountLedger,
): FindingsPlan {
  const existing = new Map(active.map((f) => [f.Id, f]));
  const current = findingsOf(report, product).map((f) => over(f, existing.get(f.Id)));
  const ids = new Set(current.map((f) => f.Id));
  const gone = active.filter((f) => !ids.has(f.Id));
  const closed = gone
    .filter((f) => exposedKeyOf(f, report.accountId) === null && !stillStands(f, report, ledger))
    .map((f) => resolved(f, report.now));
  const incidents = incidentsFromLedger(report, product, existing, ids, ledger);
  const updated = current.filter((f) => existing.has(f.Id)).length;
  const handled = handledIncidents(report, ledger);
  const resolve = active
    .filter((f) => exposedKeyOf(f, report.accountId) !== null && handled.has(f.Id) && awaitsResolve(f))
    .map((f) => ({ id: f.Id, productArn: f.ProductArn }));
  return {
    writes: [...current, ...closed, ...incidents.created, ...incidents.resolved],
    resolve,
    imported: current.length - updated + incidents.created.length,
    updated,
    resolved: closed.length + incidents.resolved.length,
    kept: gone.length - closed.length - incidents.resolved.length,
  };
}

/**
 * Brings Security Hub to this report: reads keyrotor's active findings for the account, imports the
 * current ones and closes those whose problem is gone, then resolves the workflow of handled incidents'
 * findings Security Hub still shows open (an import cannot). An account where no user was looked at is
 * left as it is (nothing keyrotor knows changed), which keeps Security Hub's GetFindings, limited to
 * a few calls a second, to the accounts where something happened.
 */
export async function syncFindings(
  port: FindingsPort,
  report: AccountReport,
  ledger?: AccountLedger,
): Promise<FindingsSync> {
  if (report.users.length === 0) {
    return {
      looked: false,
      imported: 0,
      updated: 0,
      resolved: 0,
      kept: 0,
      refused: [],
      workflowResolved: 0,
      unresolved: [],
    };
  }
  const product = await port.product();
  const active = await port.activeFindings(report.accountId);
  const { writes, resolve, ...counts } = planFindings(report, product, active, ledger);
  const refused = writes.length > 0 ? await port.importFindings(writes) : [];
  const unresolved = resolve.length > 0 ? await resolveAll(port, resolve, resolveNote(report.runId)) : [];
  return {
    looked: true,
    ...counts,
    refused,
    workflowResolved: resolve.length - unresolved.length,
    unresolved,
  };
}

/**
 * `port.resolve`, its failure returned rather than thrown: the imports are done by now, and the findings
 * it did not resolve are read back open, and asked for again, at the next run.
 */
async function resolveAll(
  port: FindingsPort,
  findings: readonly FindingIdentifier[],
  note: string,
): Promise<readonly RefusedFinding[]> {
  try {
    await port.resolve(findings, note);
    return [];
  } catch (error) {
    if (error instanceof FindingsResolveError) return error.unresolved;
    const { name, message }: ErrorReport = describeError(error);
    return findings.map((f) => ({ id: f.id, code: name, message }));
  }
}

/**
 * `syncFindings` for the rotator's job: a failure is logged, never thrown. The rotation and its
 * notice are done by now; throwing would send the job round SQS again and, after three receives, to
 * the dead-letter queue and its alarm, for a mirror of facts that the next run syncs again in full.
 */
export async function publishFindings(
  ports: { readonly findings: FindingsPort; readonly log: Log },
  report: AccountReport,
  ledger?: AccountLedger,
): Promise<FindingsSync | null> {
  try {
    const sync = await syncFindings(ports.findings, report, ledger);
    if (sync.refused.length > 0) ports.log.error("Security Hub refused findings", { refused: sync.refused });
    if (sync.unresolved.length > 0) {
      const { accountId } = report;
      ports.log.error("Security Hub did not resolve findings", { accountId, unresolved: sync.unresolved });
    }
    if (sync.looked) {
      ports.log.info("findings synced", {
        ...sync,
        refused: sync.refused.length,
        unresolved: sync.unresolved.length,
      });
    }
    return sync;
  } catch (error) {
    ports.log.error("findings not synced", { accountId: report.accountId, error: describeError(error) });
    return null;
  }
}
