/**
 * Names for the demo's email files: one file per email, named so a reader can tell them apart in a
 * directory listing, and never a path a recipient address (written by whoever tags a user) could steer.
 */

/** Who an email was for: the account's owner, a user's owner (owner tag) or keyrotor's operators. */
export type EmailKind = "account-owner" | "user-owner" | "operators";

export interface EmailFacts {
  readonly day: number;
  /** The account's name in the demo (Payments, management). */
  readonly account: string;
  readonly recipient: string;
  readonly kind: EmailKind;
}

/**
 * An address as a file-name part: lower case, `@` as `-at-`, every character outside `a-z 0-9 . _ -`
 * as `-`, no leading dot, at most 60 characters. Two addresses may meet in one form; `emailFileNames`
 * keeps their files apart.
 */
export function safeNamePart(text: string): string {
  const safe = text
    .toLowerCase()
    .replace(/@/g, "-at-")
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^[.-]+/, "")
    .slice(0, 60);
  return safe === "" ? "unnamed" : safe;
}

/** The kind of an email, from its recipients as the demo knows them. */
export function emailKind(to: readonly string[], accountEmail: string, adminEmail: string): EmailKind {
  const lower = to.map((a) => a.toLowerCase());
  if (lower.includes(accountEmail.toLowerCase())) return "account-owner";
  if (lower.includes(adminEmail.toLowerCase())) return "operators";
  return "user-owner";
}

/**
 * Hands out `day-090-payments-deploy-team-at-example.com-user-owner.html` style names, each once: a
 * name already given gets `-2`, `-3`… so no email overwrites another.
 */
export function emailFileNames(): (facts: EmailFacts) => string {
  const given = new Set<string>();
  return ({ day, account, recipient, kind }) => {
    const base = `day-${String(day).padStart(3, "0")}-${safeNamePart(account)}-${safeNamePart(recipient)}-${kind}`;
    let name = `${base}.html`;
    for (let n = 2; given.has(name); n++) name = `${base}-${n}.html`;
    given.add(name);
    return name;
  };
}
