import type { UnreadableRow } from "../errors";
import type { ReportedKey } from "../lifecycle";
import type { ReportedUser } from "../rotation/ports";
import {
  arnProblem,
  type CellKind,
  fitsCell,
  PLACEHOLDERS,
  reportBoolean,
  reportDate,
  splitHead,
  USER_NAME,
  unquote,
} from "./credential-report-cells";

export { reportDate } from "./credential-report-cells";

/** The columns after `arn`, in the order IAM writes them, and what each may hold. */
const FIXED: readonly (readonly [string, CellKind])[] = [
  ["user_creation_time", "date"],
  ["password_enabled", "boolean-or-none"],
  ["password_last_used", "date-or-none"],
  ["password_last_changed", "date-or-none"],
  ["password_next_rotation", "date-or-none"],
  ["mfa_active", "boolean-or-none"],
  ...[1, 2].flatMap((n): [string, CellKind][] => [
    [`access_key_${n}_active`, "boolean"],
    [`access_key_${n}_last_rotated`, "date-or-none"],
    [`access_key_${n}_last_used_date`, "date-or-none"],
    [`access_key_${n}_last_used_region`, "where"],
    [`access_key_${n}_last_used_service`, "where"],
  ]),
  ["cert_1_active", "boolean-or-none"],
  ["cert_1_last_rotated", "date-or-none"],
  ["cert_2_active", "boolean-or-none"],
  ["cert_2_last_rotated", "date-or-none"],
];

/** The name IAM gives the root account's row. */
const ROOT_USER = "<root_account>";

/** The report's header, as IAM writes it. */
export const REPORT_COLUMNS: readonly string[] = ["user", "arn", ...FIXED.map(([name]) => name)];

/** The users the report shows, and the rows it could not read for certain. */
export interface ParsedCredentialReport {
  readonly users: ReportedUser[];
  readonly unreadable: UnreadableRow[];
}

/**
 * Parses account `accountId`'s IAM credential report (LF or CRLF line endings) into its users, the
 * root account left out. Each row is split from the right: the columns after `arn` hold no `,` or `"`,
 * so what is left is the user name and the ARN, which IAM writes bare, quotes and commas included
 * (quoted cells, as an RFC 4180 writer would write them, are read too). A row that does not check out
 * (the cells of its columns, an ARN of this account ending with the user's name, one row per user) is
 * returned as unreadable, never guessed at or skipped: the caller then must not trust the report to
 * show every user. A header other than IAM's makes the whole report unreadable.
 */
export function parseCredentialReport(csv: string, accountId: string): ParsedCredentialReport {
  const lines = csv.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  if (lines.length > 1 && lines.at(-1) === "") lines.pop();
  if (lines.length === 1 && lines[0] === "") return unreadable(1, "the report is empty");
  const header = (lines[0] ?? "").split(",").map(unquote);
  if (header.length !== REPORT_COLUMNS.length || header.some((h, i) => h !== REPORT_COLUMNS[i])) {
    return unreadable(1, `the header is not the ${REPORT_COLUMNS.length} columns IAM writes`);
  }
  const users: ReportedUser[] = [];
  const rows: UnreadableRow[] = [];
  const seen = new Set<string>();
  for (const [i, line] of lines.slice(1).entries()) {
    const read = readRow(line, accountId);
    const problem = typeof read === "string" ? read : repeated(read, seen);
    if (problem !== undefined) rows.push({ line: i + 2, problem });
    else if (read !== null && typeof read !== "string") users.push(read);
  }
  return { users, unreadable: rows };
}

/** Why a second row of the same user (or of the root account) cannot be read; remembers the first. */
function repeated(read: ReportedUser | null, seen: Set<string>): string | undefined {
  const name = read?.userName ?? ROOT_USER;
  if (seen.has(name)) return `${read ? `user ${name}` : "the root account"} has a row already`;
  seen.add(name);
  return undefined;
}

const unreadable = (line: number, problem: string): ParsedCredentialReport => ({
  users: [],
  unreadable: [{ line, problem }],
});

/** One row: its user, `null` for the root account, or why it cannot be read for certain. */
function readRow(line: string, accountId: string): ReportedUser | null | string {
  if (line === "") return "the line is empty";
  const pieces = line.split(",");
  if (pieces.length < REPORT_COLUMNS.length) {
    return `${pieces.length} cells where IAM writes at least ${REPORT_COLUMNS.length}`;
  }
  const fixed = pieces.slice(-FIXED.length).map(unquote);
  const cell = new Map<string, string>();
  for (const [i, [name, kind]] of FIXED.entries()) {
    const value = fixed[i];
    if (value === undefined || !fitsCell(kind, value)) return `${name} is not what IAM writes there`;
    cell.set(name, value);
  }
  const head = splitHead(pieces.slice(0, -FIXED.length).join(","));
  if (!head) return "cannot tell the user name from the ARN";
  const { userName, arn } = head;
  if (userName === ROOT_USER) {
    return /^arn:aws[a-z-]*:iam::(\d{12}):root$/.exec(arn)?.[1] === accountId
      ? null
      : `the root account's ARN is not account ${accountId}'s`;
  }
  if (!USER_NAME.test(userName)) return "the user name is not one IAM allows";
  const wrongArn = arnProblem(arn, userName, accountId);
  if (wrongArn) return `user ${userName}: ${wrongArn}`;
  const keys: ReportedKey[] = [];
  for (const slot of [1, 2]) {
    const get = (column: string) => cell.get(`access_key_${slot}_${column}`) ?? "";
    const createdAt = reportDate(get("last_rotated"));
    const active = reportBoolean(get("active"));
    if (!createdAt) {
      // A key that is Active or was used has a creation date: without one the slot cannot be told empty.
      if (active || reportDate(get("last_used_date"))) {
        return `user ${userName}: key ${slot} is Active or used but has no creation date`;
      }
      continue;
    }
    keys.push({
      status: active ? "Active" : "Inactive",
      createdAt,
      lastUsedAt: reportDate(get("last_used_date")) ?? null,
      ...where(get("last_used_service"), get("last_used_region")),
    });
  }
  return { userName, arn, keys };
}

/** A placeholder is no place at all. */
function where(service: string, region: string) {
  const known = (v: string) => (PLACEHOLDERS.has(v) ? undefined : v);
  const s = known(service);
  const r = known(region);
  return { ...(s ? { lastUsedService: s } : {}), ...(r ? { lastUsedRegion: r } : {}) };
}
