import type { NoticeEvent } from "../messages";
import type { Line } from "./words";

/** An IAM user name as one shell word: IAM's own characters stand bare, anything else is quoted. */
const shellWord = (word: string) =>
  /^[\w+=,.@-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;

/** The command that prints the whole advice for one user: the policy documents and pipeline lines. */
export function adviseCommand(accountId: string, userName: string): string {
  return `keyrotor advise --account ${accountId} --user ${shellWord(userName)}`;
}

/** What `keyrotor advise` prints beyond the notice's line, for each kind of advice. */
const DETAILS: Record<NonNullable<NoticeEvent["advice"]>, string> = {
  remove: "the details",
  oidc: "the role's trust and permissions policies and the lines to change in each pipeline",
  "scoped-role": "the role's permissions policy",
  "roles-anywhere-or-identity-center": "the advice in full, with the services its keys were used with",
};

/**
 * The line for an `advice` event. The command is the platform team's to run (it assumes keyrotor's
 * role in the account), so the line says who runs it; the owner decides and changes the pipeline.
 */
export function adviceLine(user: string, accountId: string, e: NoticeEvent): Line {
  const keys = e.keys ?? [];
  // A removal's summary names its keys already; the others speak of "the key".
  const which =
    e.advice === "remove" || keys.length === 0
      ? ""
      : ` (${keys.length === 1 ? "key" : "keys"} ${keys.join(", ")})`;
  const ask = `Ask your platform team for ${DETAILS[e.advice ?? "remove"]}, which the command below prints.`;
  return {
    what: `${user}${which}: ${(e.detail ?? "").replace(/\.$/, "")}.`,
    ...(e.why ? { why: e.why } : {}),
    next: e.advice === "remove" ? ask : `${ask} keyrotor creates no role itself.`,
    command: adviseCommand(accountId, user),
  };
}
