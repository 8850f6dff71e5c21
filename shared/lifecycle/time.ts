export const DAY_MS = 86_400_000;

/** Whole days from `from` to `to` (DESIGN §2: ages are whole days from CreateDate to "now"). */
export function ageInDays(from: Date, to: Date): number {
  return Math.floor((to.getTime() - from.getTime()) / DAY_MS);
}

/** The first instant at which something created at `from` is `days` whole days old. */
export function addDays(from: Date, days: number): Date {
  return new Date(from.getTime() + days * DAY_MS);
}
