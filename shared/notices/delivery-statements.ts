import type { NoticeEvent } from "../messages";
import type { DeliveryReport, UserReport } from "../rotation/report";
import { fingerprint, plain, type Statement } from "./matter";

/**
 * What a notice says about key delivery: destinations that confirmed a key, deliveries that fail,
 * old keys kept Active because something still uses them, and keys a person re-activated. Nothing
 * here comes from a secret: the report holds destination labels, key ids and error messages only.
 */

const confirmedIn = (d: DeliveryReport, now: Date) =>
  d.outcome === "done" && d.confirmedAt !== undefined && Date.parse(d.confirmedAt) === now.getTime();

/** The destinations that confirmed `keyId` in this run (the run's instant is the confirmation's). */
export function deliveredNow(user: UserReport, keyId: string, now: Date): string[] {
  return (user.deliveries ?? [])
    .filter((d) => d.keyId === keyId && confirmedIn(d, now))
    .map((d) => plain(d.destination));
}

/** The destinations a planned key would be delivered to (audit mode, `plan`). */
export function plannedFor(user: UserReport, keyId: string): string[] {
  return (user.deliveries ?? [])
    .filter((d) => d.keyId === keyId && d.outcome === "planned")
    .map((d) => plain(d.destination));
}

/** The day part of an ISO instant, for fingerprints that must not change within a day. */
const dayOf = (iso: string | undefined) => (iso ?? "").slice(0, 10);

/**
 * The delivery statements about one user. A key created in this run carries its confirmations on
 * its own line (see `statementsFor`); here are the retries that succeeded, each failure (told again
 * when its key or error changes, or after the quiet period), the holds not said by a failure, and the
 * superseded keys still used after their replacement reached every consumer.
 */
export function deliveryStatements(user: UserReport, now: Date): Statement[] {
  const created = new Set(
    user.actions.filter((a) => a.kind === "create" && a.outcome === "done").map((a) => a.keyId),
  );
  const out: Statement[] = [];
  const retried = new Map<string, string[]>();
  for (const d of user.deliveries ?? []) {
    if (confirmedIn(d, now) && !created.has(d.keyId)) {
      retried.set(d.keyId, [...(retried.get(d.keyId) ?? []), plain(d.destination)]);
    }
  }
  for (const [keyId, destinations] of retried) {
    out.push({
      matter: `delivered:${keyId}`,
      said: destinations.join("; "),
      always: true,
      event: { kind: "delivered", keyId, destinations },
    });
  }
  for (const d of user.deliveries ?? []) {
    if (d.outcome === "failed" || d.outcome === "waiting") out.push(failure(user, d));
  }
  out.push(...holdStatements(user));
  return out;
}

/** A wait a provider names ("the rate limit lifts in 1800 s"): it differs on every attempt. */
const DURATION = /\b\d+(?:\.\d+)? ?(?:ms|s|sec|seconds?|minutes?|hours?)\b/g;

/**
 * A failing delivery. Its fingerprint is the key and the error, not the attempts or instants, so an
 * unchanged failure is not news. A failure only remembered (`waiting`: read-only runs do not retry) is
 * kept in the ledger but not told, so it is not told again when the runs retry it once more.
 */
function failure(user: UserReport, d: DeliveryReport): Statement {
  const message = plain(d.error?.message ?? "unknown error");
  const destination = plain(d.destination);
  const kept =
    user.holds?.find((h) => h.reason === "undelivered" && h.destinations?.includes(d.destination))?.keyId ??
    user.keys.find((k) => k.id !== d.keyId && k.status === "Active")?.id;
  const event: NoticeEvent = {
    kind: "delivery-failed",
    keyId: d.keyId,
    destination,
    detail: message,
    ...(d.failingSince ? { since: d.failingSince } : {}),
    ...(d.attempts ? { attempts: d.attempts } : {}),
    ...(d.fix ? { fix: plain(d.fix) } : {}),
    ...(kept ? { replaces: kept } : {}),
    ...(d.tokenFault ? { tokenFault: true } : {}),
  };
  return {
    matter: `delivery:${destination}`,
    said: fingerprint(`${d.keyId} ${message}`.replace(DURATION, "#")),
    repeats: true,
    event,
    ...(d.outcome === "waiting" ? { silent: true } : {}),
  };
}

/**
 * Holds other than `undelivered` (the failure says that one), keys a person re-activated, and keys
 * still used after their replacement was delivered (unless held in use: the hold says that).
 */
function holdStatements(user: UserReport): Statement[] {
  const out: Statement[] = [];
  const holds = user.holds ?? [];
  const usage = (keyId: string) => {
    const u = user.stillUsed?.find((s) => s.keyId === keyId);
    return u
      ? {
          lastUsedAt: u.lastUsedAt,
          ...(u.service ? { service: plain(u.service) } : {}),
          ...(u.region ? { region: plain(u.region) } : {}),
        }
      : {};
  };
  for (const h of holds.filter((h) => h.reason === "in-use")) {
    out.push({
      matter: `in-use:${h.keyId}`,
      said: dayOf(h.until),
      event: { kind: "in-use", keyId: h.keyId, ...(h.until ? { on: h.until } : {}), ...usage(h.keyId) },
    });
  }
  const reactivated = new Set([
    ...(user.reactivated ?? []),
    ...holds.filter((h) => h.reason === "reactivated").map((h) => h.keyId),
  ]);
  for (const keyId of reactivated) {
    out.push({ matter: `reactivated:${keyId}`, said: "reactivated", event: { kind: "reactivated", keyId } });
  }
  const heldInUse = new Set(holds.filter((h) => h.reason === "in-use").map((h) => h.keyId));
  const newest = [...user.keys]
    .filter((k) => k.status === "Active")
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0]?.id;
  for (const u of user.stillUsed ?? []) {
    if (heldInUse.has(u.keyId)) continue;
    out.push({
      matter: `still-used:${u.keyId}`,
      said: dayOf(u.deactivateOn),
      event: {
        kind: "still-used",
        keyId: u.keyId,
        ...(newest && newest !== u.keyId ? { replacement: newest } : {}),
        ...(u.deactivateOn ? { on: u.deactivateOn } : {}),
        ...usage(u.keyId),
      },
    });
  }
  return out;
}
