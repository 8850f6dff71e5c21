import { writeFile } from "node:fs/promises";
import { describeError } from "../../shared/errors";
import { buildOrgReport } from "../../shared/report/build-report";
import { needingAPerson } from "../../shared/report/needs-person";
import type { CsvRows } from "../../shared/report/render-csv-lists";
import type { OrgReport } from "../../shared/report/types";
import { commandUsage, type ValuesOf } from "../args";
import { cliLog, parseAsOf } from "../common";
import { loadCliSettings, PLAN_ONLY_SENDER } from "../config";
import { EnvironmentError, EXIT, UsageError } from "../errors";
import type { CommandContext } from "./context";
import { REPORT } from "./specs";

type Format = "html" | "json" | "csv";

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;

/** The report in one format (for CSV, one of its lists); each renderer is loaded only when asked for. */
async function render(format: Format, report: OrgReport, rows: CsvRows): Promise<string> {
  if (format === "json") return (await import("../../shared/report/render-json")).renderJson(report);
  if (format === "csv")
    return (await import("../../shared/report/render-csv-lists")).renderCsvRows(report, rows);
  return (await import("../../shared/report/render-html")).renderHtml(report);
}

/**
 * `keyrotor report`: where the organization's keys stand, from every account's credential report and
 * the ledger, as HTML (default), JSON or CSV, on stdout or in `--output`, naming the `--config` file's
 * digest (`configDigest`) when the file's settings are the ones in force. Reads only; exit code 1 when
 * some account could not be read (it is in the report with its error).
 */
export async function run(values: ValuesOf<typeof REPORT.options>, { io, services }: CommandContext) {
  const now = io.now?.() ?? new Date();
  const asOf = parseAsOf(values["as-of"], commandUsage(REPORT), now);
  const format = (values.format ?? "html") as Format;
  if (values.rows !== undefined && format !== "csv") {
    throw new UsageError(
      `--rows chooses a CSV list: give it with --format csv, not ${format}`,
      commandUsage(REPORT),
    );
  }
  const rows = (values.rows ?? "accounts") as CsvRows;
  // The report sends nothing, so like plan it needs no sender.
  const { config, digest } = loadCliSettings(
    { configPath: values.config, env: io.env },
    { senderEmail: PLAN_ONLY_SENDER },
  );
  const ports = await services.sweepPorts(
    { ...config, ledgerTable: values.ledger ?? config.ledgerTable },
    cliLog(io, values.verbose === true),
    { profile: values.profile, region: values.region, env: io.env },
    // Every account is read once: keeping their sessions would hold two clients per account to the end.
    { keepSessions: false },
  );
  const report = await buildOrgReport(ports, config, asOf, { configDigest: digest });
  const text = await render(format, report, rows);
  const { accounts, unreadableAccounts, activeKeys } = report.totals;
  const summary = [
    `${count(accounts, "account")}${unreadableAccounts > 0 ? ` (${unreadableAccounts} unreadable)` : ""}`,
    count(activeKeys, "active key"),
    `${count(needingAPerson(report.attention), "user")} needing a person`,
  ].join(", ");
  if (values.output === undefined) {
    // io.stdout ends the text with its own line break.
    io.stdout(text.endsWith("\n") ? text.slice(0, -1) : text);
    io.stderr(`report: ${summary}`);
  } else {
    await writeReport(values.output, text);
    io.stdout(`wrote the ${format} report to ${values.output}: ${summary}`);
  }
  return unreadableAccounts > 0 ? EXIT.failed : EXIT.ok;
}

/** @throws EnvironmentError when the file cannot be written. */
async function writeReport(path: string, text: string): Promise<void> {
  try {
    await writeFile(path, text, "utf8");
  } catch (error) {
    throw new EnvironmentError(`cannot write the report to ${path}: ${describeError(error).message}`, {
      cause: error,
    });
  }
}
