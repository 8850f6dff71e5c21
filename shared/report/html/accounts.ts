import { needingAPerson } from "../needs-person";
import { percent } from "../percent";
import type { AccountSummary } from "../types";
import { toneOf } from "./summary";
import { count, name, num, shareOf, text } from "./text";

/** Accounts shown open at the top; the rest wait in groups by compliance. */
const FIRST = 50;
/** An organization this small shows every group open. */
const SMALL = 25;

/** The lower of an account's two compliance shares; `null` without Active keys. */
function worstShare(a: AccountSummary): number | null {
  const rotation = shareOf(a.rotationCompliant, a.activeKeys);
  const usage = shareOf(a.usageCompliant, a.activeKeys);
  return rotation === null || usage === null ? null : Math.min(rotation, usage);
}

const needsLook = (a: AccountSummary) =>
  a.error !== undefined ||
  a.reportFallback !== undefined ||
  a.attention.length > 0 ||
  (worstShare(a) ?? 1) < 1;

const NAMES = new Intl.Collator("en");

/** Unreadable first, then the most users needing a person, then the least compliant, then by name. */
function byConcern(a: AccountSummary, b: AccountSummary): number {
  return (
    Number(b.error !== undefined) - Number(a.error !== undefined) ||
    b.attention.length - a.attention.length ||
    (worstShare(a) ?? 2) - (worstShare(b) ?? 2) ||
    NAMES.compare(a.name, b.name)
  );
}

const GROUPS: { title: string; holds: (a: AccountSummary) => boolean }[] = [
  { title: "Could not be read", holds: (a) => a.error !== undefined },
  { title: "Under 50% compliant", holds: (a) => (worstShare(a) ?? 1) < 0.5 },
  { title: "50% to 90% compliant", holds: (a) => (worstShare(a) ?? 1) < 0.9 },
  { title: "90% to 100% compliant", holds: (a) => (worstShare(a) ?? 1) < 1 },
  { title: "Fully compliant", holds: (a) => worstShare(a) !== null },
  { title: "No Active keys", holds: () => true },
];

/**
 * Every account once: those needing a look first, open (unreadable, most users needing a person,
 * least compliant), then the long tail in collapsed groups by compliance, the lower of the IAM.3
 * and unused-key shares. Each table sorts by any column.
 */
export function accountsSection(accounts: readonly AccountSummary[]): string {
  const ranked = [...accounts].sort(byConcern);
  const first = ranked.filter(needsLook).slice(0, FIRST);
  const shown = new Set(first);
  const remaining = ranked.filter((a) => !shown.has(a));
  const open = accounts.length <= SMALL ? " open" : "";
  const groups: string[] = [];
  const placed = new Set<AccountSummary>();
  for (const group of GROUPS) {
    const members = remaining.filter((a) => !placed.has(a) && group.holds(a));
    for (const a of members) placed.add(a);
    if (members.length === 0) continue;
    groups.push(
      `<details${open}><summary>${group.title}: ${count(members.length, "account")}</summary>${table(members)}</details>`,
    );
  }
  const lead =
    first.length > 0
      ? `<h3>${first.length === 1 ? "The account" : `The ${num(first.length)} accounts`} to look at first</h3>${table(first)}`
      : "<p>Every account complies and nobody needs a person.</p>";
  const rest =
    groups.length > 0 ? `<h3>${first.length > 0 ? "The others" : "All accounts"}</h3>${groups.join("")}` : "";
  return `<section id="accounts"><h2>Accounts</h2>${lead}${rest}</section>`;
}

const HEAD =
  `<thead><tr><th>Account</th><th>Policy</th><th class="n">Users</th><th class="n">Active keys</th>` +
  `<th class="n">IAM.3</th><th class="n">Unused‑key rule</th><th class="n">Keys 90+ days</th>` +
  `<th class="n">Unused 45+ days</th><th class="n" title="rotations / deactivations / deletions">Next 14 days</th>` +
  `<th class="n">Need a person</th></tr></thead>`;

function table(accounts: readonly AccountSummary[]): string {
  return `<div class="scroll"><table class="sortable accounts">${HEAD}<tbody>${accounts.map(row).join("")}</tbody></table></div>`;
}

function row(a: AccountSummary): string {
  const error = a.error === undefined ? "" : `<br><small class="error">${text(a.error)}</small>`;
  const listed =
    a.reportFallback === undefined
      ? ""
      : `<br><small class="warn">credential report unreadable: ${text(a.reportFallback)}; every user listed through IAM</small>`;
  const old = a.byAge["90-100"] + a.byAge["100-110"] + a.byAge[">=110"];
  const unused = a.byUse["45-90"] + a.byUse[">=90"];
  const { rotations, deactivations, deletions } = a.upcoming;
  return (
    `<tr><td>${name(a.name)}<br><small>${text(a.accountId)}</small>${error}${listed}</td>` +
    `<td>${policyCell(a.policy)}</td><td class="n">${num(a.users)}</td><td class="n">${num(a.activeKeys)}</td>` +
    share(shareOf(a.iam3Compliant, a.activeKeys)) +
    share(shareOf(a.usageCompliant, a.activeKeys)) +
    `<td class="n">${num(old)}</td><td class="n">${num(unused)}</td>` +
    `<td class="n" data-v="${rotations + deactivations + deletions}">${rotations} / ${deactivations} / ${deletions}</td>` +
    `<td class="n">${num(needingAPerson(a.attention))}</td></tr>`
  );
}

/** The account's policy: its name, mode and rotate / deactivate / delete days; empty in a report made before policies. */
function policyCell(policy: AccountSummary["policy"]): string {
  if (!policy) return "";
  const { rotateAfterDays: r, deactivateAfterDays: d, deleteAfterDays: x } = policy;
  return `${name(policy.name)}<br><small>${text(policy.mode)}, ${r} / ${d} / ${x} days</small>`;
}

/** A share cell; without Active keys a dash that sorts after 100%. */
function share(value: number | null): string {
  const tone = toneOf(value);
  const data = value === null ? ` data-v="101"` : "";
  return `<td class="n${tone ? ` ${tone}` : ""}"${data}>${percent(value)}</td>`;
}
