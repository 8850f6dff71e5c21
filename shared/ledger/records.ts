import type { ExposureResponse } from "../lifecycle/types";

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
  /** When the rotation that made the key fell due: `at` minus this is how late it came. */
  readonly dueOn?: string;
  /**
   * keyrotor's own proof of the key (STS GetCallerIdentity signed with it): when STS answered and in
   * which region. IAM records that call as the key's last use; this is how every rule tells it from a
   * consumer's. Absent: keyrotor did not verify the key (`verifyNewKeys` off, or a version before it
   * recorded verifications).
   */
  readonly verified?: { readonly at: string; readonly region: string };
}

/** How many earlier recorded keys a user's record keeps: two years of quarterly rotations and then some. */
export const HISTORY_LENGTH = 24;

/** A key creation keyrotor announced and has not yet recorded: set just before CreateAccessKey. */
export interface PendingCreation {
  readonly since: string;
  readonly runId: string;
}

/** Why one destination has not confirmed the key yet; kept until it does or the key is superseded. */
export interface DeliveryFailureRecord {
  /** The first failed attempt for this key. */
  readonly since: string;
  readonly at: string;
  readonly attempts: number;
  /** The `DeliveryFailure` kind, the message and how to fix it: never a token or a key. */
  readonly failure: string;
  readonly message: string;
  readonly fix: string;
}

/**
 * The delivery of the recorded key to the user's destinations. `due` names the destinations bound
 * when the key was created; the key it replaces stays Active until every one of them (still bound)
 * confirmed. `escrow` holds the key's secret, encrypted under keyrotor's delivery KMS key and bound
 * to account, user and key id, only while some destination has not confirmed: the member role may
 * not read the user's secret, so this is how a later run can deliver again.
 */
export interface DeliveryRecord {
  readonly keyId: string;
  readonly due: readonly string[];
  readonly confirmed: Readonly<Record<string, string>>;
  readonly failures: Readonly<Record<string, DeliveryFailureRecord>>;
  readonly escrow?: string;
}

/** What set an incident off: a person (`keyrotor rotate`) or AWS Health saying the key was exposed. */
export type IncidentTrigger = "cli" | "health";

/** What becomes of the exposed key once its replacement is stored (the lifecycle's `ExposureResponse`). */
export type IncidentResponse = ExposureResponse;

/**
 * One exposed key and what keyrotor did about it. An incident is keyed by its key: asking again for
 * the same key (a second `keyrotor rotate`, a replayed event) finds it and opens nothing new.
 */
export interface IncidentRecord {
  /** The exposed key: the one replaced. */
  readonly keyId: string;
  readonly trigger: IncidentTrigger;
  /** The Health event's ARN, or the CLI run's id: where the request came from. Never a secret. */
  readonly source: string;
  /** The operator's words (`--reason`): at most 200 characters, no control characters. */
  readonly reason?: string;
  readonly response: IncidentResponse;
  readonly openedAt: string;
  /** The key that replaced it, once stored. */
  readonly replacedBy?: string;
  readonly revokedAt?: string;
  readonly deletedAt?: string;
  /** When keyrotor had nothing left to do: replaced, and revoked or deleted as asked. */
  readonly handledAt?: string;
}

/** How many incidents a user's record keeps, newest last. */
export const INCIDENT_HISTORY = 10;

export interface UserRecord {
  readonly userName: string;
  readonly secret?: SecretRecord;
  readonly recorded?: RecordedKey;
  /** The keys recorded before `recorded`, oldest first, at most `HISTORY_LENGTH`: the rotation history. */
  readonly history?: readonly RecordedKey[];
  readonly pending?: PendingCreation;
  readonly delivery?: DeliveryRecord;
  /** Keys keyrotor deactivated, by id, with when: one Active again was re-activated by a person. */
  readonly retired?: Readonly<Record<string, string>>;
  /** The owner address (from the owner tag) the rotator last saw; the notifier mails that user's lines there. */
  readonly owner?: string;
  /**
   * A user left blocked, exempt, held or failing is not looked at again until `until`, unless its keys
   * (as the credential report shows them) no longer match `fingerprint`.
   */
  readonly quiet?: QuietPeriod;
  /** Exposed keys of this user and what was done about each, oldest first, at most `INCIDENT_HISTORY`. */
  readonly incidents?: readonly IncidentRecord[];
}

