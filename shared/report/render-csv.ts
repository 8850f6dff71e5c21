import { ADVICE_KINDS, type AdviceKind } from "../advice/types";
import { type CsvValue, csvRecord } from "../csv";
import type { AccountPolicyReport } from "../rotation/report";
import { ATTENTION_ORDER, shareOf } from "./aggregate";
import { needingAPerson } from "./needs-person";
import {
  AGE_BANDS,
  type AgeBand,
  type Attention,
  type Incident,
  type KeyCounts,
  type OrgReport,
  type Upcoming,
  USE_BANDS,
  type UseBand,
} from "./types";

const AGE_COLUMNS: Record<AgeBand, string> = {
  "<80": "ageUnder80",
  "80-90": "age80to90",
  "90-100": "age90to100",
  "100-110": "age100to110",
  ">=110": "age110plus",
};
const USE_COLUMNS: Record<UseBand, string> = {
  never: "neverUsed",
  "<45": "usedUnder45",
  "45-90": "used45to90",
  ">=90": "used90plus",
};
const ATTENTION_COLUMNS: Record<Attention["kind"], string> = {
  blocked: "blocked",
  failing: "failing",
  held: "held",
  undelivered: "undelivered",
  "in-use": "inUse",
  exempt: "exempt",
};

const ADVICE_COLUMNS: Record<AdviceKind, string> = {
  remove: "adviceRemove",
  oidc: "adviceOidc",
  "scoped-role": "adviceScopedRole",
  "roles-anywhere-or-identity-center": "adviceRolesAnywhereOrIdentityCenter",
};

/**
 * The header: names a spreadsheet or a pipeline can address, the same on every report. Columns are
 * only ever added at the end, so a sheet that reads them by position keeps working.
 */
export const CSV_COLUMNS: readonly string[] = [
  "accountId",
  "accountName",
  "error",
  "users",
  "usersWithKeys",
  "keys",
  "activeKeys",
  ...AGE_BANDS.map((b) => AGE_COLUMNS[b]),
  ...USE_BANDS.map((b) => USE_COLUMNS[b]),
  "rotationCompliant",
  "rotationCompliantShare",
  "usageCompliant",
  "usageCompliantShare",
  "upcomingRotations",
  "upcomingDeactivations",
  "upcomingDeletions",
  ...ATTENTION_ORDER.map((k) => ATTENTION_COLUMNS[k]),
  ...ADVICE_KINDS.map((k) => ADVICE_COLUMNS[k]),
  "reportFallback",
  "openIncidents",
  "handledIncidents",
  "policy",
  "policyMode",
  "policyRotateAfterDays",
  "policyDeactivateAfterDays",
  "policyDeleteAfterDays",
  "needingAPerson",
  "iam3Compliant",
  "iam3CompliantShare",
];

/** A share to four decimals (0.9231), empty when there are no Active keys. */
const share = (part: number, whole: number): CsvValue => {
  const s = shareOf(part, whole);
  return s === null ? "" : Math.round(s * 10_000) / 10_000;
};

function row(
  name: { id: string; name: string; error: string; fallback: string },
  counts: KeyCounts,
  upcoming: Upcoming,
  attention: readonly Attention[],
  incidents: readonly Incident[],
  policy?: AccountPolicyReport,
): CsvValue[] {
  const open = incidents.filter((i) => i.state === "open").length;
  const byKind = new Map<Attention["kind"], number>();
  for (const a of attention) byKind.set(a.kind, (byKind.get(a.kind) ?? 0) + 1);
  return [
    name.id,
    name.name,
    name.error,
    counts.users,
    counts.usersWithKeys,
    counts.keys,
    counts.activeKeys,
    ...AGE_BANDS.map((b) => counts.byAge[b]),
    ...USE_BANDS.map((b) => counts.byUse[b]),
    counts.rotationCompliant,
    share(counts.rotationCompliant, counts.activeKeys),
    counts.usageCompliant,
    share(counts.usageCompliant, counts.activeKeys),
    upcoming.rotations,
    upcoming.deactivations,
    upcoming.deletions,
    ...ATTENTION_ORDER.map((k) => byKind.get(k) ?? 0),
    ...ADVICE_KINDS.map((k) => counts.byAdvice?.[k] ?? ""),
    name.fallback,
    open,
    incidents.length - open,
    policy?.name ?? "",
    policy?.mode ?? "",
    policy?.rotateAfterDays ?? "",
    policy?.deactivateAfterDays ?? "",
    policy?.deleteAfterDays ?? "",
    needingAPerson(attention),
    counts.iam3Compliant,
    share(counts.iam3Compliant, counts.activeKeys),
  ];
}

