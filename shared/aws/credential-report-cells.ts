/**
 * The grammar of the credential report's cells. Every column after `arn` holds a date, a boolean, a
 * placeholder, a region or a service name, none of which can hold `,` or `"`; only the user name
 * (`[\w+=,.@-]`) and the ARN (whose path allows `\u0021-\u007E`) can. IAM writes every cell bare,
 * so those two are read as what is left of the row once its fixed columns are taken from the right.
 */

/** What the report writes where it has no value: never used, or not known. */
export const PLACEHOLDERS: ReadonlySet<string> = new Set(["N/A", "no_information", "not_supported"]);

const ISO_DATE =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A date column: the instant, `null` for a placeholder (no date), `undefined` for anything else,
 * which is no date IAM writes and so a sign the row was not read right.
 */
export function reportDate(value: string): Date | null | undefined {
  if (PLACEHOLDERS.has(value)) return null;
  if (!ISO_DATE.test(value)) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** A boolean column, either case (IAM's documentation spells them upper case, its reports lower). */
export function reportBoolean(value: string): boolean | undefined {
  const lower = value.toLowerCase();
  return lower === "true" ? true : lower === "false" ? false : undefined;
}

/** What each column after `arn` may hold; a cell that does not fit means the row was not read right. */
export type CellKind = "date" | "date-or-none" | "boolean" | "boolean-or-none" | "where";

/** A region (`us-gov-west-1`) or a service's endpoint name (`s3`, `runtime.sagemaker`), or a placeholder. */
const WHERE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function fitsCell(kind: CellKind, value: string): boolean {
  switch (kind) {
    case "date":
      return reportDate(value) instanceof Date;
    case "date-or-none":
      return reportDate(value) !== undefined;
    case "boolean":
      return reportBoolean(value) !== undefined;
    case "boolean-or-none":
      return reportBoolean(value) !== undefined || value === "not_supported";
    case "where":
      return PLACEHOLDERS.has(value) || WHERE.test(value);
  }
}

/**
 * A cell that an RFC 4180 writer may have quoted: `"..."` with each inner quote doubled. A cell
 * that does not start with a quote is taken as it is. `undefined` for a quoted cell that is not well
 * formed (unclosed, or a lone quote inside).
 */
export function unquote(cell: string): string | undefined {
  if (!cell.startsWith('"')) return cell;
  if (cell.length < 2 || !cell.endsWith('"')) return undefined;
  const inner = cell.slice(1, -1);
  return /^(?:[^"]|"")*$/.test(inner) ? inner.replaceAll('""', '"') : undefined;
}

/** IAM's user names. */
export const USER_NAME = /^[\w+=,.@-]{1,64}$/;

/**
 * A user's ARN: `arn:<partition>:iam::<account>:user<path><name>`, the path `/` or up to 512
 * characters of `\u0021-\u007E` between slashes. The partition is checked by its shape alone.
 */
const USER_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):user(\/(?:[\x21-\x7e]{1,510}\/)?)([\w+=,.@-]{1,64})$/;

/** Why the ARN is not the ARN of `userName` in `accountId`, or `undefined` when it is. */
export function arnProblem(arn: string, userName: string, accountId: string): string | undefined {
  const m = USER_ARN.exec(arn);
  if (!m) return "the ARN is not an IAM user's ARN";
  if (m[2] !== accountId) return `the ARN names account ${m[2]}, not ${accountId}`;
  // A name of `[\w+=,.@-]` after the path's last slash is the whole last segment: it is the user or not.
  if (m[4] !== userName) return `the ARN does not end with /${userName}`;
  return undefined;
}

/**
 * The user name and the ARN from what precedes the fixed columns. A bare name holds neither `"` nor
 * `:` and a bare ARN starts with `arn:`, so the name ends at the last comma before the first `:` or
 * `"`; a name or ARN that starts with `"` was quoted. `undefined` when the two cannot be told apart.
 */
export function splitHead(head: string): { userName: string; arn: string } | undefined {
  const m = /^("(?:[^"]|"")*"|[^":]*),(.*)$/s.exec(head);
  if (!m) return undefined;
  const userName = unquote(m[1] ?? "");
  const arn = (m[2] ?? "").startsWith('"') ? unquote(m[2] ?? "") : m[2];
  return userName === undefined || arn === undefined ? undefined : { userName, arn };
}
