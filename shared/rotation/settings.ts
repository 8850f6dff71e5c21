import type { Config } from "../config";
import type { AccountLedger, LedgerPort } from "../ledger/records";
import type { Thresholds } from "../lifecycle";
import type { AccountPorts, SecretMeta } from "./ports";

export type RotationSettings = Pick<
  Config,
  | "mode"
  | "rotateAfterDays"
  | "deactivateAfterDays"
  | "deleteAfterDays"
  | "warnBeforeDays"
  | "deactivateUnusedAfterDays"
  | "secretPrefix"
  | "exemptGroupName"
  | "exemptTag"
  | "ownerTag"
  | "readersTag"
  | "readerPrincipals"
  | "readerTagAllowlist"
  | "adoptForeignSecrets"
  | "replicaRegions"
  | "userConcurrency"
  | "discovery"
>;

/** One account's turn in one run. `now` is the run's instant (the scheduled event's time). */
export interface AccountRun {
  readonly accountId: string;
  readonly runId: string;
  readonly now: Date;
  /** The previous run's instant; a day before `now` (the daily schedule) when not given. */
  readonly previousRunAt?: Date;
  /** Asked before each user is started: `true` when the time left is too short to start another. */
  readonly shouldStop?: () => boolean;
  /** `true` for `keyrotor plan`: nothing is written, not even to the ledger. */
  readonly readOnly?: boolean;
}

/** What every step of one account's reconciliation shares. */
export interface AccountContext {
  readonly ports: AccountPorts & { readonly ledger: LedgerPort };
  readonly settings: RotationSettings;
  readonly thresholds: Thresholds;
  readonly run: AccountRun;
  readonly ledger: AccountLedger;
  readonly exemptMembers: ReadonlySet<string>;
  /** The user's secret at its keyrotor name, if one exists (from one listing, or described per user). */
  readonly secretOf: (name: string) => Promise<SecretMeta | undefined>;
}