/**
 * The report as CSV for spreadsheets: a header, one row per account, then a `TOTAL` row for the
 * organization. The attention columns count the account's users of each kind; who they are and why
 * is in the JSON and the HTML. The advice columns count the Active keys advised each way of getting
 * rid of them (empty in a report made without advice); the incident columns count the account's exposed
 * keys still open and handled (which keys is `renderIncidentsCsv`'s file); the policy columns name the
 * account's policy and its mode and days (empty on the TOTAL row); `needingAPerson` counts the users who
 * need a person as the HTML report and the digest count them (`needsAPerson`). Records end with CRLF, as
 * RFC 4180 has them.
 * Names and errors come from outside keyrotor: `csvRecord` writes them so that no spreadsheet runs them.
 */
export function renderCsv(report: OrgReport): string {
  const { totals } = report;
  const incidents = report.incidents ?? [];
  const byAccount = new Map<string, Incident[]>();
  for (const i of incidents) {
    const listed = byAccount.get(i.accountId);
    if (listed) listed.push(i);
    else byAccount.set(i.accountId, [i]);
  }
  const listed = report.accounts.filter((a) => a.reportFallback !== undefined).length;
  const rows = [
    CSV_COLUMNS,
    ...report.accounts.map((a) =>
      row(
        { id: a.accountId, name: a.name, error: a.error ?? "", fallback: a.reportFallback ?? "" },
        a,
        a.upcoming,
        a.attention,
        byAccount.get(a.accountId) ?? [],
        a.policy,
      ),
    ),
    row(
      {
        id: "TOTAL",
        name: `${totals.accounts} accounts`,
        error: totals.unreadableAccounts > 0 ? `${totals.unreadableAccounts} unreadable` : "",
        fallback: listed > 0 ? `${listed} listed through IAM` : "",
      },
      totals,
      report.upcoming,
      report.attention,
      incidents,
    ),
  ];
  return rows.map((cells) => `${csvRecord(cells)}\r\n`).join("");
}

/** The incidents file's header; like the report's, columns are only ever added at the end. */
export const INCIDENT_CSV_COLUMNS: readonly string[] = [
  "accountId",
  "accountName",
  "userName",
  "keyId",
  "state",
  "trigger",
  "response",
  "openedAt",
  "replacedBy",
  "revokedAt",
  "deletedAt",
  "handledAt",
  "source",
  "reason",
];

/**
 * The report's incidents as a CSV file of their own: a header, then one row per exposed key, the most
 * recent first, each instant in ISO form and empty where it has not happened. The operator's reason,
 * the source and the names are written by `csvRecord`, so no spreadsheet runs them.
 */
export function renderIncidentsCsv(report: OrgReport): string {
  const names = new Map(report.accounts.map((a) => [a.accountId, a.name]));
  const rows = (report.incidents ?? []).map((i): CsvValue[] => [
    i.accountId,
    names.get(i.accountId) ?? "",
    i.userName,
    i.keyId,
    i.state,
    i.trigger,
    i.response,
    i.openedAt,
    i.replacedBy ?? "",
    i.revokedAt ?? "",
    i.deletedAt ?? "",
    i.handledAt ?? "",
    i.source,
    i.reason ?? "",
  ]);
  return [INCIDENT_CSV_COLUMNS, ...rows].map((cells) => `${csvRecord(cells)}\r\n`).join("");
}
