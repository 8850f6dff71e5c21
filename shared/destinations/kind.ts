import type * as z from "zod/mini";
import type { Redacted } from "../redacted";
import type { SecretsPort } from "../rotation/ports";
import type { CopyLedger } from "./copy-ledger";
import type { Place } from "./places";
import type { KeyLookupPort, SecureStringPort } from "./ssm";
import type { DestinationWriter, HttpDeps } from "./types";

/**
 * A kind of destination, everything keyrotor knows about it in one module: the configuration's
 * fields, the place it writes (to tell two destinations apart, and two users' keys from one place),
 * how it reads in a notice, what its fields may not say, and how its writer is built. A new kind is
 * one module under `kinds/` and one entry in `kinds/index.ts`.
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
  /** Builds the writer for one delivery. */
  writer(d: D, context: WriterContext): Promise<DestinationWriter>;
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

/** The AWS ports of one account and region, with keyrotor's member role there. */
export interface MemberPorts {
  readonly secureStrings: SecureStringPort;
  readonly keys: KeyLookupPort;
  readonly secrets: SecretsPort;
  /** The region the ports call. */
  region(): Promise<string>;
}

/** What a writer is built with. */
export interface WriterContext {
  /** The API token in the named secret of keyrotor's own account (`keyrotor-tokens/...`), kept a few minutes. */
  token(secretName: string): Promise<Redacted<string>>;
  readonly http: HttpDeps;
  /** The account whose user's key is delivered. */
  readonly accountId: string;
  /** The member role's ports in `accountId` (another account of the organization), in `region` or keyrotor's. */
  member(accountId: string, region: string | undefined): Promise<MemberPorts>;
  /** keyrotor's record of the central copies it created: the ledger. */
  readonly copies: CopyLedger;
  readonly now: () => number;
}
