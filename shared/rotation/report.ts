import type { PasswordPolicyReport } from "../compliance/reconcile-password-policy";
import type { ErrorReport } from "../errors";
import type { IncidentRecord } from "../ledger/records";
import type { ActionKind, UserStatus } from "../lifecycle";
import type { ResolvedPolicy } from "../policies/fields";

export type { ErrorReport };

/** What happened to one planned action. `planned`: audit mode; `skipped`: an earlier action of the user failed. */
export type Outcome = "planned" | "done" | "failed" | "skipped";

export interface ActionReport {
  readonly kind: ActionKind;
  /** The key acted on; for `create`, the new key's id once it exists. */
  readonly keyId: string;
  readonly detail: string;
  /** ISO instant the action fell due: lets a notice tell news from a repeat. */
  readonly dueOn: string;
  readonly outcome: Outcome;
  readonly error?: ErrorReport;
}

export interface DatedKeyEvent {
  readonly keyId: string;
  readonly action: "rotate" | "deactivate" | "delete";
  /** ISO date-time. */
  readonly on: string;
}

/**
 * Something about the user's secret or tags that keyrotor found, did, or refused: a foreign secret, a
 * drifted policy restored, readers ignored. `noted` needs a person; `done`/`planned`/`failed` as for actions.
 */
export interface Finding {
  readonly kind:
    | "foreign-secret"
    | "secret-adopted"
    | "secret-gone"
    | "secret-deleting"
    | "secret-restored"
    | "foreign-version"
    | "kms-changed"
    | "policy-restored"
    | "policy-updated"
    | "replicas-updated"
    | "readers-ignored"
    | "upkeep-failed";
  readonly outcome: "noted" | Outcome;
  readonly detail: string;
}

/**
 * One destination's delivery of the user's recorded key. `planned`: audit mode or `plan`; `waiting`:
 * failed before and not retried in this run (read-only); `done`: confirmed in this run or earlier.
 */
export interface DeliveryReport {
  readonly destination: string;
  readonly keyId: string;
  readonly outcome: "planned" | "done" | "failed" | "waiting";
  /** ISO instant the destination confirmed the key. */
  readonly confirmedAt?: string;
  /** For a failure: since when it has been failing, how many attempts, and what a person can do. */
  readonly failingSince?: string;
  readonly attempts?: number;
  readonly error?: ErrorReport;
  readonly fix?: string;
  /**
   * The failure is the destination's API token (in `keyrotor-tokens/`, keyrotor's own account:
   * missing, expired or without the rights): only keyrotor's operators can fix it.
   */
  readonly tokenFault?: boolean;
}

/** A superseded key whose deactivation is due and held back (see `Hold` in the lifecycle). */
export interface HoldReport {
  readonly keyId: string;
  readonly reason: "undelivered" | "in-use" | "reactivated";
  readonly dueOn: string;
  readonly until?: string;
  readonly destinations?: readonly string[];
}

/** When and where a superseded key was last used after its replacement reached every consumer. */
export interface UsageReport {
  readonly keyId: string;
  readonly lastUsedAt: string;
  readonly service?: string;
  readonly region?: string;
  /** When the key's deactivation is due (or held until). */
  readonly deactivateOn?: string;
}

/**
 * How to get rid of some of the user's keys (kinds in `shared/advice/types.ts`): one line and why;
 * `keyrotor advise` prints the policy documents.
 */
export interface AdviceReport {
  readonly kind: "remove" | "oidc" | "scoped-role" | "roles-anywhere-or-identity-center";
  /** Key ids, or `created <date>` for a key only the credential report knows. */
  readonly keys: readonly string[];
  readonly summary: string;
  readonly why: string;
}

