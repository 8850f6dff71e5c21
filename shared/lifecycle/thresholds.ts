import { ConfigError } from "../errors";
import type { Thresholds } from "./types";

/**
 * Checks 0 < rotate < deactivate < delete and 0 <= warnBefore < rotate, all whole days.
 * @throws ConfigError naming the offending setting.
 */
export function validateThresholds(t: Thresholds): Thresholds {
  const { rotateAfterDays: r, deactivateAfterDays: d, deleteAfterDays: x, warnBeforeDays: w } = t;
  const named = { rotateAfterDays: r, deactivateAfterDays: d, deleteAfterDays: x, warnBeforeDays: w };
  for (const [name, value] of Object.entries(named)) {
    if (!Number.isInteger(value))
      throw new ConfigError(`${name} must be a whole number of days, got ${value}`);
  }
  if (!(r > 0 && r < d && d < x)) {
    throw new ConfigError(
      `thresholds must satisfy 0 < rotateAfterDays < deactivateAfterDays < deleteAfterDays, got ${r} / ${d} / ${x}`,
    );
  }
  if (w < 0 || w >= r) {
    throw new ConfigError(`warnBeforeDays must be at least 0 and less than rotateAfterDays (${r}), got ${w}`);
  }
  return t;
}
