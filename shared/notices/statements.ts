import type { NoticeEvent } from "../messages";
import type { AccountReport, ActionReport, DatedKeyEvent, UserReport } from "../rotation/report";
import { adviceStatements } from "./advice-statements";
import { deliveredNow, deliveryStatements, plannedFor } from "./delivery-statements";
import { incidentStatements } from "./incident-statements";
import { fingerprint, type Statement } from "./matter";

export { fingerprint, type Statement } from "./matter";

const DONE: Record<ActionReport["kind"], NoticeEvent["kind"]> = {
  create: "created",
  deactivate: "deactivated",
  delete: "deleted",
};

const DAY_MS = 86_400_000;

/** How the configuration exempts a user: the tag (set to `true`) and the IAM group. */
export interface Exemption {
  readonly tag: string;
  readonly group: string;
}

/**
 * Everything the run could tell about one user, before looking at what was already told.
 * @param warnBeforeDays how far ahead a rotation is announced: a rotation inside that window is
 *   warned of even if the run that crossed its warning date was missed or skipped.
 * @param exemption named in the warning of an unused key's deactivation: how to keep a key that is needed.
 */
export function statementsFor(
  user: UserReport,
  now: Date,
  warnBeforeDays: number,
  readerPrincipals: readonly string[],
  exemption?: Exemption,
): Statement[] {
  const out: Statement[] = [];
  const secret = { secretName: user.secretName, ...(user.secretArn ? { secretArn: user.secretArn } : {}) };
  for (const a of user.actions) {
    // The exposed key's deactivation and deletion are told by the incident's own line.
    const revocation = a.kind !== "create" && a.keyId === user.incident?.keyId;
    if (a.outcome === "done" && revocation) continue;
    if (a.outcome === "done") {
      const event: NoticeEvent = { kind: DONE[a.kind], keyId: a.keyId, detail: a.detail };
      if (a.kind === "create") {
        const destinations = deliveredNow(user, a.keyId, now);
        Object.assign(event, secret, { readers: [...(user.readers ?? readerPrincipals)] });
        if (destinations.length > 0) event.destinations = destinations;
      }
      if (a.kind === "deactivate" && a.detail.startsWith("replaced by")) {
        event.replacementStored = user.secretArn !== undefined;
      }
      out.push({ matter: `${DONE[a.kind]}:${a.keyId}`, said: a.detail, always: true, event });
    } else if (a.outcome === "failed") {
      const message = a.error?.message ?? "unknown error";
      out.push({
        matter: `failed:${a.kind}:${a.keyId}`,
        said: fingerprint(message),
        repeats: true,
        event: { kind: "failed", action: a.kind, keyId: a.keyId, detail: message },
      });
    } else if (a.outcome === "planned") {
      const kind = `would-${a.kind}` as NoticeEvent["kind"];
      const destinations = a.kind === "create" ? plannedFor(user, a.keyId) : [];
      out.push({
        matter: `${kind}:${a.keyId}`,
        said: [a.detail, ...destinations].join("; "),
        event: {
          kind,
          keyId: a.keyId,
          detail: a.detail,
          ...(destinations.length > 0 ? { destinations } : {}),
        },
      });
    }
  }
  if (user.status === "failed") {
    const message = user.error?.message ?? "unknown error";
    out.push({
      matter: "failed:read",
      said: fingerprint(message),
      repeats: true,
      event: { kind: "failed", action: "read", detail: message },
    });
  }
  const foreign = user.findings.some((f) => f.kind === "foreign-secret");
  for (const w of warningsOf(user, now, warnBeforeDays)) {
    const blocker = w.action === "rotate" ? blockerOf(user, w, foreign) : undefined;
    out.push({
      matter: `warning:${w.action}:${w.keyId}`,
      said: `${w.on.slice(0, 10)} ${blocker ?? ""}`.trim(),
      event: {
        kind: "warning",
        keyId: w.keyId,
        on: w.on,
        step: w.action === "rotate" ? "rotate" : "deactivate",
        ...(blocker ? { blocker } : {}),
        ...(w.action !== "rotate" && exemption
          ? { exemptTag: exemption.tag, exemptGroup: exemption.group }
          : {}),
      },
    });
  }
  if (user.status === "blocked") {
    const reason = user.reason ?? "rotation is blocked";
    out.push({
      matter: "blocked",
      said: fingerprint(reason),
      repeats: true,
      event: { kind: "blocked", detail: reason, blocker: foreign ? "foreign-secret" : "two-keys" },
    });
  }
  if (user.status === "held") {
    const reason = user.reason ?? "a person must look at this user";
    out.push({
      matter: "held",
      said: fingerprint(reason),
      repeats: true,
      event: { kind: "held", detail: reason },
    });
  }
  for (const f of user.findings) {
    const event: NoticeEvent = { kind: "secret", finding: f.kind, outcome: f.outcome, detail: f.detail };
    out.push({
      matter: `secret:${f.kind}`,
      said: `${f.outcome} ${fingerprint(f.detail)}`,
      event,
      ...(f.outcome === "done" ? { always: true } : {}),
      ...(f.outcome === "failed" ? { repeats: true } : {}),
      ...(f.kind === "foreign-secret" && user.status === "blocked" ? { silent: true } : {}),
    });
  }
  out.push(...incidentStatements(user), ...deliveryStatements(user, now), ...adviceStatements(user));
  return out;
}

