import { type CsvValue, csvRecord } from "../csv";
import { renderCsv, renderIncidentsCsv } from "./render-csv";
import type { OrgReport } from "./types";

/** The lists of the report a spreadsheet can take, each a CSV file of its own (`keyrotor report --rows`). */
export const CSV_ROWS = ["accounts", "incidents", "failing-iam3", "out-of-scope"] as const;
export type CsvRows = (typeof CSV_ROWS)[number];

const csvFile = (columns: readonly string[], rows: readonly CsvValue[][]) =>
  [columns, ...rows].map((cells) => `${csvRecord(cells)}\r\n`).join("");

/** The failing-keys file's header; columns are only ever added at the end. */
export const FAILING_IAM3_CSV_COLUMNS: readonly string[] = [
  "accountId",
  "accountName",
  "userName",
  "keyId",
  "ageDays",
  "lastUsedAt",
];

/**
 * The Active keys IAM.3 fails, one row each, the oldest first, as the report lists them: the key id
 * empty where IAM's listing was not read, the last use empty for a key never used.
 */
export function renderFailingIam3Csv(report: OrgReport): string {
  const names = new Map(report.accounts.map((a) => [a.accountId, a.name]));
  return csvFile(
    FAILING_IAM3_CSV_COLUMNS,
    (report.failingIam3 ?? []).map((k) => [
      k.accountId,
      names.get(k.accountId) ?? "",
      k.userName,
      k.keyId ?? "",
      k.ageDays,
      k.lastUsedAt ?? "",
    ]),
  );
}

export const OUT_OF_SCOPE_CSV_COLUMNS: readonly string[] = ["accountId", "accountName", "reason"];

/** The organization's accounts the report does not cover, each with why, in the organization's order. */
export function renderOutOfScopeCsv(report: OrgReport): string {
  return csvFile(
    OUT_OF_SCOPE_CSV_COLUMNS,
    (report.outOfScope ?? []).map((a) => [a.accountId, a.name, a.reason]),
  );
}

/** The CSV file of one of the report's lists; names and reasons are written so no spreadsheet runs them. */
export function renderCsvRows(report: OrgReport, rows: CsvRows): string {
  if (rows === "incidents") return renderIncidentsCsv(report);
  if (rows === "failing-iam3") return renderFailingIam3Csv(report);
  if (rows === "out-of-scope") return renderOutOfScopeCsv(report);
  return renderCsv(report);
}
