import type { Attention, OrgReport } from "../types";
import { attentionKinds, KIND_WORDS } from "./summary";
import { count, dayOf, name, num, text } from "./text";

/** Groups at most this long open by themselves; longer ones wait for a click (and open for print). */
const OPEN_UP_TO = 100;

/**
 * Who needs a person: one group per kind, blocked and failing first, each a sortable table of the
 * account, the user, why, the age of the oldest Active key and since when. Exempt users are a
 * choice someone made, so their group starts closed.
 */
export function attentionSection(report: OrgReport): string {
  const names = new Map(report.accounts.map((a) => [a.accountId, a.name]));
  const groups = attentionKinds(report).map(([kind, n]) => {
    const words = KIND_WORDS[kind];
    const rows = report.attention.filter((a) => a.kind === kind).map((a) => row(a, names.get(a.accountId)));
    const open = n <= OPEN_UP_TO && kind !== "exempt" ? " open" : "";
    return (
      `<details${open}><summary>${words.title}: ${count(n, "user")}, ${words.says}</summary>` +
      `<div class="scroll"><table class="sortable people"><thead><tr><th>Account</th><th>User</th><th>Why</th>` +
      `<th class="n">Oldest key (days)</th><th>Since</th></tr></thead><tbody>${rows.join("")}</tbody></table></div></details>`
    );
  });
  const body =
    groups.length > 0 ? groups.join("") : "<p>Nobody: keyrotor can handle every user by itself.</p>";
  return `<section id="attention"><h2>Who needs a person</h2>${body}</section>`;
}

function row(a: Attention, accountName: string | undefined): string {
  const account = accountName === undefined ? "" : `${name(accountName)} `;
  // Only a user policy other than its account's is named: the account's is in the accounts table.
  const policy = a.policy === undefined ? "" : `<br><small>policy ${name(a.policy)}</small>`;
  return (
    `<tr><td>${account}<small>${text(a.accountId)}</small></td><td>${name(a.userName)}${policy}</td>` +
    `<td>${text(a.reason)}</td><td class="n">${a.oldestKeyDays === undefined ? "" : num(a.oldestKeyDays)}</td>` +
    `<td>${a.since === undefined ? "" : text(dayOf(a.since))}</td></tr>`
  );
}