/**
 * The steps to warn of: those the report announces, and any rotation inside the warning window (so a
 * missed or extra run neither skips nor repeats a warning: the ledger says whether it was told).
 */
function warningsOf(user: UserReport, now: Date, warnBeforeDays: number): DatedKeyEvent[] {
  const found = new Map<string, DatedKeyEvent>();
  const windowEnd = now.getTime() + warnBeforeDays * DAY_MS;
  const newest = [...user.keys].sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
  const inWindow = user.upcoming.filter(
    (u) => u.action === "rotate" && u.keyId === newest?.id && Date.parse(u.on) <= windowEnd,
  );
  for (const w of [...user.warnings, ...(warnBeforeDays > 0 ? inWindow : [])]) {
    if (Date.parse(w.on) > now.getTime()) found.set(`${w.action}:${w.keyId}`, w);
  }
  return [...found.values()];
}

/** What will stop a warned rotation: a secret keyrotor did not create, or two keys neither of which goes first. */
function blockerOf(user: UserReport, w: DatedKeyEvent, foreign: boolean): NoticeEvent["blocker"] {
  if (foreign) return "foreign-secret";
  const others = user.keys.filter((k) => k.id !== w.keyId);
  const freed = (id: string) =>
    user.upcoming.some((u) => u.keyId === id && u.action === "delete" && u.on <= w.on);
  return others.length > 0 && !others.every((k) => freed(k.id)) ? "two-keys" : undefined;
}

/**
 * The account-level statements: a password policy strengthened (news), or failing, and a credential
 * report keyrotor could not read for certain (each told once a quiet period).
 */
export function accountStatements(report: AccountReport): Statement[] {
  const out: Statement[] = [];
  const policy = report.passwordPolicy;
  if (policy?.outcome === "failed") {
    const error = policy.error?.message ?? "unknown error";
    out.push({
      matter: "password-policy",
      said: fingerprint(error),
      repeats: true,
      event: { kind: "failed", detail: error },
    });
  }
  const fallback = report.reportFallback;
  if (fallback) {
    out.push({
      matter: "credential-report",
      // Line numbers move as users come and go; the same rows, refused for the same reasons, are old news.
      said: fingerprint(fallback.detail.replace(/line \d+: /g, "")),
      repeats: true,
      event: { kind: "failed", action: "read", detail: fallback.detail },
    });
  }
  return out;
}
