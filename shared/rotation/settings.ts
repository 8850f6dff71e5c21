import type { Config } from "../config";
import type { AccountLedger, LedgerPort } from "../ledger/records";
import type { ReportedKey, Thresholds } from "../lifecycle";
import type { AccountPolicies } from "../policies/resolve";
import type { AccountPorts, DirectoryEntry, IamUser, KeyPorts, SecretMeta } from "./ports";
import type { ReportFallback } from "./report";

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
  | "deliveries"
  | "deliveryKmsKeyId"
  | "holdWhileInUse"
  | "verifyNewKeys"
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
  /** An incident's run: this user alone is looked at, and the account's run is not recorded. */
  readonly onlyUser?: string;
}

export interface Discovery {
  readonly users: readonly IamUser[];
  /** Users the credential report showed with nothing due, not looked at further. */
  readonly unexamined: number;
  /** Groups and tags of every user, from one paginated call. */
  readonly directory: ReadonlyMap<string, DirectoryEntry>;
  readonly secretOf: (name: string) => Promise<SecretMeta | undefined>;
  /** Each looked-at user's keys as the report showed them (report discovery only): binds quiet periods. */
  readonly fingerprints: ReadonlyMap<string, string>;
  /** Each looked-at user's keys as the report showed them, with their last use (report discovery only). */
  readonly reported: ReadonlyMap<string, readonly ReportedKey[]>;
  /** Active keys in the account, from the credential report (`null` when discovery did not read it). */
  readonly activeKeys: number | null;
  /** The settings that shape existing secrets changed since the last run: every secret is checked. */
  readonly settingsChanged: boolean;
  /** Report discovery could not read the credential report for certain: every user was listed instead. */
  readonly fallback?: ReportFallback;
}

/** What every step of one account's reconciliation shares: the run, the ledger, what discovery found. */
export interface AccountContext extends Omit<Discovery, "users" | "unexamined" | "fallback"> {
  readonly ports: AccountPorts & { readonly ledger: LedgerPort; readonly keys?: KeyPorts };
  readonly settings: RotationSettings;
  readonly thresholds: Thresholds;
  /** The policies in force in the account: each user is reconciled under its own. */
  readonly policies: AccountPolicies;
  readonly run: AccountRun;
  /** The run before this one: warnings whose date passed since then are this run's. */
  readonly previousRunAt: Date;
  readonly ledger: AccountLedger;
}