export interface QuietPeriod {
  /** When it began: a step of the user's keys falling due after this ends it early. */
  readonly since: string;
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
  /**
   * The account's Active access keys by month (`YYYY-MM`, UTC): the count at the month's last run,
   * at most `HISTORY_LENGTH` months. What shows whether long-lived keys are going away.
   */
  readonly activeKeysByMonth?: Readonly<Record<string, number>>;
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
  /**
   * Records the key the secret now holds and clears the pending creation; with `history`, replaces
   * the user's rotation history in the same write (the key recorded before, appended); with `secret`,
   * records the secret the rotation created in that write too.
   */
  recordKey(
    accountId: string,
    userName: string,
    recorded: RecordedKey,
    history?: readonly RecordedKey[],
    secret?: SecretRecord,
  ): Promise<void>;
  /** Replaces the delivery record (`null` removes it: delivered everywhere, or abandoned). */
  setDelivery(accountId: string, userName: string, delivery: DeliveryRecord | null): Promise<void>;
  /** Records that keyrotor deactivated a key; `retired` is the user's whole map (older entries pruned). */
  setRetired(accountId: string, userName: string, retired: Readonly<Record<string, string>>): Promise<void>;
  /** Clears the pending creation; with `secret`, records the secret the rolled-back rotation created. */
  clearPending(accountId: string, userName: string, secret?: SecretRecord): Promise<void>;
  /** The owner address from the user's owner tag; `null` removes it. */
  setOwner(accountId: string, userName: string, owner: string | null): Promise<void>;
  /** Starts (or, with `null`, ends) a quiet period for a user nothing can be done for. */
  setQuiet(accountId: string, userName: string, quiet: QuietPeriod | null): Promise<void>;
  /** Replaces the user's incidents (the whole list, at most `INCIDENT_HISTORY`). */
  setIncidents(accountId: string, userName: string, incidents: readonly IncidentRecord[]): Promise<void>;
  recordRun(accountId: string, run: AccountRecord): Promise<void>;
}

/**
 * What keyrotor last told about one matter of a user (a warning for a key, a block, a failure...):
 * `said` fingerprints the words, `at` is the run instant they were queued for delivery.
 */
export interface Announcement {
  readonly said: string;
  readonly at: string;
}

/** A user's announcements, by matter (`warning:rotate:AKIA…`, `blocked`, `failed:deactivate:AKIA…`). */
export type Announcements = Readonly<Record<string, Announcement>>;

/** A user's record with what keyrotor already told about it: nothing is announced twice. */
export interface AnnouncedUserRecord extends UserRecord {
  readonly announced?: Announcements;
}

/**
 * One account's notice in the outbox: recorded before it is queued, marked sent only once SES took
 * every one of its emails. `delivered` names the emails (recipient digests) already accepted, so a
 * retry sends only the rest; `announced` is set once its announcements are recorded with the users.
 */
export interface OutboxEntry {
  readonly id: string;
  /** The notice as JSON (a `Notice` of shared/messages.ts). */
  readonly notice: string;
  /** JSON of `{ users: { name: Announcements | null }, account: Announcements | null }` to record. */
  readonly announcements: string;
  readonly createdAt: string;
  readonly state: "pending" | "sent";
  readonly announced: boolean;
  readonly delivered: readonly string[];
  readonly sentAt?: string;
}

export type NewOutboxEntry = Pick<OutboxEntry, "id" | "notice" | "announcements" | "createdAt">;

/** The account-level side of the outbox: pending notices and the account's own announcements. */
export interface AccountOutbox {
  readonly pending: readonly OutboxEntry[];
  /** Announcements about the account itself (its password policy). */
  readonly announced: Announcements;
}

/** The outbox as the rotator and notifier see it; the ledger adapters implement it next to `LedgerPort`. */
export interface OutboxPort {
  /** The account's undelivered notices (oldest first) and account-level announcements: one query. */
  loadOutbox(accountId: string): Promise<AccountOutbox>;
  /** Records a new notice, pending; an entry of that id already there is left as it is. */
  putNotice(accountId: string, entry: NewOutboxEntry): Promise<void>;
  getNotice(accountId: string, id: string): Promise<OutboxEntry | null>;
  /** The notice's announcements are recorded with its users: a later run need not record them again. */
  markAnnounced(accountId: string, id: string): Promise<void>;
  /** One email of the notice was accepted by SES. */
  markDelivered(accountId: string, id: string, email: string): Promise<void>;
  /** Every email of the notice was accepted. */
  markSent(accountId: string, id: string, sentAt: string): Promise<void>;
  /** Replaces a user's announcements (`null` removes them). */
  setAnnounced(accountId: string, userName: string, announced: Announcements | null): Promise<void>;
  /** Replaces the account-level announcements. */
  setAccountAnnounced(accountId: string, announced: Announcements): Promise<void>;
}
