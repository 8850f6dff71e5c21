import type { AdviceKind } from "../advice/types";
import type { IncidentRecord } from "../ledger/records";
import type { AccountPolicyReport } from "../rotation/report";

/**
 * The organization-wide report: where every account stands, from the credential reports (no call
 * per user) and the ledger. Plain data: every renderer (HTML, JSON, CSV) and the weekly digest read
 * the same facts. Instants are ISO strings.
 */

/** Key age bands, in whole days: under 80, 80–90, 90–100, 100–110, 110 and over. */
export const AGE_BANDS = ["<80", "80-90", "90-100", "100-110", ">=110"] as const;
export type AgeBand = (typeof AGE_BANDS)[number];

/** Last-use bands of Active keys: never used, used within 45 days, 45–90 days ago, over 90 days ago. */
export const USE_BANDS = ["never", "<45", "45-90", ">=90"] as const;
export type UseBand = (typeof USE_BANDS)[number];

/** Counts shared by an account and the whole organization. */
export interface KeyCounts {
  readonly users: number;
  /** Users with at least one access key. */
  readonly usersWithKeys: number;
  readonly keys: number;
  readonly activeKeys: number;
  /** Active keys by age band. */
  readonly byAge: Readonly<Record<AgeBand, number>>;
  /** Active keys by last use. */
  readonly byUse: Readonly<Record<UseBand, number>>;
  /** Active keys younger than their own policy's `rotateAfterDays` (each user judged by its policy). */
  readonly rotationCompliant: number;
  /**
   * Active keys younger than IAM.3's 90 days (`IAM3_DAYS`), whatever the policies say: what Security
   * Hub passes. The Active keys it leaves out are those `failingIam3` names.
   */
  readonly iam3Compliant: number;
  /** Active keys used within the unused-key period (45 days, or `deactivateUnusedAfterDays`), of all Active keys. */
  readonly usageCompliant: number;
  /**
   * Active keys by the advice on getting rid of them (`adviseUser`: remove, an OIDC role, a scoped role,
   * Roles Anywhere or Identity Center); the kinds sum to `activeKeys`. Always set by `buildOrgReport`.
   */
  readonly byAdvice?: Readonly<Record<AdviceKind, number>>;
}

/** What falls due in the next 14 days. */
export interface Upcoming {
  readonly rotations: number;
  readonly deactivations: number;
  readonly deletions: number;
}

/** A user that needs a person, and why. */
export interface Attention {
  readonly accountId: string;
  readonly userName: string;
  readonly kind: "blocked" | "exempt" | "failing" | "held" | "in-use" | "undelivered";
  readonly reason: string;
  /** Age in days of the user's oldest Active key. */
  readonly oldestKeyDays?: number;
  readonly since?: string;
  /** The user's own policy, when it is not its account's (a user policy); absent for a tie, which `reason` names. */
  readonly policy?: string;
}

/** Rotations keyrotor recorded in one calendar month (UTC), from the ledger's history. */
export interface MonthlyRotations {
  /** `YYYY-MM`. */
  readonly month: string;
  readonly rotations: number;
  /** Median whole days from a rotation falling due to its key being recorded; `null` without data. */
  readonly medianDaysLate: number | null;
}

/**
 * The organization's long-lived (Active) access keys in one calendar month (UTC), summed over the
 * accounts from the count each account's run records in the ledger (the month's last run). An account
 * without a count for the month adds its latest earlier one: keyrotor did not run there that month,
 * and its keys are still there as far as anyone knows. The report's own month counts every account
 * it could read as it read it (`activeKeys`), so the last point is the report's Active count.
 */
export interface MonthlyKeys {
  /** `YYYY-MM`. */
  readonly month: string;
  /** `null` when no account had recorded a count by this month: unknown, not zero. */
  readonly activeKeys: number | null;
  /** The accounts summed: those with a count for this month or an earlier one. */
  readonly accounts: number;
  /** Of those, the accounts whose count was carried from an earlier month. */
  readonly carried: number;
}

