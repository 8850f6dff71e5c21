import { IAM3_DAYS } from "../needs-person";
import type { OrgReport } from "../types";
import { count, dayOf, name, num, text } from "./text";

/** The id of the section and of its link in the page's navigation. */
export const IAM3_ID = "iam3";
/** Keys listed on the page at most; the JSON holds every one. */
export const MAX_IAM3_ROWS = 500;

/**
 * The Active keys Security Hub's IAM.3 fails (`IAM3_DAYS` days old or more), the oldest first: account,
 * user, key id, age and last use, so a person can go from the count to the key. Empty without any.
 */
export function failingIam3Section(report: OrgReport): string {
  const keys = report.failingIam3 ?? [];
  if (keys.length === 0) return "";
  const names = new Map(report.accounts.map((a) => [a.accountId, a.name]));
  const rows = keys.slice(0, MAX_IAM3_ROWS).map((k) => {
    const account = names.get(k.accountId);
    return (
      `<tr><td>${account === undefined ? "" : `${name(account)} `}<small>${text(k.accountId)}</small></td>` +
      `<td>${name(k.userName)}</td><td><code>${k.keyId === null ? "not read" : text(k.keyId)}</code></td>` +
      `<td class="n">${num(k.ageDays)}</td><td>${k.lastUsedAt === null ? "never" : text(dayOf(k.lastUsedAt))}</td></tr>`
    );
  });
  const more =
    keys.length > MAX_IAM3_ROWS
      ? `<p class="muted">${text(`And ${count(keys.length - MAX_IAM3_ROWS, "older key")} not listed here: the JSON report lists every one.`)}</p>`
      : "";
  return (
    `<section id="${IAM3_ID}"><h2>Keys that fail IAM.3</h2>` +
    `<p class="muted">${text(`${count(keys.length, "Active key")} ${IAM3_DAYS} days old or more, the oldest first: Security Hub's IAM.3 fails each, whatever keyrotor's thresholds. A key id reads "not read" when IAM's listing of the user's keys failed or was not made.`)}</p>` +
    `<div class="scroll"><table class="sortable keys"><thead><tr><th>Account</th><th>User</th><th>Key id</th>` +
    `<th class="n">Age (days)</th><th>Last used</th></tr></thead><tbody>${rows.join("")}</tbody></table></div>${more}</section>`
  );
}
