import type { Config } from "../config";
import { emitAccountEvents } from "../events/emit";
import type { EventsPort } from "../events/publish";
import type { PublishSummary } from "../events/types";
import { type FindingsPort, publishFindings } from "../findings/sync-findings";
import type { IncidentRequest } from "../incidents/request";
import { respondToIncident } from "../incidents/respond";
import type { LedgerPort, OutboxPort } from "../ledger/records";
import type { NoticeSink, RotationJob } from "../messages";
import { type ComposeSettings, composeNotice } from "../notices/compose";
import { postNotice } from "../notices/outbox";
import type { KeyPorts, Log } from "../rotation/ports";
import type { AccountReport } from "../rotation/report";
import {
  type AccountOpener,
  type RotateAccountOptions,
  rotateAccount,
  throwIfDeferred,
} from "../rotation/rotate-account";
import type { RotationSettings } from "../rotation/settings";

export interface RotatorPorts {
  readonly openAccount: AccountOpener;
  readonly ledger: LedgerPort & OutboxPort;
  readonly notices: NoticeSink;
  readonly log: Log;
  readonly keys?: KeyPorts;
  /** Security Hub, for keyrotor's own findings; absent, none are imported. */
  readonly findings?: FindingsPort;
  /** The account's OUs from Organizations, for policies that name OUs (`RotateAccountPorts`). */
  readonly ancestorsOf?: (accountId: string) => Promise<readonly string[]>;
  /** EventBridge, for the lifecycle events (`lifecycleEvents`); absent, none are put. */
  readonly events?: EventsPort;
}

export interface JobAttempt extends RotateAccountOptions {
  /** 1 for the first delivery of the job (SQS's ApproximateReceiveCount): the notice's part number. */
  readonly attempt?: number;
  /** A person's request to answer an exposed key (`keyrotor rotate`); a queued job carries its own. */
  readonly incident?: IncidentRequest;
}

/** The request a queued job's incident makes: AWS Health's event asks for a revocation, no more. */
function requestOf(job: RotationJob): IncidentRequest | undefined {
  const incident = job.incident;
  return (
    incident && {
      trigger: incident.trigger,
      source: incident.source,
      keyId: incident.keyId,
      response: "revoke",
    }
  );
}

/**
 * The rotator's job, in these steps:
 * 1. rotate the account (`shared/rotation/rotate-account.ts`), or, for an exposed key, that key's user
 *    (`shared/incidents/respond.ts`), which returns its report;
 * 2. compose the notice from the report, record it in the ledger's outbox, and queue it with any
 *    notice of an earlier run not yet delivered (`shared/notices/outbox.ts`); in read-only mode
 *    (`keyrotor plan`) compose it as if nothing had been told and hand it over unrecorded;
 * 3. with `securityHubFindings`, bring keyrotor's Security Hub findings about the account to the
 *    report (`shared/findings/sync-findings.ts`; a failure is logged, never thrown);
 * 4. with `lifecycleEvents`, put the report's lifecycle events on EventBridge (`shared/events/`; a
 *    failure is logged and returned, never thrown; a job delivered again puts the same event ids);
 * 5. when time ran short and users were left, throw `TimeBudgetError`, after the notice for what
 *    was done, so the job is delivered again for the rest (its notice is the next part).
 */
export async function rotateJob(
  ports: RotatorPorts,
  settings: RotationSettings &
    ComposeSettings &
    Pick<Config, "passwordPolicy"> &
    Partial<Pick<Config, "securityHubFindings" | "lifecycleEvents">>,
  job: RotationJob,
  { attempt = 1, shouldStop, readOnly, incident }: JobAttempt = {},
): Promise<{ report: AccountReport; noticeSent: boolean; events?: PublishSummary }> {
  const request = incident ?? requestOf(job);
  const { report, loaded, policy } = request
    ? await respondToIncident(ports, settings, job, request, readOnly ? { readOnly } : {})
    : await rotateAccount(ports, settings, job, {
        ...(shouldStop ? { shouldStop } : {}),
        ...(readOnly ? { readOnly } : {}),
      });
  const told = policy?.repeatFailuresAfterDays
    ? { ...settings, repeatFailuresAfterDays: policy.repeatFailuresAfterDays }
    : settings;
  const { notice } = readOnly
    ? composeNotice(job, report, told, undefined, attempt)
    : await postNotice(ports, told, job, report, { attempt, ...(loaded ? { loaded } : {}) });
  if (readOnly && notice) await ports.notices.sendNotice(notice);
  if (ports.findings && settings.securityHubFindings && !readOnly) {
    await publishFindings({ findings: ports.findings, log: ports.log }, report, loaded);
  }
  const events = readOnly
    ? undefined
    : await emitAccountEvents(ports, settings, report, ports.keys?.verifier !== undefined);
  throwIfDeferred(report);
  return { report, noticeSent: notice !== null, ...(events ? { events } : {}) };
}
