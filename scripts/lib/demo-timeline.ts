import type { UserReport } from "../../shared/rotation/report";

/**
 * The demo's timeline: one line per thing that happened to a user, in words, computed from the run's
 * report and what earlier runs of the demo did. Nothing is assumed from the day number, so a user whose
 * keys do not follow the schedule (two made by hand) reads as what happened to it.
 */

const DAY_MS = 86_400_000;

/** `AKIA…WXYZ`: enough to tell keys apart on a line, never the whole id. */
export const shortKey = (id: string) => (id.length > 12 ? `${id.slice(0, 4)}…${id.slice(-4)}` : id);

const shorten = (text: string) => text.replace(/AKIA\w{12,}/g, (k) => shortKey(k));
const daysBetween = (from: string, to: string) => Math.floor((Date.parse(to) - Date.parse(from)) / DAY_MS);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

export interface Timeline {
  /** The lines for `user` in the run made at `asOf` (ISO); remembers the keys that run created. */
  describe(user: UserReport, accountId: string, asOf: string): string[];
}

/** A timeline that remembers, across the demo's runs, which keys keyrotor created and whom it noted. */
export function createTimeline(): Timeline {
  /** Key id -> the instant of the run that created it. */
  const created = new Map<string, string>();
  const noted = new Set<string>();
  return {
    describe(user, accountId, asOf) {
      const lines: string[] = [];
      const createdAt = (id: string) => user.keys.find((k) => k.id === id)?.createdAt;
      const days = (id: string) => {
        const at = createdAt(id);
        return at === undefined ? undefined : plural(daysBetween(at, asOf), "day");
      };
      const age = (id: string) => (days(id) === undefined ? "" : ` (${days(id)} old)`);
      for (const a of user.actions) {
        if (a.outcome !== "done") {
          lines.push(`${a.kind} ${shortKey(a.keyId)} ${a.outcome}${a.error ? `: ${a.error.message}` : ""}`);
        } else if (a.kind === "create") {
          const replaced = /^replaces (\S+)$/.exec(a.detail)?.[1];
          const what = replaced ? `replaces ${shortKey(replaced)}${age(replaced)}` : shorten(a.detail);
          lines.push(`new key ${shortKey(a.keyId)} stored in secret ${user.secretName} (${what})`);
          created.set(a.keyId, asOf);
        } else if (a.kind === "deactivate") {
          lines.push(`deactivated ${shortKey(a.keyId)}${age(a.keyId)}: ${whyDeactivated(a.detail)}`);
        } else {
          const why = a.detail === "expired" ? "inactive" : a.detail;
          const old = days(a.keyId);
          lines.push(`deleted ${shortKey(a.keyId)} (${why}${old === undefined ? "" : `, ${old} old`})`);
        }
      }
      for (const w of user.warnings) {
        const step =
          w.action === "rotate" ? "rotated" : w.action === "deactivate" ? "deactivated" : "deleted";
        lines.push(`warned: ${shortKey(w.keyId)}${age(w.keyId)} will be ${step} on ${w.on.slice(0, 10)}`);
      }
      for (const d of user.deliveries ?? []) {
        if (d.outcome === "done") lines.push(`delivered ${shortKey(d.keyId)} to ${d.destination}`);
        else lines.push(`delivery to ${d.destination} ${d.outcome}${d.error ? `: ${d.error.message}` : ""}`);
      }
      if (user.status === "blocked" && user.actions.length === 0)
        lines.push(`blocked: ${shorten(user.reason ?? "")}`);
      const who = `${accountId}/${user.userName}`;
      if (!noted.has(who) && (user.status === "exempt" || user.status === "inactive")) {
        noted.add(who);
        lines.push(
          user.status === "exempt"
            ? `${user.reason ?? "exempt"}: reported, never touched`
            : "only an inactive key: never gets a new one",
        );
      }
      return lines;

      /** Why a key was retired, from its replacement's facts: who made it and how long it has had. */
      function whyDeactivated(detail: string): string {
        const unused = /^unused since (\S+)$/.exec(detail)?.[1];
        if (unused) return `unused since ${unused}, ${plural(daysBetween(unused, asOf), "day")}`;
        const by = /^replaced by (\S+)$/.exec(detail)?.[1];
        if (!by) return shorten(detail);
        const madeOn = created.get(by);
        if (madeOn !== undefined) {
          const since = createdAt(by) ?? madeOn;
          return `its replacement ${shortKey(by)}, created by keyrotor on ${since.slice(0, 10)}, has had ${plural(daysBetween(since, asOf), "day")} to reach consumers`;
        }
        const since = createdAt(by);
        const when = since
          ? ` (created ${since.slice(0, 10)}, ${plural(daysBetween(since, asOf), "day")} old)`
          : "";
        return `keyrotor made no replacement; the user's other key ${shortKey(by)}${when} stays Active`;
      }
    },
  };
}
