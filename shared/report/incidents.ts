import type { AccountLedger } from "../ledger/records";
import { addDays } from "../lifecycle";
import type { Incident } from "./types";

/**
 * Every incident in one account's ledger, whichever users the credential report still lists (a user
 * deleted since keeps its record), the most recent first. Only the record's own fields are carried:
 * a ledger item holds what keyrotor wrote, and the report says no more than its type.
 */
export function incidentsOf(accountId: string, ledger: AccountLedger): Incident[] {
  const found: Incident[] = [];
  for (const [userName, record] of ledger.users) {
    for (const i of record.incidents ?? []) {
      found.push({
        accountId,
        userName,
        keyId: i.keyId,
        state: i.handledAt ? "handled" : "open",
        trigger: i.trigger,
        source: i.source,
        ...(i.reason === undefined ? {} : { reason: i.reason }),
        response: i.response,
        openedAt: i.openedAt,
        ...(i.replacedBy === undefined ? {} : { replacedBy: i.replacedBy }),
        ...(i.revokedAt === undefined ? {} : { revokedAt: i.revokedAt }),
        ...(i.deletedAt === undefined ? {} : { deletedAt: i.deletedAt }),
        ...(i.handledAt === undefined ? {} : { handledAt: i.handledAt }),
      });
    }
  }
  return found.sort(byRecency);
}

/** The most recently opened first, then by account, user and key: the same order on every report. */
export function byRecency(a: Incident, b: Incident): number {
  if (a.openedAt !== b.openedAt) return a.openedAt < b.openedAt ? 1 : -1;
  return (
    a.accountId.localeCompare(b.accountId) ||
    a.userName.localeCompare(b.userName) ||
    a.keyId.localeCompare(b.keyId)
  );
}

/** The incidents handled in the `days` days up to `now` (the digest's week). */
export function handledWithin(incidents: readonly Incident[], now: Date, days: number): Incident[] {
  const since = addDays(now, -days).getTime();
  return incidents.filter((i) => {
    const at = i.handledAt === undefined ? Number.NaN : Date.parse(i.handledAt);
    return at > since && at <= now.getTime();
  });
}
