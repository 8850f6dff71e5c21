import type * as z from "zod/mini";
import type { Fold, Place } from "./places";

/**
 * A kind of destination, everything keyrotor knows about it in one module: the configuration's
 * fields, the place it writes (to tell two destinations apart, and two users' keys from one place),
 * how it reads in a notice, what its fields may not say. Pure: the configuration is checked with it.
 * A new kind is one module under `kinds/`, one entry in `kinds/index.ts`, and its writer's entry in
 * `writers.ts` (the compiler asks for it).
 */
export interface DestinationKind<D extends { readonly type: string }> {
  readonly type: D["type"];
  /** The destination's fields in the configuration, `type` included (a strict object). */
  readonly schema: z.ZodMiniType<D, unknown>;
  /** The place it writes, never its token: two destinations of one identity overwrite each other. */
  placeId(d: D): string;
  /** How it reads in a notice or a report, e.g. `Vault secret kv/data/ci at https://vault.example.com`. */
  describe(d: D): string;
  /** What its own fields get wrong, each starting with the kind's type; `[]` when nothing. */
  problems(d: D, context: ProblemContext): string[];
  /** Every place it writes for a user, templates not yet filled in (see places.ts). */
  places(d: D): Place[];
  /**
   * The field that may say `{accountId}` and `{userName}`, when the kind has one: such a destination
   * may serve several users, one place each. Without it a destination takes one user's key.
   */
  readonly template?: Template<D>;
  /**
   * Whether every write tells the place the user's account and name (a receiver that files each key
   * by them): such a destination may take several users' keys without a template, its places saying
   * `{accountId}` and `{userName}`.
   */
  readonly namesUser?: boolean;
  /**
   * How the provider compares two variable names: `exact` when `id` and `ID` are two variables,
   * `anyCase` (when left out) when they are one or the provider does not say.
   */
  readonly nameFold?: Fold;
}

export interface ProblemContext {
  /** The prefix of keyrotor's secrets and parameters (`keyrotor/` by default). */
  readonly secretPrefix: string;
}

export interface Template<D> {
  get(d: D): string;
  set(d: D, filled: string): D;
  /** Whether the place is in another account than the user's (then `account: *` must say `{accountId}`). */
  elsewhere(d: D): boolean;
}