/** Everything known about one user after a run. Contains no secret, by construction. */
export interface UserReport {
  readonly userName: string;
  /** The policy the user was reconciled under (`default`: the top-level settings); absent for a tie. */
  readonly policy?: string;
  /** `failed`: its facts could not be read; `deferred`: left for the retry when time ran short. */
  readonly status: UserStatus | "failed" | "deferred";
  readonly reason?: string;
  /** ISO instant a `blocked` user's rotation fell due. */
  readonly blockedSince?: string;
  /** The user's own notice address, from the owner tag, when it holds a valid email address. */
  readonly owner?: string;
  readonly keys: readonly { readonly id: string; readonly status: string; readonly createdAt: string }[];
  readonly actions: readonly ActionReport[];
  /** Steps announced in this run, a week (`warnBeforeDays`) before they fall due. */
  readonly warnings: readonly DatedKeyEvent[];
  readonly upcoming: readonly DatedKeyEvent[];
  readonly secretName: string;
  readonly secretArn?: string;
  /**
   * Who besides the user may read the secret (the readers of the policy keyrotor keeps on it). Absent:
   * notices name the configured `readerPrincipals` only.
   */
  readonly readers?: readonly string[];
  /** What keyrotor found about the user's secret and tags, and did about it. */
  readonly findings: readonly Finding[];
  /** The recorded key's deliveries to the destinations the operator bound to the user. */
  readonly deliveries?: readonly DeliveryReport[];
  /** Deactivations due and held back. */
  readonly holds?: readonly HoldReport[];
  /** Superseded keys still used after their replacement was delivered. */
  readonly stillUsed?: readonly UsageReport[];
  /** Keys keyrotor deactivated that a person made Active again. */
  readonly reactivated?: readonly string[];
  /** How to get rid of the user's Active keys rather than rotate them. */
  readonly advice?: readonly AdviceReport[];
  /** The exposed key this run answered for (or found still open), and where its answer stands. */
  readonly incident?: IncidentReport;
  readonly error?: ErrorReport;
}

/**
 * An incident as one run leaves it: `handled` once the key is replaced and revoked or deleted as asked
 * (with `grace`: once replaced); `open` while keyrotor has more to do; `blocked` when it cannot go on
 * without a person (why in `needsPerson`). `failedDestinations` got no new key: each needs a person now.
 */
export interface IncidentReport extends IncidentRecord {
  readonly state: "handled" | "open" | "blocked";
  readonly needsPerson?: string;
  readonly failedDestinations?: readonly string[];
}

/**
 * The credential report had rows keyrotor could not read for certain, so it may not have shown every
 * user: every user was looked at through IAM instead (as `discovery: full` does), none skipped.
 */
export interface ReportFallback {
  /** How many rows could not be read. */
  readonly rows: number;
  /** Which and why, the first three named: `2 rows (line 3: why; line 7: why)`. */
  readonly detail: string;
}

/** The policy in force for an account (its users may have their own), as reports show it. */
export type AccountPolicyReport = Omit<ResolvedPolicy, "passwordPolicy" | "repeatFailuresAfterDays">;

export interface AccountReport {
  readonly accountId: string;
  readonly runId: string;
  /** The account's policy's mode; a user policy may set another for its users. */
  readonly mode: "audit" | "enforce";
  /** The account's policy (absent in reports of keyrotor before policies). */
  readonly policy?: AccountPolicyReport;
  /** The run's instant, ISO. */
  readonly now: string;
  /** The previous run's instant, ISO: what happened since is news. */
  readonly previousRunAt: string;
  /** The users looked at: every user with `discovery: full`, else those the credential report flagged. */
  readonly users: readonly UserReport[];
  /** Users the credential report showed with nothing due, not looked at further. */
  readonly unexaminedUsers: number;
  /** Users whose facts could not be read or whose actions failed. */
  readonly failedUsers: number;
  /** Users not started because the invocation's time ran short; the job must run again for them. */
  readonly deferredUsers: number;
  /** CIS 1.8-1.9, when `passwordPolicy` is configured. */
  readonly passwordPolicy?: PasswordPolicyReport;
  /** Set when the credential report could not be read for certain and every user was listed instead. */
  readonly reportFallback?: ReportFallback;
}
