import type { Action } from "../lifecycle";
import type { AccountReport, UserReport } from "./report";

/**
 * True when the user's facts could not be read, or one of its actions, secret repairs or deliveries
 * failed in this run.
 */
export function hasFailed(user: UserReport): boolean {
  return (
    user.status === "failed" ||
    user.actions.some((a) => a.outcome === "failed") ||
    user.findings.some((f) => f.outcome === "failed") ||
    (user.deliveries ?? []).some((d) => d.outcome === "failed")
  );
}

/** Counts for the account's one summary log line. */
export function summarize(report: AccountReport) {
  const count = (kind: Action["kind"]) =>
    report.users.flatMap((u) => u.actions).filter((a) => a.kind === kind && a.outcome !== "skipped").length;
  return {
    accountId: report.accountId,
    runId: report.runId,
    mode: report.mode,
    users: report.users.length,
    unexaminedUsers: report.unexaminedUsers,
    created: count("create"),
    deactivated: count("deactivate"),
    deleted: count("delete"),
    blocked: report.users.filter((u) => u.status === "blocked" || u.status === "held").length,
    findings: report.users.reduce((n, u) => n + u.findings.length, 0),
    delivered: report.users
      .flatMap((u) => u.deliveries ?? [])
      .filter((d) => d.outcome === "done" && d.confirmedAt === report.now).length,
    deliveryFailures: report.users.flatMap((u) => u.deliveries ?? []).filter((d) => d.outcome === "failed")
      .length,
    failedUsers: report.failedUsers,
    deferredUsers: report.deferredUsers,
    ...(report.reportFallback ? { unreadableReportRows: report.reportFallback.rows } : {}),
  };
}
