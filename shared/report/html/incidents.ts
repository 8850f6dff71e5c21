import type { Incident, OrgReport } from "../types";
import { count, instant, name, num, text } from "./text";

/** Rows the section shows at most: every open incident, then the most recent handled ones. */
export const MAX_INCIDENT_ROWS = 500;

const TRIGGER: Record<Incident["trigger"], string> = {
  health: "AWS Health",
  cli: "keyrotor rotate",
};

/**
 * Incidents: every exposed key keyrotor answered for, the most recent first, with what it did and
 * when, and what is left for a person. Empty (no section at all) when the ledger holds none.
 */
export function incidentsSection(report: OrgReport): string {
  const incidents = report.incidents ?? [];
  if (incidents.length === 0) return "";
  const names = new Map(report.accounts.map((a) => [a.accountId, a.name]));
  const open = incidents.filter((i) => i.state === "open");
  const handled = incidents.filter((i) => i.state === "handled");
  const kept = new Set([...open, ...handled.slice(0, Math.max(0, MAX_INCIDENT_ROWS - open.length))]);
  const shown = incidents.filter((i) => kept.has(i));
  const left = incidents.length - shown.length;
  const more =
    left > 0 ? `<p class="muted">And ${count(left, "more handled incident")}: see the JSON report.</p>` : "";
  return (
    `<section id="incidents"><h2>Incidents</h2>` +
    `<p>${num(open.length)} open, ${num(handled.length)} handled: access keys reported exposed, which keyrotor replaced at once and revoked as asked, the most recent first.</p>` +
    `<p class="muted">${text(PERSON)}</p>` +
    `<div class="scroll"><table class="sortable incidents"><thead><tr><th>Account</th><th>User</th><th>Exposed key</th><th>Trigger</th>` +
    `<th>Opened</th><th>Replacement</th><th>Revoked</th><th>Deleted</th><th>Handled</th></tr></thead>` +
    `<tbody>${shown.map((i) => row(i, names.get(i.accountId))).join("")}</tbody></table></div>${more}</section>`
  );
}

/** What keyrotor leaves to a person for every incident, handled or not. */
const PERSON =
  "For each, a person checks CloudTrail for what the exposed key was used for, and when done removes the quarantine policy AWS may have attached to the user (AWSCompromisedKeyQuarantine, or a later version): keyrotor never detaches it.";

const at = (iso: string | undefined) => (iso === undefined ? "" : text(instant(iso)));

function row(i: Incident, accountName: string | undefined): string {
  const account = accountName === undefined ? "" : `${name(accountName)} `;
  const why = i.reason === undefined ? "" : `: ${text(i.reason)}`;
  const handled = i.handledAt === undefined ? `<td class="bad">open</td>` : `<td>${at(i.handledAt)}</td>`;
  return (
    `<tr><td>${account}<small>${text(i.accountId)}</small></td><td>${name(i.userName)}</td>` +
    `<td>${text(i.keyId)}</td><td>${TRIGGER[i.trigger]}<br><small>${text(i.source)}${why}</small></td>` +
    `<td>${at(i.openedAt)}</td><td>${i.replacedBy === undefined ? "" : text(i.replacedBy)}</td>` +
    `<td>${at(i.revokedAt)}</td><td>${at(i.deletedAt)}</td>${handled}</tr>`
  );
}
