import { EMAIL_STYLE, emailDocument, escapeHtml } from "../email-html";
import type { Notice, NoticeEvent } from "../messages";
import { adviceLine } from "./advice-wording";
import { type Audience, count, day, type Line, lineOf } from "./wording";

export { retrievalCommand } from "./wording";

export interface RenderedNotice {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

type Kind = NoticeEvent["kind"];

/** A destination's token failed: keyrotor's operators' to fix, never the owner's. */
const tokenFault = (e: NoticeEvent) => e.kind === "delivery-failed" && e.tokenFault === true;

const needsAction = (e: NoticeEvent) =>
  e.kind === "blocked" ||
  e.kind === "held" ||
  e.kind === "failed" ||
  (e.kind === "delivery-failed" && !tokenFault(e)) ||
  e.kind === "reactivated" ||
  (e.kind === "warning" && e.blocker !== undefined) ||
  (e.kind === "secret" && (e.outcome === "failed" || e.outcome === "noted"));

const OPERATORS: Record<Audience, string> = {
  owner: "Waiting on keyrotor's operators",
  operator: "Needs keyrotor's operators",
};

const sectionsFor = (audience: Audience): { title: string; pick: (e: NoticeEvent) => boolean }[] => [
  // First: an exposed key always leaves something for a person.
  { title: "Exposed keys", pick: (e) => e.kind === "incident" },
  { title: "Needs your action", pick: needsAction },
  { title: OPERATORS[audience], pick: tokenFault },
  { title: "New keys", pick: (e) => e.kind === "created" || e.kind === "delivered" },
  { title: "Old keys still in use", pick: (e) => e.kind === "in-use" || e.kind === "still-used" },
  { title: "Old keys deactivated", pick: (e) => e.kind === "deactivated" },
  { title: "Old keys deleted", pick: (e) => e.kind === "deleted" },
  { title: "Coming soon", pick: (e) => e.kind === "warning" && e.blocker === undefined },
  { title: "What enforce mode would do", pick: (e) => e.kind.startsWith("would-") },
  { title: "Secrets and readers", pick: (e) => e.kind === "secret" && !needsAction(e) },
  // Last: what to do about the keys for good matters less than what happened to them in this run.
  { title: "Getting rid of this key", pick: (e) => e.kind === "advice" },
];

/** "2 keys rotated, 1 needs your action": what happened or is coming, in the reader's terms. */
function summaryOf(notice: Notice, audience: Audience): string {
  const all = notice.users.flatMap((u) => u.events);
  const n = (kinds: Kind[]) => all.filter((e) => kinds.includes(e.kind)).length;
  const action = all.filter(needsAction).length + accountLines(notice).length;
  const soon = all.filter(
    (e) => e.kind === "warning" && e.blocker === undefined && e.step !== "deactivate",
  ).length;
  const secrets = all.filter((e) => e.kind === "secret" && !needsAction(e)).length;
  const unused = all.filter((e) => e.kind === "warning" && e.step === "deactivate").length;
  const delivered = n(["delivered"]);
  const inUse = n(["in-use", "still-used"]);
  const exposed = n(["incident"]);
  const tokens = all.filter(tokenFault).length;
  const parts: [number, string][] = [
    [exposed, `${count(exposed, "exposed key")} answered: read now`],
    [n(["created"]), `${count(n(["created"]), "key")} rotated`],
    [delivered, `${count(delivered, "key")} delivered`],
    [n(["deactivated"]), `${count(n(["deactivated"]), "old key")} deactivated`],
    [inUse, `${count(inUse, "old key")} still in use`],
    [n(["deleted"]), `${count(n(["deleted"]), "old key")} deleted`],
    [action, `${action} ${action === 1 ? "needs" : "need"} your action`],
    [
      tokens,
      audience === "operator"
        ? `${tokens} ${tokens === 1 ? "needs" : "need"} keyrotor's operators`
        : `${count(tokens, "delivery", "deliveries")} waiting on keyrotor's operators`,
    ],
    [soon, `${count(soon, "key")} ${soon === 1 ? "rotates" : "rotate"} soon`],
    [unused, `${count(unused, "unused key")} deactivated soon`],
    [
      n(["would-create", "would-deactivate", "would-delete"]),
      `${count(n(["would-create", "would-deactivate", "would-delete"]), "change")} enforce mode would make`,
    ],
    [secrets, `${count(secrets, "secret")} repaired`],
    [notice.passwordPolicy?.outcome === "done" ? 1 : 0, "password policy strengthened"],
  ];
  return (
    parts
      .filter(([k]) => k > 0)
      .map(([, words]) => words)
      .join(", ") || "access key report"
  );
}

const STYLE = {
  h1: EMAIL_STYLE.h1,
  h2: EMAIL_STYLE.h2,
  item: "margin:0 0 12px 0",
  next: "margin:4px 0 0 0;color:#57606a",
  list: "margin:2px 0 0 0;padding-left:20px;word-break:break-word",
  code: EMAIL_STYLE.code,
  table: "width:100%;border-collapse:collapse;font-size:14px",
  cell: EMAIL_STYLE.cell,
  muted: "color:#57606a;font-size:13px;margin-top:20px",
};

/**
 * Renders a notice as a subject, plain text and HTML with the same words. The notice holds no secret,
 * so neither does the email: a new key appears as its secret's name, who may read it, and the command
 * the user or a reader runs to fetch it. What only keyrotor's operators can fix (a destination's token)
 * is told to them as such, with its fix; the owners read only what it means for them.
 */
export function renderNotice(notice: Notice, audience: Audience = "owner"): RenderedNotice {
  const summary = summaryOf(notice, audience);
  const account = `${notice.account.name} (${notice.account.id})`;
  const subject = `[keyrotor] ${account}: ${summary}`;
  const lead = `${summary.charAt(0).toUpperCase()}${summary.slice(1)} in AWS account ${account} on ${day(notice.asOf)}.`;
  const mode =
    notice.mode === "audit"
      ? "keyrotor runs in audit mode here: it changed nothing, and tells what it would do once your platform team turns enforce mode on."
      : undefined;
  const text: string[] = [lead, ...(mode ? [mode] : []), ""];
  const html: string[] = [
    `<h1 style="${STYLE.h1}">${escapeHtml(lead)}</h1>`,
    ...(mode ? [`<p>${escapeHtml(mode)}</p>`] : []),
  ];
  const later = (userName: string) => (keyId: string, action?: string) =>
    day(
      notice.users
        .find((u) => u.userName === userName)
        ?.upcoming.find((u) => u.keyId === keyId && (action === undefined || u.action === action))?.on,
    ) || undefined;
  for (const section of sectionsFor(audience)) {
    const lines: Line[] = notice.users.flatMap((u) =>
      u.events.filter(section.pick).map((e) =>
        e.kind === "advice"
          ? adviceLine(u.userName, notice.account.id, e)
          : lineOf(u.userName, e, {
              later: later(u.userName),
              undelivered: undeliveredOf(u),
              audience,
            }),
      ),
    );
    if (section.title === "Needs your action") lines.push(...accountLines(notice));
    if (lines.length === 0) continue;
    text.push(`== ${section.title} ==`);
    html.push(`<h2 style="${STYLE.h2}">${escapeHtml(section.title)}</h2>`);
    for (const line of lines) {
      text.push(
        `- ${line.what}`,
        ...(line.list ? [`  ${line.list.lead}`, ...line.list.items.map((i) => `    * ${i}`)] : []),
        ...(line.why ? [`  Why: ${line.why}`] : []),
        ...(line.next ? [`  Next: ${line.next}`] : []),
        ...(line.command ? [`    ${line.command}`] : []),
      );
      html.push(
        `<div style="${STYLE.item}">${escapeHtml(line.what)}` +
          (line.list ? listHtml(line.list) : "") +
          (line.why ? `<p style="${STYLE.next}">Why: ${escapeHtml(line.why)}</p>` : "") +
          (line.next ? `<p style="${STYLE.next}">Next: ${escapeHtml(line.next)}</p>` : "") +
          (line.command ? `<code style="${STYLE.code}">${escapeHtml(line.command)}</code>` : "") +
          "</div>",
      );
    }
    text.push("");
  }
  policySection(notice, text, html);
  upcomingSection(notice, text, html);
  if (notice.omittedUsers > 0) {
    const more = `${count(notice.omittedUsers, "more user")} had news that did not fit in this email: your platform team can see them with \`keyrotor plan\` or in the logs of run ${notice.runId}.`;
    text.push(more, "");
    html.push(`<p>${escapeHtml(more)}</p>`);
  }
  const footer =
    "keyrotor rotates IAM access keys on the schedule your platform team configured; ask them about exemptions or questions.";
  text.push(footer);
  html.push(`<p style="${STYLE.muted}">${escapeHtml(footer)}</p>`);
  return { subject, text: text.join("\n"), html: documentOf(subject, html.join("\n")) };
}

/** What needs a person about the account itself rather than one of its users. */
function accountLines(notice: Notice): Line[] {
  const lines: Line[] = [];
  if (notice.passwordPolicy?.outcome === "failed") {
    lines.push({
      what: `The account password policy could not be updated: ${notice.passwordPolicy.error ?? "unknown error"}.`,
      next: "Tell your platform team; keyrotor tries again on its next run.",
    });
  }
  if (notice.credentialReport) {
    lines.push({
      what: `keyrotor could not read this account's credential report for certain: ${notice.credentialReport.detail}. It looked at every user through IAM instead, so no user was skipped.`,
      next: "Tell your platform team; they can see that row with aws iam get-credential-report. Until keyrotor can read it, each run looks at every user, a few IAM calls each.",
    });
  }
  return lines;
}

function listHtml(list: NonNullable<Line["list"]>): string {
  const items = list.items.map((i) => `<li>${escapeHtml(i)}</li>`).join("");
  return `<p style="${STYLE.next}">${escapeHtml(list.lead)}</p><ul style="${STYLE.list}">${items}</ul>`;
}

function policySection(notice: Notice, text: string[], html: string[]) {
  if (notice.passwordPolicy?.outcome !== "done") return;
  const title = "Password policy (CIS 1.8-1.9)";
  const lead = "The account password policy was strengthened; no stricter setting was weakened:";
  const changes = notice.passwordPolicy.changes;
  text.push(`== ${title} ==`, lead, ...changes.map((c) => `- ${c}`), "");
  html.push(`<h2 style="${STYLE.h2}">${title}</h2><p>${escapeHtml(lead)}</p>`);
  if (changes.length > 0) html.push(`<ul>${changes.map((c) => `<li>${escapeHtml(c)}</li>`).join("")}</ul>`);
}

const STEP = {
  rotate: "will be rotated (a new key)",
  deactivate: "will be deactivated",
  delete: "will be deleted",
} as const;

/** The new keys of a user that some destination has not received yet (their delivery fails). */
function undeliveredOf(user: Notice["users"][number]): Set<string> {
  return new Set(user.events.filter((e) => e.kind === "delivery-failed").map((e) => e.keyId ?? ""));
}

/** The old keys a failing delivery keeps Active: the ones the undelivered keys replace. */
function keptActive(user: Notice["users"][number]): Set<string> {
  const undelivered = undeliveredOf(user);
  const kept = new Set<string>();
  for (const e of user.events) {
    if (e.kind === "delivery-failed" && e.replaces) kept.add(e.replaces);
    if (e.kind === "created" && undelivered.has(e.keyId ?? ""))
      kept.add((e.detail ?? "").replace("replaces ", ""));
  }
  return kept;
}

/** A step as the table words it: a deactivation a failing delivery holds back waits for that too. */
function stepOf(item: { keyId: string; action: keyof typeof STEP }, kept: ReadonlySet<string>): string {
  return item.action === "deactivate" && kept.has(item.keyId)
    ? "will be deactivated once every destination has the new key, not before this date"
    : STEP[item.action];
}

function upcomingSection(notice: Notice, text: string[], html: string[]) {
  const upcoming = notice.users.flatMap((u) => {
    const kept = keptActive(u);
    return u.upcoming.map((item) => ({ userName: u.userName, ...item, step: stepOf(item, kept) }));
  });
  if (upcoming.length === 0) return;
  upcoming.sort((a, b) => a.on.localeCompare(b.on));
  text.push("== Next steps for these users ==");
  html.push(
    `<h2 style="${STYLE.h2}">Next steps for these users</h2><table role="presentation" style="${STYLE.table}">`,
  );
  html.push(
    `<tr>${["Date", "User", "Key", "Step"].map((h) => `<th style="${STYLE.cell}">${h}</th>`).join("")}</tr>`,
  );
  for (const u of upcoming) {
    text.push(`- ${day(u.on)}  ${u.userName}  ${u.keyId}  ${u.step}`);
    const cells = [day(u.on), u.userName, u.keyId, u.step].map(
      (c) => `<td style="${STYLE.cell}">${escapeHtml(c)}</td>`,
    );
    html.push(`<tr>${cells.join("")}</tr>`);
  }
  html.push("</table>");
  text.push("");
}

function documentOf(title: string, content: string): string {
  return emailDocument(title, content, 640);
}
