/**
 * The ledger's records: what keyrotor itself did, kept in the management account where the people
 * it manages cannot write. Decisions that retire or destroy a key rest on these, never on tags or
 * secret metadata in a member account (docs/security.md).
 */

/** A secret keyrotor created (or, when the operator allows it, adopted) for one user. */
export interface SecretRecord {
  readonly arn: string;
  readonly name: string;
  /** The KMS key the secret was created with; `null` for Secrets Manager's AWS managed key. */
  readonly kmsKeyId: string | null;
  /** SHA-256 of the resource policy keyrotor last wrote, in canonical form. */
  readonly policyDigest: string;
  readonly createdAt: string;
  /** `true` when the secret was made by someone else and adopted because the operator allowed it. */
  readonly adopted: boolean;
}

/** The key keyrotor last stored in the user's secret, and the secret version that holds it. */
export interface RecordedKey {
  readonly keyId: string;
  readonly versionId: string;
  readonly at: string;
}

/** A key creation keyrotor announced and has not yet recorded: set just before CreateAccessKey. */
export interface PendingCreation {
  readonly since: string;
  readonly runId: string;
}

export interface UserRecord {
  readonly userName: string;
  readonly secret?: SecretRecord;
  readonly recorded?: RecordedKey;
  readonly pending?: PendingCreation;
  /** The owner address (from the owner tag) the rotator last saw; the notifier mails that user's lines there. */
  readonly owner?: string;
  /**
   * A user left blocked, exempt, held or failing is not looked at again until `until`, unless its keys
   * (as the credential report shows them) no longer match `fingerprint`.
   */
  readonly quiet?: QuietPeriod;
}

export interface QuietPeriod {
  readonly until: string;
  readonly fingerprint: string;
  readonly reason: string;
}

export interface AccountRecord {
  readonly lastRunId: string;
  readonly lastRunAt: string;
  /** The run before `lastRunId`: what a retry of that run counts as "since the previous run". */
  readonly previousRunAt?: string;
  /** Digest of the settings that shape existing secrets (readers, replicas): a change reaches them all. */
  readonly settingsDigest?: string;
}

export interface AccountLedger {
  readonly users: ReadonlyMap<string, UserRecord>;
  readonly account: AccountRecord | null;
}

/** The ledger as the use cases see it; the DynamoDB adapter and the tests' in-memory ledger implement it. */
export interface LedgerPort {
  /** Everything recorded for one account: one query, whatever the account's size. */
  loadAccount(accountId: string): Promise<AccountLedger>;
  /** Records the user's secret: created, adopted, or its policy rewritten. */
  putSecret(accountId: string, userName: string, secret: SecretRecord): Promise<void>;
  /** Announces a key creation before CreateAccessKey: a key that appears after it without being recorded is keyrotor's. */
  markPending(accountId: string, userName: string, pending: PendingCreation): Promise<void>;
  /** Records the key the secret now holds and clears the pending creation. */
  recordKey(accountId: string, userName: string, recorded: RecordedKey): Promise<void>;
  clearPending(accountId: string, userName: string): Promise<void>;
  /** The owner address from the user's owner tag; `null` removes it. */
  setOwner(accountId: string, userName: string, owner: string | null): Promise<void>;
  /** Starts (or, with `null`, ends) a quiet period for a user nothing can be done for. */
  setQuiet(accountId: string, userName: string, quiet: QuietPeriod | null): Promise<void>;
  recordRun(accountId: string, run: AccountRecord): Promise<void>;
}
