/**
 * The one way a share is written, in the HTML report, its charts and the weekly digest alike: a whole
 * percent, rounded to the nearest (5 of 9 is 56%), except that a share that is not all never reads
 * as 100% and one that is not nothing never reads as 0%, so a single key out of line still shows.
 */

/** `share` (0 to 1) as "56%"; a share of nothing (`null`) as a dash. */
export function percent(share: number | null): string {
  if (share === null || !Number.isFinite(share)) return "—";
  const rounded = Math.round(share * 100);
  const clamped = share < 1 && rounded >= 100 ? 99 : share > 0 && rounded <= 0 ? 1 : rounded;
  return `${clamped}%`;
}

/** `part` of `whole` as `percent` writes it; a dash when `whole` is not positive. */
export const percentOf = (part: number, whole: number): string => percent(whole > 0 ? part / whole : null);
