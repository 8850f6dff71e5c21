import type { OrgReport } from "../types";
import { barChart, monthLabel, trendChart } from "./charts";
import { count, num, text } from "./text";

/** The id the summary's "Getting rid of keys" part and the page's navigation share. */
export const GETTING_RID_ID = "getting-rid-of-keys";

/**
 * The summary's "Getting rid of keys" part: why fewer keys beats rotated keys, the Active keys by the
 * advice on replacing them (remove, an OIDC role, a scoped role, Roles Anywhere or Identity Center),
 * and the organization's long-lived keys per month, so a team can see the number go down.
 */
export function gettingRidPart(report: OrgReport): string {
  const { totals, thresholds } = report;
  const advice = totals.byAdvice;
  // Sentences one by one: `text` bounds each text it escapes, and together they are longer.
  const words = [
    "An access key is a long-lived credential: rotation shortens its life, a role whose credentials expire on their own ends it.",
    ...(advice
      ? [
          `keyrotor's advice for the ${count(totals.activeKeys, "Active key")}: ${num(advice.remove)} to remove (unused for ${thresholds.unusedAfterDays} days),`,
          `${num(advice.oidc)} to replace with an OIDC role for the CI that receives them,`,
          `${num(advice["scoped-role"])} with a role scoped to the few services they are used with,`,
          `${num(advice["roles-anywhere-or-identity-center"])} with IAM Roles Anywhere (a server outside AWS) or IAM Identity Center (a person).`,
        ]
      : ["This report was made without advice."]),
  ];
  const charts = [
    advice
      ? barChart(
          "by-advice",
          "Active keys by advice",
          [
            { label: "remove (unused)", value: advice.remove, tone: "warn" },
            { label: "OIDC role for CI", value: advice.oidc, tone: "info" },
            { label: "role for a few services", value: advice["scoped-role"], tone: "info" },
            {
              label: "Roles Anywhere / Identity Center",
              value: advice["roles-anywhere-or-identity-center"],
              tone: "info",
            },
          ],
          totals.activeKeys,
          230,
        )
      : "",
    trendChart("trend", "Long-lived (Active) keys per month", report.trend ?? []),
  ];
  return (
    `<h3 id="${GETTING_RID_ID}">Getting rid of keys</h3>` +
    `<p>${words.map(text).join(" ")} <code>keyrotor advise --account ID --user NAME</code> prints one user's advice with its policy documents.</p>` +
    `<p class="muted">${text(trendWords(report))}</p>` +
    `<div class="charts">${charts.join("")}</div>`
  );
}

/** How the count moved from the first month counted to the last, and what a month's count is. */
function trendWords(report: OrgReport): string {
  const counted = (report.trend ?? []).filter((m) => m.activeKeys !== null);
  const first = counted[0];
  const last = counted.at(-1);
  const what =
    "Each past month sums the Active keys every account had at keyrotor's last run that month, and this month's counts what this report read; an account keyrotor did not run in that month adds its latest earlier count (a hollow point).";
  if (!first?.activeKeys || !last || last.activeKeys === null || first === last) return what;
  const change = Math.round(((last.activeKeys - first.activeKeys) / first.activeKeys) * 100);
  const moved = change === 0 ? "about the same" : change < 0 ? `${-change}% fewer` : `${change}% more`;
  return `Since ${monthLabel(first.month)}: ${num(first.activeKeys)} long-lived keys, now ${num(last.activeKeys)} (${moved}). ${what}`;
}
