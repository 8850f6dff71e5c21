import type { IncidentRecord } from "../ledger/records";
import type { IncidentReport, UserReport } from "../rotation/report";
import { type AsffFinding, type FindingProduct, idPrefix, sanitize } from "./asff-format";

/**
 * The Security Hub finding about one exposed key: what was exposed, what keyrotor did, and what is left
 * for a person. One per account and key, whichever run or retry imports it; never archived by keyrotor
 * (a handled incident stays on record, resolved), so a person still sees what to check.
 */

/** The problem word of an incident finding: its GeneratorId is `keyrotor/incident`. */
export const INCIDENT = "incident";

/** `keyrotor/<account>/<user>/incident/<key>`: the key decides it; the user is there as in every keyrotor Id. */
export const incidentId = (accountId: string, userName: string, keyId: string) =>
  `${idPrefix(accountId)}${userName}/${INCIDENT}/${keyId}`;

/** The exposed key of an incident finding, from its Id; `null` for any other finding. */
export function exposedKeyOf(f: Pick<AsffFinding, "Id" | "GeneratorId">, accountId: string): string | null {
  if (f.GeneratorId !== `keyrotor/${INCIDENT}`) return null;
  const [, problem, keyId, ...rest] = f.Id.slice(idPrefix(accountId).length).split("/");
  return problem === INCIDENT && keyId && rest.length === 0 ? keyId : null;
}

/** Where an incident stands: the run's report says `blocked`; the ledger alone knows handled or open. */
export type IncidentState = IncidentReport["state"];

/** The incident as the ledger holds it, where no report of this run speaks for it. */
export const fromLedger = (record: IncidentRecord): IncidentReport => ({
  ...record,
  state: record.handledAt ? "handled" : "open",
});

/** Whether the exposed key can still sign: as the report lists the user's keys; unknown counts as yes. */
function stillActive(incident: IncidentReport, user: UserReport | undefined): boolean {
  const key = user?.keys.find((k) => k.id === incident.keyId);
  if (key) return key.status === "Active";
  if (incident.revokedAt || incident.deletedAt) return false;
  // Keys listed without it: deleted. No keys listed: unread (a failed user) unless it has none.
  return !(user && (user.keys.length > 0 || user.status === "no-keys"));
}

const when = (iso: string) => {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return match ? `${match[1]} ${match[2]} UTC` : sanitize(iso, 40);
};

const OUTCOME: Record<IncidentRecord["response"], string> = {
  revoke: "replaced and deactivated",
  delete: "replaced and deleted",
  grace: "replaced; the exposed key follows the usual grace",
};

function titleOf(incident: IncidentReport): string {
  if (incident.state === "handled")
    return `exposed access key ${incident.keyId} ${OUTCOME[incident.response]}`;
  const doing = incident.state === "blocked" ? "keyrotor needs a person" : "keyrotor is replacing it";
  return `access key ${incident.keyId} exposed, ${doing}`;
}

function descriptionOf(incident: IncidentReport): string {
  const source = sanitize(incident.source, 300);
  const reason = incident.reason ? `: "${sanitize(incident.reason, 200)}"` : "";
  const reported =
    incident.trigger === "health"
      ? `AWS Health reported access key ${incident.keyId} exposed (AWS_RISK_CREDENTIALS_EXPOSED, ${source})`
      : `An operator reported access key ${incident.keyId} exposed (keyrotor rotate, run ${source})`;
  const done = [
    ...(incident.revokedAt ? [`deactivated it on ${when(incident.revokedAt)}`] : []),
    ...(incident.deletedAt ? [`deleted it on ${when(incident.deletedAt)}`] : []),
  ];
  const did = incident.replacedBy
    ? `keyrotor replaced it with ${incident.replacedBy}${done.length ? ` and ${done.join(" and ")}` : ""}.`
    : `keyrotor has not replaced it yet${done.length ? `; it ${done.join(" and ")}` : ""}.`;
  const standing =
    incident.state === "handled" && incident.handledAt
      ? `keyrotor's part was done on ${when(incident.handledAt)}.`
      : incident.state === "blocked"
        ? `keyrotor cannot go on without a person: ${sanitize(incident.needsPerson ?? "see its notice", 300)}.`
        : "keyrotor goes on at its next run.";
  const failed = incident.failedDestinations?.length
    ? ` ${sanitize(incident.failedDestinations.join(", "), 300)} did not get the new key: each needs a person now.`
    : "";
  return sanitize(`${reported} on ${when(incident.openedAt)}${reason}. ${did} ${standing}${failed}`, 1024);
}

