import { EMAIL_STYLE, emailDocument, escapeHtml } from "../email-html";
import { policiesDifferFromIam3 } from "./failing-iam3";
import { handledWithin } from "./incidents";
import { IAM3_DAYS, needsAPerson } from "./needs-person";
import { percentOf } from "./percent";
import type { Attention, Incident, OrgReport } from "./types";

/**
 * The weekly digest: the organization's standing and who needs a person, in an email short enough to
 * read on a phone, linking to the full HTML report kept in the stack's bucket. Pure: in, the report and
 * where it is stored; out, the subject, text and HTML.
 */

/** Where the full report was stored, and for how long. */
export interface StoredReport {
  readonly partition: string;
  readonly region: string;
  readonly bucket: string;
  readonly key: string;
  /** The bucket's lifecycle rule deletes the report this many days after it was stored. */
  readonly retentionDays: number;
}

export interface Digest {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** Users listed by name in the email; the rest are counted and left to the report. */
export const LISTED_USERS = 25;
/** Unreadable accounts listed by name in the email. */
export const LISTED_ACCOUNTS = 10;

/** The digest's period: it counts the incidents handled in this many days up to the report. */
export const HANDLED_PERIOD_DAYS = 7;

/** The report's object key: one per run, sortable by time, never a name a reader chose. */
export function reportKey(generatedAt: string): string {
  return `reports/${generatedAt.replace(/\.\d+Z$/, "Z").replace(/:/g, "-")}.html`;
}

/** The AWS console host of each partition that has a public one. */
const CONSOLE: Readonly<Record<string, string>> = {
  aws: "https://s3.console.aws.amazon.com",
  "aws-us-gov": "https://console.amazonaws-us-gov.com",
  "aws-cn": "https://console.amazonaws.cn",
};

/**
 * The S3 console's page for the stored object: opening it takes a console sign-in with the right to
 * read the bucket, so the link grants nothing to whoever the email reaches. `null` in a partition
 * without a public console.
 */
export function consoleUrlOf(stored: StoredReport): string | null {
  const host = CONSOLE[stored.partition];
  if (host === undefined) return null;
  const query = `region=${encodeURIComponent(stored.region)}&bucketType=general&prefix=${encodeURIComponent(stored.key)}`;
  return `${host}/s3/object/${encodeURIComponent(stored.bucket)}?${query}`;
}

const KIND: Record<Attention["kind"], string> = {
  blocked: "blocked",
  failing: "failing",
  held: "old key held",
  "in-use": "old key still in use",
  undelivered: "new key not delivered",
  exempt: "exempt",
};

/** Words from outside (names, error messages) on one line, bounded. */
const oneLine = (s: string, max = 200) => {
  const flat = s.replace(/[\p{Cc}\p{Zl}\p{Zp}\s]+/gu, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The digest's summary lines, each one fact. */
function summaryOf(report: OrgReport): string[] {
  const { totals, upcoming, thresholds } = report;
  const out = report.outOfScope?.length ?? 0;
  const failing = report.failingIam3?.length ?? 0;
  const accounts =
    out > 0
      ? `${plural(totals.accounts, "account")} in scope of the organization's ${totals.accounts + out}`
      : plural(totals.accounts, "account");
  const lines = [
    `${accounts}, ${plural(totals.users, "user")}, ${plural(totals.activeKeys, "active key")} (${plural(totals.keys, "key")} in all).`,
  ];
  if (totals.activeKeys > 0) {
    lines.push(
      `${percentOf(totals.iam3Compliant, totals.activeKeys)} of active keys are under ${IAM3_DAYS} days old (IAM.3)${policiesDifferFromIam3(report) ? `, ${percentOf(totals.rotationCompliant, totals.activeKeys)} under their policy's rotateAfterDays` : ""}; ${percentOf(totals.usageCompliant, totals.activeKeys)} were used in the last ${thresholds.unusedAfterDays} days.`,
      ...(failing > 0
        ? [
            `${plural(failing, "active key fails", "active keys fail")} IAM.3 (${IAM3_DAYS} days old or more): the full report names each.`,
          ]
        : []),
      `By age: ${Object.entries(totals.byAge)
        .map(([band, n]) => `${band.replace(">=", "≥")} days: ${n}`)
        .join(", ")}.`,
    );
  }
  lines.push(
    `Next 14 days: ${plural(upcoming.rotations, "rotation")}, ${plural(upcoming.deactivations, "deactivation")}, ${plural(upcoming.deletions, "deletion")}.`,
  );
  const month = report.history.at(-1);
  if (month) {
    const late =
      month.medianDaysLate === null
        ? ""
        : `, a median ${plural(month.medianDaysLate, "day")} after falling due`;
    lines.push(`Rotated in ${month.month}: ${plural(month.rotations, "key")}${late}.`);
  }
  return lines;
}

/**
 * Who needs a person (`needsAPerson`), exempt users with keys under IAM.3's 90 days aside (a choice
 * someone made; the report lists them).
 */
function peopleNeeded(report: OrgReport) {
  const names = new Map(report.accounts.map((a) => [a.accountId, a.name]));
  const users = report.attention.filter(needsAPerson);
  const rows = users.slice(0, LISTED_USERS).map((a) => {
    const account = accountLabel(names, a.accountId);
    const age = a.oldestKeyDays === undefined ? "" : `, oldest key ${plural(a.oldestKeyDays, "day")}`;
    // An exempt user is here only for a key IAM.3 fails: say so, or the row reads as a mistake.
    const why = a.kind === "exempt" ? `; IAM.3 fails its key and keyrotor never rotates it` : "";
    return {
      account,
      user: oneLine(a.userName, 64),
      what: `${KIND[a.kind]}${age}: ${oneLine(a.reason)}${why}`,
    };
  });
  const unreadable = report.accounts.filter((a) => a.error !== undefined);
  const listed = report.accounts.filter((a) => a.reportFallback !== undefined);
  return {
    rows,
    more: users.length - rows.length,
    exempt: report.attention.length - users.length,
    unreadable: unreadable
      .slice(0, LISTED_ACCOUNTS)
      .map((a) => `${oneLine(a.name, 60)} (${a.accountId}): ${oneLine(a.error ?? "")}`),
    moreUnreadable: Math.max(0, unreadable.length - LISTED_ACCOUNTS),
    listed: listed
      .slice(0, LISTED_ACCOUNTS)
      .map(
        (a) =>
          `${oneLine(a.name, 60)} (${a.accountId}): ${oneLine(a.reportFallback ?? "")}; every user listed through IAM instead`,
      ),
    moreListed: Math.max(0, listed.length - LISTED_ACCOUNTS),
    outOfScope: (report.outOfScope ?? [])
      .slice(0, LISTED_ACCOUNTS)
      .map((a) => `${oneLine(a.name, 60)} (${oneLine(a.accountId, 20)}): ${oneLine(a.reason)}`),
    moreOutOfScope: Math.max(0, (report.outOfScope?.length ?? 0) - LISTED_ACCOUNTS),
  };
}

const at = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
const BY: Record<Incident["trigger"], string> = {
  health: "AWS Health",
  cli: "an operator (keyrotor rotate)",
};

/** An account as the digest names it: its name and id, or its id alone. */
function accountLabel(names: ReadonlyMap<string, string>, accountId: string): string {
  const name = names.get(accountId);
  return name && name !== accountId ? `${oneLine(name, 60)} (${accountId})` : accountId;
}

/**
 * Open incidents, the most recent first (the first `LISTED_USERS`), and the incidents handled in the
 * period; `null` when there is neither. An open incident needs a person now: keyrotor is still at it,
 * or cannot go on alone, and whatever saw the key may be using it.
 */
function incidentsPart(report: OrgReport): Part | null {
  const incidents = report.incidents ?? [];
  const open = incidents.filter((i) => i.state === "open");
  const handled = handledWithin(incidents, new Date(report.generatedAt), HANDLED_PERIOD_DAYS).length;
  if (open.length === 0 && handled === 0) return null;
  const names = new Map(report.accounts.map((a) => [a.accountId, a.name]));
  const rows = open.slice(0, LISTED_USERS).map((i) => {
    const done = i.replacedBy
      ? `, replaced by ${oneLine(i.replacedBy, 40)}, ${i.revokedAt ? `deactivated ${at(i.revokedAt)}` : "not revoked yet"}`
      : ", not replaced yet";
    const what = `access key ${oneLine(i.keyId, 40)} reported exposed by ${BY[i.trigger]} on ${at(i.openedAt)}${done}`;
    return [accountLabel(names, i.accountId), oneLine(i.userName, 64), what];
  });
  const more = open.length - rows.length;
  return {
    title: open.length > 0 ? "Needs a person now: open incidents" : "Incidents",
    rows,
    lines: [
      ...(more > 0 ? [`And ${plural(more, "more open incident")}: see the full report.`] : []),
      ...(handled > 0
        ? [
            `${plural(handled, "incident")} handled in the last ${HANDLED_PERIOD_DAYS} days: exposed keys replaced and revoked as asked.`,
          ]
        : []),
      "For each exposed key, check CloudTrail for what it was used for, then remove AWS's quarantine policy (AWSCompromisedKeyQuarantine, or a later version) from the user: keyrotor never detaches it.",
    ],
  };
}

const STYLE = {
  h2: EMAIL_STYLE.h2,
  cell: EMAIL_STYLE.cell,
  button:
    "display:inline-block;padding:8px 14px;background:#0969da;color:#ffffff;border-radius:6px;text-decoration:none",
};

/** One part of the email, written once for both bodies: a title, then paragraphs, list items or rows. */
interface Part {
  readonly title?: string;
  readonly lines?: readonly string[];
  readonly items?: readonly string[];
  readonly rows?: readonly (readonly string[])[];
  /** A link, shown as a button in HTML and as its URL in text. */
  readonly link?: { readonly label: string; readonly url: string };
  /** A command after its lead, on a line of its own that never breaks in HTML; before the lines. */
  readonly command?: { readonly lead: string; readonly text: string };
}

const textOf = (part: Part) => [
  ...(part.title ? [`== ${part.title} ==`] : []),
  ...(part.rows ?? []).map(([first, ...rest]) => `- ${first} ${rest.join(": ")}`),
  ...(part.items ?? []).map((item) => `- ${item}`),
  ...(part.link ? [`${part.link.label}: ${part.link.url}`] : []),
  ...(part.command ? [`${part.command.lead} ${part.command.text}`] : []),
  ...(part.lines ?? []),
  "",
];

const htmlOf = (part: Part) => [
  ...(part.title ? [`<h2 style="${STYLE.h2}">${escapeHtml(part.title)}</h2>`] : []),
  ...(part.rows?.length
    ? [
        '<table role="presentation" style="width:100%;border-collapse:collapse;font-size:14px">',
        ...part.rows.map(
          (cells) =>
            `<tr>${cells.map((c) => `<td style="${STYLE.cell}">${escapeHtml(c)}</td>`).join("")}</tr>`,
        ),
        "</table>",
      ]
    : []),
  ...(part.items?.length ? [`<ul>${part.items.map((i) => `<li>${escapeHtml(i)}</li>`).join("")}</ul>`] : []),
  ...(part.link
    ? [
        `<p><a style="${STYLE.button}" href="${escapeHtml(part.link.url)}">${escapeHtml(part.link.label)}</a></p>`,
      ]
    : []),
  ...(part.command
    ? [
        `<p style="margin:4px 0">${escapeHtml(part.command.lead)}</p>`,
        `<code style="${EMAIL_STYLE.code}">${escapeHtml(part.command.text)}</code>`,
      ]
    : []),
  ...(part.lines ?? []).map((line) => `<p style="margin:4px 0">${escapeHtml(line)}</p>`),
];

/**
 * The digest email for `report`, stored at `stored`: open incidents first (and those handled in the
 * last `HANDLED_PERIOD_DAYS`), then the summary, who needs a person (the first
 * `LISTED_USERS`; the rest counted), accounts that could not be read, accounts whose credential report
 * could not be read (their users listed through IAM instead), and the link to the full report with the
 * configuration's digest when the report knows it.
 */
export function renderDigest(report: OrgReport, stored: StoredReport): Digest {
  const day = report.generatedAt.slice(0, 10);
  const people = peopleNeeded(report);
  const needing = people.rows.length + people.more;
  const { totals } = report;
  const standing =
    totals.activeKeys === 0
      ? "no active keys"
      : `${percentOf(totals.iam3Compliant, totals.activeKeys)} of keys within ${IAM3_DAYS} days`;
  const unreadable =
    totals.unreadableAccounts > 0 ? `, ${plural(totals.unreadableAccounts, "account")} unreadable` : "";
  const open = (report.incidents ?? []).filter((i) => i.state === "open").length;
  const urgent = open > 0 ? `${plural(open, "open incident")}, ` : "";
  const subject = `[keyrotor] Weekly report ${day}: ${urgent}${standing}, ${needing} ${needing === 1 ? "needs" : "need"} a person${unreadable}`;
  const url = consoleUrlOf(stored);
  const incidents = incidentsPart(report);
  const parts: Part[] = [
    ...(incidents ? [incidents] : []),
    { lines: summaryOf(report) },
    {
      title: "Needs a person",
      rows: people.rows.map((r) => [r.account, r.user, r.what]),
      lines: [
        ...(people.rows.length === 0 ? ["Nobody."] : []),
        ...(people.more > 0 ? [`And ${plural(people.more, "more user")}: see the full report.`] : []),
        ...(people.exempt > 0
          ? [
              `${plural(people.exempt, "user is", "users are")} exempt with keys under ${IAM3_DAYS} days: listed in the full report.`,
            ]
          : []),
      ],
    },
    ...(people.unreadable.length > 0
      ? [
          {
            title: "Accounts keyrotor could not read",
            items: people.unreadable,
            lines: people.moreUnreadable > 0 ? [`And ${plural(people.moreUnreadable, "more account")}.`] : [],
          },
        ]
      : []),
    ...(people.listed.length > 0
      ? [
          {
            title: "Credential reports keyrotor could not read",
            items: people.listed,
            lines: people.moreListed > 0 ? [`And ${plural(people.moreListed, "more account")}.`] : [],
          },
        ]
      : []),
    ...(people.outOfScope.length > 0
      ? [
          {
            title: "Accounts out of scope",
            items: people.outOfScope,
            lines: people.moreOutOfScope > 0 ? [`And ${plural(people.moreOutOfScope, "more account")}.`] : [],
          },
        ]
      : []),
    {
      title: "Full report",
      ...(url ? { link: { label: "Open in the S3 console", url } } : {}),
      command: { lead: "Or download it:", text: `aws s3 cp s3://${stored.bucket}/${stored.key} .` },
      lines: [
        `The report is kept for ${plural(stored.retentionDays, "day")}. Opening it takes a sign-in to this AWS account with the right to read its bucket.`,
        ...(report.configDigest
          ? [
              `Made under configuration ${report.configDigest} (keyrotor config validate prints it for a file).`,
            ]
          : []),
      ],
    },
  ];
  const heading = `keyrotor weekly report, ${day}`;
  const text = [heading, "", ...parts.flatMap(textOf)].join("\n");
  const html = [`<h1 style="${EMAIL_STYLE.h1}">${escapeHtml(heading)}</h1>`, ...parts.flatMap(htmlOf)];
  return { subject, text, html: documentOf(subject, html.join("\n")) };
}

function documentOf(title: string, content: string): string {
  return emailDocument(title, content, 680);
}
