import { createHash } from "node:crypto";
import { keepDatesWhole } from "../email-html";
import { accountsSection } from "./html/accounts";
import { attentionSection } from "./html/attention";
import { failingIam3Section, IAM3_ID } from "./html/failing-iam3";
import { GETTING_RID_ID } from "./html/getting-rid";
import { incidentsSection } from "./html/incidents";
import { OUT_OF_SCOPE_ID, outOfScopeSection } from "./html/out-of-scope";
import { SORT_SCRIPT } from "./html/script";
import { STYLES } from "./html/styles";
import { summarySection } from "./html/summary";
import { count, instant, num, text } from "./html/text";
import type { OrgReport } from "./types";

const hash = (source: string) => `'sha256-${createHash("sha256").update(source, "utf8").digest("base64")}'`;

/**
 * Nothing loads from anywhere: no network, no file, no frame, no form. The one style sheet and the one
 * script run because their hashes are named, so markup slipped into a name could neither run a script
 * nor style the page even if it escaped the escaping; `style` attributes are not allowed either.
 */
const POLICY = [
  "default-src 'none'",
  `style-src ${hash(STYLES)}`,
  `script-src ${hash(SORT_SCRIPT)}`,
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

/** Which configuration the report was made under, when it is known: the digest `keyrotor config validate` prints. */
const configured = (report: OrgReport) =>
  report.configDigest ? `, under configuration <code>${text(report.configDigest)}</code>` : "";

/**
 * The organization's report as one self-contained HTML page: summary first (totals, IAM.3 and
 * unused-key shares, the next 14 days, who needs a person, charts as inline SVG, getting rid of keys:
 * keys by advice and long-lived keys per month), then the incidents (exposed keys, when there are any),
 * then who needs a person by kind, then the keys that fail IAM.3 by name, then the accounts, those needing a look first and the rest in collapsed groups,
 * then the organization's accounts out of scope and why (when there are any).
 * Readable without its script (which only sorts tables) and printable. Every text from the report
 * is escaped.
 */
export function renderHtml(report: OrgReport): string {
  const out = report.outOfScope?.length ?? 0;
  const across =
    out > 0
      ? `${num(report.totals.accounts)} of the organization's ${num(report.totals.accounts + out)} accounts`
      : count(report.totals.accounts, "account");
  const title = `keyrotor: access keys across ${across}`;
  const incidents = report.incidents?.length ? `<a href="#incidents">Incidents</a>` : "";
  const iam3 = report.failingIam3?.length ? `<a href="#${IAM3_ID}">Keys that fail IAM.3</a>` : "";
  const scope = out > 0 ? `<a href="#${OUT_OF_SCOPE_ID}">Out of scope</a>` : "";
  return [
    "<!doctype html>",
    `<html lang="en"><head><meta charset="utf-8">`,
    `<meta http-equiv="Content-Security-Policy" content="${POLICY}">`,
    `<meta name="referrer" content="no-referrer">`,
    `<meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<meta name="color-scheme" content="light">`,
    `<title>${text(title)}</title><style>${STYLES}</style></head>`,
    `<body><main><header><h1>${text(title)}</h1>`,
    `<p class="muted">Generated ${text(instant(report.generatedAt))} by keyrotor from the credential reports and its ledger${configured(report)}.</p>`,
    `<nav><a href="#summary">Summary</a><a href="#${GETTING_RID_ID}">Getting rid of keys</a>${incidents}<a href="#attention">Who needs a person</a>${iam3}<a href="#accounts">Accounts</a>${scope}</nav></header>`,
    // Dates stay whole on a narrow screen: a hyphen is where a line may break.
    keepDatesWhole(
      [
        summarySection(report),
        incidentsSection(report),
        attentionSection(report),
        failingIam3Section(report),
        accountsSection(report.accounts),
        outOfScopeSection(report),
      ].join("\n"),
      '<span class="nowrap">',
    ),
    `</main><script>${SORT_SCRIPT}</script></body></html>`,
    "",
  ].join("\n");
}
