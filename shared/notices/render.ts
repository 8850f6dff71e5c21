import type { Notice, NoticeEvent } from "../messages";

export interface RenderedNotice {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

interface Line {
  readonly userName: string;
  readonly event: NoticeEvent;
}

const SECTIONS: { title: string; kinds: NoticeEvent["kind"][]; intro?: string }[] = [
  {
    title: "New keys",
    kinds: ["created"],
    intro:
      "Each new key is stored in a secret in this account; fetch it with the command shown, then update its consumers.",
  },
  { title: "Deactivated keys", kinds: ["deactivated"] },
  { title: "Deleted keys", kinds: ["deleted"] },
  {
    title: "Would be done (audit mode: nothing was changed)",
    kinds: ["would-create", "would-deactivate", "would-delete"],
  },
  { title: "Needs attention", kinds: ["blocked", "held", "failed"] },
  {
    title: "Secrets and readers",
    kinds: ["secret"],
    intro: "What keyrotor found about these users' secrets and tags, and what it did about it.",
  },
  { title: "Rotation in a week", kinds: ["warning"] },
];

const day = (iso: string) => iso.slice(0, 10);

/** The AWS CLI command a consumer runs, with their own credentials, to read the current key. */
export function retrievalCommand(secretId: string): string {
  return `aws secretsmanager get-secret-value --secret-id '${secretId}' --query SecretString --output text`;
}

function describe(event: NoticeEvent): string {
  const key = event.keyId ? `key ${event.keyId}` : "";
  switch (event.kind) {
    case "created":
      return `new ${key} in secret ${event.secretName ?? "?"}`;
    case "warning":
      return `${key} will be ${event.detail?.startsWith("deactivation") ? "deactivated as unused" : "rotated"} on ${day(event.on ?? "")}`;
    case "would-create":
    case "would-deactivate":
    case "would-delete":
      return `would ${event.kind.slice(6)} ${key}${event.detail ? ` (${event.detail})` : ""}`;
    default:
      return [key, event.detail].filter(Boolean).join(": ");
  }
}

function subjectOf(notice: Notice): string {
  const count = (kinds: NoticeEvent["kind"][]) =>
    notice.users.flatMap((u) => u.events).filter((e) => kinds.includes(e.kind)).length;
  const parts = [
    [count(["created"]), "new key"],
    [count(["deactivated"]), "deactivated"],
    [count(["deleted"]), "deleted"],
    [count(["would-create", "would-deactivate", "would-delete"]), "planned"],
    [count(["blocked", "held", "failed"]), "need attention"],
    [count(["secret"]), "secret finding"],
    [count(["warning"]), "due in a week"],
  ] as const;
  const summary = parts
    .filter(([n]) => n > 0)
    .map(
      ([n, what]) => `${n} ${n > 1 && (what === "new key" || what === "secret finding") ? `${what}s` : what}`,
    )
    .join(", ");
  const policy =
    notice.passwordPolicy?.outcome === "done"
      ? "password policy strengthened"
      : notice.passwordPolicy?.outcome === "failed"
        ? "password policy not updated"
        : "";
  const all = [summary, policy].filter(Boolean).join(", ");
  return `[keyrotor] ${notice.account.name} (${notice.account.id}): ${all || "access key report"}`;
}

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );

/**
 * Renders a notice as a subject, plain text and HTML (DESIGN §4). The notice holds no secret, so
 * neither does the email: new keys appear as secret names and the command that reads them.
 */
export function renderNotice(notice: Notice): RenderedNotice {
  const lines: Line[] = notice.users.flatMap((u) =>
    u.events.map((event) => ({ userName: u.userName, event })),
  );
  const upcoming = notice.users.flatMap((u) => u.upcoming.map((item) => ({ userName: u.userName, ...item })));
  upcoming.sort((a, b) => a.on.localeCompare(b.on));
  const heading =
    notice.mode === "audit"
      ? `keyrotor checked the IAM access keys of account ${notice.account.name} (${notice.account.id}) on ${day(notice.asOf)}. It runs in audit mode: nothing was changed.`
      : `keyrotor rotated IAM access keys in account ${notice.account.name} (${notice.account.id}) on ${day(notice.asOf)}.`;

  const text: string[] = [heading, ""];
  const html: string[] = ['<html><body style="font-family:sans-serif">', `<p>${escapeHtml(heading)}</p>`];
  for (const section of SECTIONS) {
    const rows = lines.filter((l) => section.kinds.includes(l.event.kind));
    if (rows.length === 0) continue;
    text.push(`== ${section.title} ==`);
    html.push(`<h3>${escapeHtml(section.title)}</h3>`);
    if (section.intro) {
      text.push(section.intro);
      html.push(`<p>${escapeHtml(section.intro)}</p>`);
    }
    html.push("<ul>");
    for (const { userName, event } of rows) {
      const command =
        event.kind === "created" ? retrievalCommand(event.secretArn ?? event.secretName ?? "") : null;
      text.push(`- ${userName}: ${describe(event)}`);
      if (command) text.push(`    ${command}`);
      html.push(
        `<li><b>${escapeHtml(userName)}</b>: ${escapeHtml(describe(event))}` +
          (command ? `<br><code>${escapeHtml(command)}</code>` : "") +
          "</li>",
      );
    }
    html.push("</ul>");
    text.push("");
  }
  if (notice.passwordPolicy) {
    const { outcome, changes, error } = notice.passwordPolicy;
    const title = "Password policy (CIS 1.8-1.9)";
    const lead =
      outcome === "done"
        ? "The account password policy was strengthened; no stricter setting was weakened:"
        : `The account password policy could not be updated: ${error ?? "unknown error"}`;
    text.push(`== ${title} ==`, lead, ...changes.map((c) => `- ${c}`), "");
    html.push(`<h3>${escapeHtml(title)}</h3><p>${escapeHtml(lead)}</p>`);
    if (changes.length > 0) html.push(`<ul>${changes.map((c) => `<li>${escapeHtml(c)}</li>`).join("")}</ul>`);
  }
  if (upcoming.length > 0) {
    text.push("== Coming up ==");
    html.push("<h3>Coming up</h3><table><tr><th>Date</th><th>User</th><th>Key</th><th>Action</th></tr>");
    for (const u of upcoming) {
      text.push(`- ${day(u.on)}  ${u.userName}  ${u.keyId}  ${u.action}`);
      html.push(
        `<tr><td>${day(u.on)}</td><td>${escapeHtml(u.userName)}</td><td>${escapeHtml(u.keyId)}</td><td>${u.action}</td></tr>`,
      );
    }
    html.push("</table>");
    text.push("");
  }
  if (notice.omittedUsers > 0) {
    const more = `${notice.omittedUsers} more user(s) had news that did not fit in this email: run \`keyrotor plan\` or read the rotator's logs for run ${notice.runId}.`;
    text.push(more);
    html.push(`<p>${escapeHtml(more)}</p>`);
  }
  const footer =
    "keyrotor rotates IAM access keys on the schedule your platform team configured; ask them about exemptions.";
  text.push(footer);
  html.push(`<p style="color:#666">${escapeHtml(footer)}</p></body></html>`);
  return { subject: subjectOf(notice), text: text.join("\n"), html: html.join("\n") };
}
