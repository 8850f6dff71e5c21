import { DeliveryError } from "./types";

/**
 * The error for a write the provider acknowledged but that does not read back as written: something
 * else holds the place (a sync, an admission hook, another tool rewriting it). Told in keyrotor's
 * words only; neither value is ever part of it.
 */
export function readBackError(what: string, place: string): DeliveryError {
  return new DeliveryError(
    `${what} was written but does not read back as written (another value is there)`,
    "rejected",
    `check that nothing else rewrites ${place} (a sync job, an operator, a policy): keyrotor writes it again on its next run`,
  );
}