/**
 * An exposed key and what keyrotor did about it, as the ledger records it (`UserRecord.incidents`):
 * `open` until keyrotor had nothing left to do (`handledAt`), `handled` after. Key ids, instants and
 * where the request came from; never a secret.
 */
export interface Incident extends IncidentRecord {
  readonly accountId: string;
  readonly userName: string;
  readonly state: "open" | "handled";
}

export interface AccountSummary extends KeyCounts {
  readonly accountId: string;
  readonly name: string;
  readonly upcoming: Upcoming;
  readonly attention: readonly Attention[];
  /** The account could not be read (its role, its report): its counts are zero and this says why. */
  readonly error?: string;
  /**
   * The account's credential report had rows that could not be read for certain (how many, which,
   * why): its users and keys were listed through IAM instead, so its counts are still complete.
   */
  readonly reportFallback?: string;
  /**
   * The account's policy (`default`: the top-level settings), resolved from its id and its OUs as
   * Organizations tells keyrotor, as the rotation resolves it: nothing the account holds takes part.
   */
  readonly policy?: AccountPolicyReport;
}

/** A key as IAM lists it for a user: enough to give a credential report's key its id. */
export interface ListedKey {
  readonly id: string;
  readonly createdAt: Date;
}

/**
 * An Active key Security Hub's IAM.3 fails: 90 days old or more, whatever keyrotor's thresholds. Its id
 * comes from IAM's listing of the user's keys (the credential report has none): `null` when that listing
 * failed or was not made (`IAM3_LISTED_USERS`).
 */
export interface FailingKey {
  readonly accountId: string;
  readonly userName: string;
  readonly keyId: string | null;
  /** Whole days since the key was created. */
  readonly ageDays: number;
  /** ISO instant; `null`: never used. */
  readonly lastUsedAt: string | null;
}

/**
 * An account of the organization the report (and the rotation) leaves out, and why, as the scheduler's
 * selection says: not ACTIVE (suspended, closing), excluded by id or by OU, or outside the include
 * lists. It is never opened; an account in scope that cannot be read is in `accounts` with its error.
 */
export interface OutOfScope {
  readonly accountId: string;
  readonly name: string;
  readonly reason: string;
}

export interface OrgReport {
  readonly generatedAt: string;
  /** The digest of the configuration the report was made under (`keyrotor config validate`), when known. */
  readonly configDigest?: string;
  /** The default policy's thresholds (the top-level settings); each account's own are in its `policy`. */
  readonly thresholds: {
    readonly rotateAfterDays: number;
    readonly deactivateAfterDays: number;
    readonly deleteAfterDays: number;
    readonly unusedAfterDays: number;
  };
  readonly totals: KeyCounts & {
    readonly accounts: number;
    readonly unreadableAccounts: number;
    /**
     * Users who need a person (`needsAPerson`: the attention list less exempt users whose keys are
     * under 90 days). Always set by `buildOrgReport`.
     */
    readonly needingAPerson?: number;
  };
  readonly upcoming: Upcoming;
  readonly accounts: readonly AccountSummary[];
  /** Every Active key that fails IAM.3, the oldest first. Always set by `buildOrgReport`. */
  readonly failingIam3?: readonly FailingKey[];
  /** The organization's other accounts, in its order, each with why it is out of scope. Always set by `buildOrgReport`. */
  readonly outOfScope?: readonly OutOfScope[];
  /**
   * Every user a person should look at, blocked and failing first: those who need a person
   * (`needsAPerson`) and the exempt users keyrotor leaves alone.
   */
  readonly attention: readonly Attention[];
  /** Oldest month first. */
  readonly history: readonly MonthlyRotations[];
  /**
   * Long-lived keys per month: every month of the history's window (`HISTORY_MONTHS` up to the
   * report's), oldest first, `activeKeys` null before any account recorded a count. Of the accounts in
   * scope today. Always set by `buildOrgReport`.
   */
  readonly trend?: readonly MonthlyKeys[];
  /**
   * Every incident the ledger holds (at most `INCIDENT_HISTORY` a user), the most recent first, those of
   * accounts whose IAM could not be read included. Always set by `buildOrgReport`.
   */
  readonly incidents?: readonly Incident[];
}