function remediationOf(incident: IncidentReport, active: boolean): string {
  const grace =
    incident.response === "grace" && active
      ? "The exposed key is still Active: deactivate it as soon as nothing needs it. "
      : "";
  return (
    `${grace}Check CloudTrail for every call signed with ${incident.keyId}, and undo what was not yours. ` +
    "When done, remove AWS's quarantine policy (AWSCompromisedKeyQuarantine, or a later version) from the user if AWS attached it: keyrotor never detaches it."
  );
}

/**
 * The finding for `incident` of `userName` in the report's account. CRITICAL while keyrotor is not done
 * and the exposed key can still sign (whoever saw it can use it now); HIGH otherwise: the key is dead or
 * replaced as asked, but what it was used for is still a person's to find out. NEW while open, RESOLVED
 * once handled (keyrotor's part is done); ACTIVE either way.
 */
export function incidentFinding(
  run: { readonly accountId: string; readonly runId: string; readonly now: string },
  product: FindingProduct,
  userName: string,
  incident: IncidentReport,
  user?: UserReport,
): AsffFinding {
  const active = stillActive(incident, user);
  const open = incident.state !== "handled";
  const listed = user?.keys.find((k) => k.id === incident.keyId)?.status;
  const keyStatus = listed === "Active" || listed === "Inactive" ? listed : undefined;
  return {
    SchemaVersion: "2018-10-08",
    Id: incidentId(run.accountId, userName, incident.keyId),
    ProductArn: product.productArn,
    GeneratorId: `keyrotor/${INCIDENT}`,
    AwsAccountId: product.accountId,
    Types: ["Effects/Data Exposure"],
    CreatedAt: run.now,
    UpdatedAt: run.now,
    FirstObservedAt: incident.openedAt,
    LastObservedAt: run.now,
    Severity: { Label: open && active ? "CRITICAL" : "HIGH" },
    // IAM user names, account ids and key ids hold no control characters: the title needs no cleaning.
    Title: `IAM user ${userName} in account ${run.accountId}: ${titleOf(incident)}`,
    Description: descriptionOf(incident),
    Remediation: { Recommendation: { Text: remediationOf(incident, active) } },
    ProductFields: {
      "keyrotor/AccountId": run.accountId,
      "keyrotor/UserName": userName,
      "keyrotor/Problem": INCIDENT,
      ...(user ? { "keyrotor/Status": user.status } : {}),
      "keyrotor/RunId": sanitize(run.runId, 128),
      "keyrotor/KeyId": incident.keyId,
      "keyrotor/IncidentState": incident.state,
      "keyrotor/Trigger": incident.trigger,
      "keyrotor/Response": incident.response,
      ...(incident.replacedBy ? { "keyrotor/ReplacedBy": incident.replacedBy } : {}),
    },
    Resources: [
      {
        Type: "AwsIamUser",
        Id: `arn:${product.partition}:iam::${run.accountId}:user/${userName}`,
        Region: product.region,
        Details: { AwsIamUser: { UserName: userName } },
      },
      {
        Type: "AwsIamAccessKey",
        Id: incident.keyId,
        Region: product.region,
        Details: {
          AwsIamAccessKey: {
            PrincipalName: userName,
            PrincipalType: "IAMUser",
            ...(keyStatus ? { Status: keyStatus } : {}),
          },
        },
      },
    ],
    Workflow: { Status: open ? "NEW" : "RESOLVED" },
    RecordState: "ACTIVE",
  };
}
