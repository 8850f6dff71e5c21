import type { OrgReport } from "../types";
import { count, name, text } from "./text";

/** The id of the section and of its link in the page's navigation. */
export const OUT_OF_SCOPE_ID = "out-of-scope";

/**
 * The organization's accounts the report leaves out, each with why (suspended, excluded by id or OU,
 * outside the include lists), so "across 3 accounts" in a 4-account organization explains itself.
 * Empty when every account is in scope.
 */
export function outOfScopeSection(report: OrgReport): string {
  const out = report.outOfScope ?? [];
  if (out.length === 0) return "";
  const rows = out.map(
    (a) =>
      `<tr><td>${name(a.name)}<br><small>${text(a.accountId)}</small></td><td>${text(a.reason)}</td></tr>`,
  );
  return (
    `<section id="${OUT_OF_SCOPE_ID}"><h2>Out of scope</h2>` +
    `<p class="muted">${text(`${count(out.length, "account")} of the organization keyrotor does not rotate and this report does not read.`)}</p>` +
    `<div class="scroll"><table class="sortable scope"><thead><tr><th>Account</th><th>Why</th></tr></thead><tbody>${rows.join("")}</tbody></table></div></section>`
  );
}
