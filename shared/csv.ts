/**
 * keyrotor's one CSV writer (RFC 4180 cells), used by every CSV it writes: `keyrotor plan --format csv`
 * and the organization report's CSV.
 */

/**
 * A cell's value. Text is anything, from anywhere (account names, IAM user names, a provider's error),
 * and is never written so that a spreadsheet would run it. A number is one keyrotor computed (a count,
 * an age, a share): it is written as it is, a negative one with its `-`.
 */
export type CsvValue = string | number;

/**
 * What a spreadsheet runs as a formula at the start of a cell: `=`, `+`, `-`, `@`, a tab or a carriage
 * return, and their full-width forms, which some spreadsheets take for them.
 */
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

/**
 * One CSV cell: text that would start a formula is written behind `'`, and a cell holding a comma, a
 * quote or a line break is quoted. Whether a value is a number is its type, never its text: `"-1"` from
 * a name is text and is neutralised like any other.
 */
export function csvCell(value: CsvValue): string {
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV record: its cells joined by commas, without the line end (each output keeps its own). */
export function csvRecord(values: readonly CsvValue[]): string {
  return values.map(csvCell).join(",");
}
