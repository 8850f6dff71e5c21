import type { Notice, NoticeEvent, NoticeUser, RotationJob } from "../messages";
import type { AccountReport, ActionReport, UserReport } from "../rotation/report";

/** Keeps a notice well inside SQS's message size limit (256 KiB), whatever the account's size. */
export const MAX_NOTICE_BYTES = 200_000;

const DONE: Record<ActionReport["kind"], NoticeEvent["kind"]> = {
  create: "created",
  deactivate: "deactivated",
  delete: "deleted",
};
const WOULD: Record<ActionReport["kind"], NoticeEvent["kind"]> = {
  create: "would-create",
  deactivate: "would-deactivate",
  delete: "would-delete",
};

/**
 * What is news for one user in this run (DESIGN §2 rule 5, §4): actions taken or failed; in audit
 * mode, actions that fell due since the previous run; the warning; a block that began since the
 * previous run; a held user; a failure. Nothing is repeated daily but what needs a person.
 */
export function newsFor(user: UserReport, previousRunAt: Date): NoticeEvent[] {
  const isNew = (iso: string | undefined) => iso !== undefined && new Date(iso) > previousRunAt;
  const secret = { secretName: user.secretName, ...(user.secretArn ? { secretArn: user.secretArn } : {}) };
  const events: NoticeEvent[] = [];
  for (const a of user.actions) {
    if (a.outcome === "done") {
      events.push({
        kind: DONE[a.kind],
        keyId: a.keyId,
        detail: a.detail,
        ...(a.kind === "create" ? secret : {}),
      });
    } else if (a.outcome === "failed") {
      events.push({
        kind: "failed",
        keyId: a.keyId,
        detail: `${a.kind} failed: ${a.error?.message ?? "unknown error"}`,
      });
    } else if (a.outcome === "planned" && isNew(a.dueOn)) {
      events.push({ kind: WOULD[a.kind], keyId: a.keyId, detail: a.detail });
    }
  }
  if (user.status === "failed") {
    events.push({ kind: "failed", detail: `could not be read: ${user.error?.message ?? "unknown error"}` });
  }
  for (const w of user.warnings) {
    events.push({
      kind: "warning",
      keyId: w.keyId,
      on: w.on,
      detail: w.action === "rotate" ? "rotation" : "deactivation (unused)",
    });
  }
  if (user.status === "blocked" && isNew(user.blockedSince)) {
    events.push({ kind: "blocked", ...(user.reason ? { detail: user.reason } : {}) });
  }
  for (const f of user.findings) {
    const lead = f.outcome === "planned" ? "would be done: " : f.outcome === "failed" ? "failed: " : "";
    events.push({ kind: "secret", detail: `${lead}${f.detail}` });
  }
  if (user.status === "held") events.push({ kind: "held", ...(user.reason ? { detail: user.reason } : {}) });
  return events;
}

/**
 * The account's notice for this run, or `null` when there is nothing to say. Users are added until
 * the message would outgrow `maxBytes`; the rest are counted in `omittedUsers`.
 */
export function composeNotice(
  job: RotationJob,
  report: AccountReport,
  part = 1,
  maxBytes: number = MAX_NOTICE_BYTES,
): Notice | null {
  const previousRunAt = new Date(report.previousRunAt);
  const users: NoticeUser[] = [];
  let omittedUsers = 0;
  let bytes = 1_000;
  for (const user of report.users) {
    const events = newsFor(user, previousRunAt);
    if (events.length === 0) continue;
    const entry: NoticeUser = {
      userName: user.userName,
      events,
      upcoming: [...user.upcoming],
    };
    const size = Buffer.byteLength(JSON.stringify(entry));
    if (bytes + size > maxBytes) {
      omittedUsers++;
      continue;
    }
    bytes += size;
    users.push(entry);
  }
  // Audit mode's password findings stay in plan and logs: mailing them daily would be the spam users hate.
  const policy = report.passwordPolicy;
  const passwordPolicy =
    policy && (policy.outcome === "done" || policy.outcome === "failed")
      ? {
          outcome: policy.outcome,
          changes: [...policy.changes],
          ...(policy.error ? { error: policy.error.message } : {}),
        }
      : undefined;
  if (users.length === 0 && omittedUsers === 0 && !passwordPolicy) return null;
  return {
    version: 1,
    runId: job.runId,
    mode: report.mode,
    asOf: job.asOf,
    account: job.account,
    users,
    omittedUsers,
    part,
    ...(passwordPolicy ? { passwordPolicy } : {}),
  };
}
