import { policiesDifferFromIam3 } from "../failing-iam3";
import { IAM3_DAYS, needingAPerson, needsAPerson } from "../needs-person";
import { percent } from "../percent";
import type { Attention, OrgReport } from "../types";
import { barChart, monthlyChart, type Tone } from "./charts";
import { gettingRidPart } from "./getting-rid";
import { count, num, shareOf, text } from "./text";

/**
 * The summary section: totals, the two compliance shares, the next 14 days, who needs a person, open
 * incidents (when there were any), charts,
 * then getting rid of keys (keys by advice, long-lived keys per month).
 */
export function summarySection(report: OrgReport): string {
  const { totals, upcoming, thresholds: t } = report;
  const iam3 = shareOf(totals.iam3Compliant, totals.activeKeys);
  const rotation = shareOf(totals.rotationCompliant, totals.activeKeys);
  const usage = shareOf(totals.usageCompliant, totals.activeKeys);
  const next = upcoming.rotations + upcoming.deactivations + upcoming.deletions;
  const kinds = attentionKinds(report, needsAPerson);
  const needing = needingAPerson(report.attention);
  const leftAlone = report.attention.length - needing;
  const cards = [
    card(
      "Accounts",
      num(totals.accounts),
      [
        `${num(totals.unreadableAccounts)} could not be read`,
        ...(report.outOfScope?.length ? [`${num(report.outOfScope.length)} out of scope`] : []),
      ].join("; "),
    ),
    card("IAM users", num(totals.users), `${num(totals.usersWithKeys)} with access keys`),
    card("Access keys", num(totals.keys), `${num(totals.activeKeys)} Active`),
    card(
      `IAM.3: Active keys under ${IAM3_DAYS} days`,
      percent(iam3),
      `${num(totals.iam3Compliant)} of ${count(totals.activeKeys, "Active key")}`,
      toneOf(iam3),
    ),
    ...(policiesDifferFromIam3(report)
      ? [
          card(
            "Within policy: Active keys under their rotateAfterDays",
            percent(rotation),
            `${num(totals.rotationCompliant)} of ${count(totals.activeKeys, "Active key")}, each by its own policy (default ${t.rotateAfterDays} days)`,
            toneOf(rotation),
          ),
        ]
      : []),
    card(
      `Unused-key rule: Active keys used in ${t.unusedAfterDays} days`,
      percent(usage),
      `${num(totals.usageCompliant)} of ${count(totals.activeKeys, "Active key")}`,
      toneOf(usage),
    ),
    card(
      "Next 14 days",
      num(next),
      `${count(upcoming.rotations, "rotation")}, ${count(upcoming.deactivations, "deactivation")}, ${count(upcoming.deletions, "deletion")}`,
    ),
    card(
      "Users who need a person",
      num(needing),
      [
        kinds.map(([kind, n]) => `${num(n)} ${KIND_WORDS[kind].short}`).join(", ") || "nobody",
        ...(leftAlone > 0 ? [`${num(leftAlone)} more exempt with keys under ${IAM3_DAYS} days`] : []),
      ].join("; "),
      needing > 0 ? "warn" : "ok",
    ),
    ...incidentCard(report),
  ];
  const age = totals.byAge;
  const use = totals.byUse;
  const charts = [
    barChart(
      "by-age",
      "Active keys by age",
      [
        { label: "under 80 days", value: age["<80"], tone: "ok" },
        { label: "80–90 days", value: age["80-90"], tone: "warn" },
        { label: "90–100 days", value: age["90-100"], tone: "bad" },
        { label: "100–110 days", value: age["100-110"], tone: "bad" },
        { label: "110 days and over", value: age[">=110"], tone: "bad" },
      ],
      totals.activeKeys,
    ),
    barChart(
      "by-use",
      "Active keys by last use",
      [
        { label: "within 45 days", value: use["<45"], tone: "ok" },
        { label: "45–90 days ago", value: use["45-90"], tone: "warn" },
        { label: "over 90 days ago", value: use[">=90"], tone: "bad" },
        { label: "never used", value: use.never, tone: "info" },
      ],
      totals.activeKeys,
    ),
    monthlyChart("by-month", "Rotations recorded per month, and the median days late", report.history),
  ];
  return (
    `<section id="summary"><h2>Summary</h2>` +
    `<p class="muted">Judged against: rotate at ${t.rotateAfterDays} days, deactivate at ${t.deactivateAfterDays}, ` +
    `delete at ${t.deleteAfterDays}; a key unused for ${t.unusedAfterDays} days breaks the unused-key rule.</p>` +
    `<div class="cards">${cards.join("")}</div><div class="charts">${charts.join("")}</div>` +
    `${gettingRidPart(report)}</section>`
  );
}

/** How each kind of attention reads: a short count word and a sentence for its group. */
export const KIND_WORDS = {
  blocked: {
    short: "blocked",
    title: "Blocked",
    says: "keyrotor cannot rotate their keys until someone acts",
  },
  failing: {
    short: "failing",
    title: "Failing",
    says: "keyrotor tried and failed; it tries again every run",
  },
  held: { short: "held", title: "Held", says: "an old key stays Active until its replacement is confirmed" },
  undelivered: {
    short: "undelivered",
    title: "Undelivered",
    says: "a new key has not reached every destination yet",
  },
  "in-use": {
    short: "in use",
    title: "Old key in use",
    says: "an old key is still used after its replacement",
  },
  exempt: {
    short: "exempt",
    title: "Exempt",
    says: "left alone on purpose (exemption group or tag); one whose key is 90 days old or more needs a person, as IAM.3 fails it",
  },
} as const;

/**
 * [kind, users] for every kind present, in the order of `KIND_WORDS` (blocked and failing first), of
 * the attention entries `counted` keeps (all of them unless told).
 */
export function attentionKinds(
  report: OrgReport,
  counted: (entry: Attention) => boolean = () => true,
): [keyof typeof KIND_WORDS, number][] {
  const kinds = Object.keys(KIND_WORDS) as (keyof typeof KIND_WORDS)[];
  const entries = report.attention.filter(counted);
  return kinds
    .map((kind) => [kind, entries.filter((a) => a.kind === kind).length] as [typeof kind, number])
    .filter(([, n]) => n > 0);
}

/** The open incidents, when the ledger holds any incident at all. */
function incidentCard(report: OrgReport): string[] {
  const incidents = report.incidents ?? [];
  if (incidents.length === 0) return [];
  const open = incidents.filter((i) => i.state === "open").length;
  return [
    card("Open incidents", num(open), `${num(incidents.length - open)} handled`, open > 0 ? "bad" : "ok"),
  ];
}

function card(title: string, figure: string, detail: string, tone?: Tone): string {
  return (
    `<div class="card"><h3>${text(title)}</h3>` +
    `<span class="big${tone ? ` ${tone}` : ""}">${text(figure)}</span><small>${text(detail)}</small></div>`
  );
}

/** Green from 95%, amber from 80%, red below. */
export function toneOf(share: number | null): Tone | undefined {
  if (share === null) return undefined;
  return share >= 0.95 ? "ok" : share >= 0.8 ? "warn" : "bad";
}
