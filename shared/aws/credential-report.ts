import type { ReportedKey } from "../lifecycle";
import type { ReportedUser } from "../rotation/ports";

/**
 * A credential report date column: an ISO date, or `null` for the placeholders IAM writes where there
 * is no date (`N/A`, `no_information`, `not_supported`) and for anything else that is not a date.
 */
export function reportDate(value: string | undefined): Date | null {
  if (!value || !/^\d{4}-/.test(value)) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/**
 * Splits one CSV line into cells. A double quote opens or closes quoting, `""` inside quotes is one
 * quote, and a comma splits only outside quotes; the quotes themselves are not part of the cell.
 */
export function csvCells(line: string): string[] {
  const cells: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted && c === '"' && line[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (c === "," && !quoted) {
      cells.push(cell);
      cell = "";
    } else {
      cell += c;
    }
  }
  cells.push(cell);
  return cells;
}

/**
 * Rejoins the user name and the ARN (the report's first two columns) when they were left unquoted.
 * IAM allows `,` in a user name and in a path, and the report quotes neither, so each such comma
 * pushes every later cell one to the right. A name cannot hold `:` and every ARN starts with `arn:`,
 * so the ARN opens at the first later cell that starts with `arn:` and takes the extra cells the
 * name did not.
 */
function rejoinNameAndArn(row: string[], columnCount: number): string[] {
  const extra = row.length - columnCount;
  if (extra <= 0) return row;
  const arnAt = row.findIndex((cell, i) => i > 0 && cell.startsWith("arn:"));
  // No ARN to anchor on: assume the name and the ARN spread over the same number of cells.
  const nameCells = arnAt > 0 ? arnAt : Math.floor(extra / 2) + 1;
  const end = extra + 2;
  return [row.slice(0, nameCells).join(","), row.slice(nameCells, end).join(","), ...row.slice(end)];
}

/** What the report writes where it has no value: never used, or not known. */
const PLACEHOLDERS = new Set(["N/A", "no_information", "not_supported"]);

/** A placeholder is no place at all. */
function where(service: string | undefined, region: string | undefined) {
  const known = (v: string | undefined) => (v && !PLACEHOLDERS.has(v) ? v : undefined);
  const s = known(service);
  const r = known(region);
  return { ...(s ? { lastUsedService: s } : {}), ...(r ? { lastUsedRegion: r } : {}) };
}

/**
 * Parses the IAM credential report's CSV (LF or CRLF line endings) into its users, the root account
 * left out. A key slot whose `last_rotated` holds no date has no key; IAM's report tells only whether
 * a key is active, so every key it shows is `Active` or `Inactive`, never `Expired`.
 */
export function parseCredentialReport(csv: string): ReportedUser[] {
  const [header, ...lines] = csv.trim().split(/\r?\n/);
  const columns = csvCells(header ?? "");
  const users: ReportedUser[] = [];
  for (const line of lines) {
    const row = rejoinNameAndArn(csvCells(line), columns.length);
    const get = (name: string) => row[columns.indexOf(name)];
    const userName = get("user") ?? "";
    if (userName === "<root_account>" || userName === "") continue;
    const keys: ReportedKey[] = [];
    for (const slot of [1, 2]) {
      const createdAt = reportDate(get(`access_key_${slot}_last_rotated`));
      if (!createdAt) continue;
      keys.push({
        status: get(`access_key_${slot}_active`) === "true" ? "Active" : "Inactive",
        createdAt,
        lastUsedAt: reportDate(get(`access_key_${slot}_last_used_date`)),
        ...where(get(`access_key_${slot}_last_used_service`), get(`access_key_${slot}_last_used_region`)),
      });
    }
    users.push({ userName, arn: get("arn") ?? "", keys });
  }
  return users;
}
