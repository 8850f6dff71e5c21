export const DAY_MS = 86_400_000;

/**
 * Whole days from `from` to `to`, rounded down: a key's age is the whole days from its CreateDate to the
 * run's instant, so a key is 90 days old from the same time of day 90 days after it was made.
 */
export function ageInDays(from: Date, to: Date): number {
  return Math.floor((to.getTime() - from.getTime()) / DAY_MS);
}

/** The first instant at which something created at `from` is `days` whole days old. */
export function addDays(from: Date, days: number): Date {
  return new Date(from.getTime() + days * DAY_MS);
}
