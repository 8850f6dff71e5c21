import { randomBytes } from "node:crypto";
import type { Log } from "../shared/rotation";
import { UsageError } from "./errors";
import type { Io } from "./process-io";
import type { SweepResult } from "./sweep";

/** The instant `--as-of` names, or now. @throws UsageError when it is not an ISO date. */
export function parseAsOf(value: string | undefined, usage: string, now: Date = new Date()): Date {
  if (value === undefined) return now;
  const date = new Date(value);
  if (Number.isNaN(date.getTime()) || !/^\d{4}-\d\d-\d\d/.test(value)) {
    throw new UsageError(
      `--as-of must be an ISO date or date-time such as 2026-06-01T06:00:00Z, got "${value}"`,
      usage,
    );
  }
  return date;
}

export function runIdFor(command: string, asOf: Date): string {
  return `cli-${command}-${asOf.toISOString().replace(/[-:.]/g, "")}-${randomBytes(3).toString("hex")}`;
}

/** The service's log: silent unless --verbose, then JSON lines on stderr (results stay on stdout). */
export function cliLog(io: Io, verbose: boolean): Log {
  const write =
    (level: string) =>
    (message: string, ...attributes: Record<string, unknown>[]) => {
      if (verbose) io.stderr(JSON.stringify(Object.assign({ level, message }, ...attributes)));
    };
  return { debug: write("DEBUG"), info: write("INFO"), warn: write("WARN"), error: write("ERROR") };
}

/** One stderr line per account as the sweep finishes it. */
export function progress(io: Io) {
  return (done: number, total: number, outcome: SweepResult["accounts"][number]) => {
    const status = outcome.error ? `failed: ${outcome.error.message}` : "done";
    io.stderr(`[${done}/${total}] ${outcome.job.account.id} (${outcome.job.account.name}) ${status}`);
  };
}

/** Rows of cells as aligned columns, two spaces apart. */
export function alignColumns(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, v] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, v.length);
  }
  return rows.map((row) =>
    row
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd(),
  );
}
