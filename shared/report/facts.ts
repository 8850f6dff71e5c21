import { keysByKind } from "../advice/advise";
import type { Advice } from "../advice/types";
import type { Config } from "../config";
import type { AccountLedger, UserRecord } from "../ledger/records";
import { consumersUse } from "../ledger/verifications";
import { addDays, ageInDays, decide, type KeyFacts, type ReportedKey, type UserPlan } from "../lifecycle";
import { type AccountPolicies, defaultPolicies } from "../policies/resolve";
import type { DirectoryEntry, ReportedUser } from "../rotation/ports";
import type { AccountContext } from "../rotation/settings";
import { exemptionOf } from "../rotation/user-facts";
import { policyReport, thresholdsOf, tieReason } from "../rotation/user-policy";
import { reportedAdvice } from "./advice";
import { concernOf } from "./attention";
import { failingIam3Of } from "./failing-iam3";
import { incidentsOf } from "./incidents";
import { type MonthTally, tallyRotations } from "./months";
import { IAM3_DAYS } from "./needs-person";
import type {
  AccountSummary,
  AgeBand,
  Attention,
  FailingKey,
  Incident,
  KeyCounts,
  ListedKey,
  Upcoming,
  UseBand,
} from "./types";

/**
 * The settings a report judges keys against: the default policy's (the top-level settings), and the
 * policies that differ from it (absent: none).
 */
export type ReportSettings = Partial<Pick<Config, "mode" | "policies">> &
  Pick<
    Config,
    | "rotateAfterDays"
    | "deactivateAfterDays"
    | "deleteAfterDays"
    | "warnBeforeDays"
    | "deactivateUnusedAfterDays"
    | "holdWhileInUse"
    | "exemptGroupName"
    | "exemptTag"
    | "deliveries"
  >;

/** IAM.22's period for an unused key when keyrotor's own unused-key rule is off. */
export const UNUSED_DEFAULT_DAYS = 45;
/** How far ahead "what happens next" looks. */
export const UPCOMING_DAYS = 14;

/** One account as read for the report: its credential report, directory and ledger partition. */
export interface AccountInputs {
  readonly accountId: string;
  readonly name: string;
  readonly users: readonly ReportedUser[];
  readonly directory: ReadonlyMap<string, DirectoryEntry>;
  readonly ledger: AccountLedger;
  /** Set when the users were listed through IAM because the credential report could not be read for certain. */
  readonly reportFallback?: string;
  /** The ids IAM listed for the users with a key failing IAM.3 (`listFailingKeyIds`); absent: none. */
  readonly keyIds?: ReadonlyMap<string, readonly ListedKey[]>;
}

/**
 * One account's facts: its summary, its rotations by month (`YYYY-MM`) for the organization's medians,
 * its Active keys by month as its runs recorded them (empty when none did) for the trend, and the
 * incidents its ledger holds, the most recent first.
 */
export interface AccountFacts {
  readonly summary: AccountSummary;
  readonly rotations: ReadonlyMap<string, MonthTally>;
  readonly activeKeysByMonth: Readonly<Record<string, number>>;
  readonly incidents: readonly Incident[];
  /** The account's Active keys that fail IAM.3. */
  readonly failingIam3: readonly FailingKey[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };

/** Zero of everything, the advice kinds included. */
export function emptyCounts(): Mutable<Required<KeyCounts>> {
  return {
    users: 0,
    usersWithKeys: 0,
    keys: 0,
    activeKeys: 0,
    byAge: { "<80": 0, "80-90": 0, "90-100": 0, "100-110": 0, ">=110": 0 },
    byUse: { never: 0, "<45": 0, "45-90": 0, ">=90": 0 },
    rotationCompliant: 0,
    iam3Compliant: 0,
    usageCompliant: 0,
    byAdvice: keysByKind([]),
  };
}

/** The band of a key `days` whole days old; each band holds its lower edge (90 is in 90-100). */
export function ageBand(days: number): AgeBand {
  if (days < 80) return "<80";
  if (days < 90) return "80-90";
  if (days < 100) return "90-100";
  return days < 110 ? "100-110" : ">=110";
}

/** The band of a key last used at `lastUsedAt` (`null`: never), in whole days before `now`. */
export function useBand(lastUsedAt: Date | null, now: Date): UseBand {
  if (lastUsedAt === null) return "never";
  const days = ageInDays(lastUsedAt, now);
  return days < 45 ? "<45" : days < 90 ? "45-90" : ">=90";
}

/**
 * An account that could not be read: zero counts and why. Its Active keys by month and its incidents,
 * when its ledger could be read, still count: they are what its runs recorded, not what the report saw.
 */
export function unreadableAccount(
  accountId: string,
  name: string,
  error: string,
  activeKeysByMonth: Readonly<Record<string, number>> = {},
  incidents: readonly Incident[] = [],
  policies?: AccountPolicies,
): AccountFacts {
  const upcoming = { rotations: 0, deactivations: 0, deletions: 0 };
  const policy = policies ? { policy: policyReport(policies.account) } : {};
  return {
    summary: { ...emptyCounts(), accountId, name, upcoming, attention: [], error, ...policy },
    rotations: new Map(),
    activeKeysByMonth,
    incidents,
    failingIam3: [],
  };
}

/** The default policy alone, for a report of settings without policies. */
export const withoutPolicies = (settings: ReportSettings): AccountPolicies =>
  defaultPolicies({ ...settings, mode: settings.mode ?? "audit" });

/**
 * The settings one user is judged by: its own policy's thresholds and key rules over the report's
 * settings, or `tie` when two user policies match it (the rotation blocks it, naming both).
 */
function judgedBy(
  policies: AccountPolicies,
  userName: string,
  settings: ReportSettings,
): { settings: ReportSettings; policy?: string } | { tie: readonly string[]; settings: ReportSettings } {
  const applies = policies.forUser(userName);
  const account = { ...settings, ...thresholdsOf(policies.account) };
  if (applies.kind === "tie") return { tie: applies.names, settings: account };
  const own = applies.policy.name === policies.account.name ? {} : { policy: applies.policy.name };
  return { settings: { ...settings, ...thresholdsOf(applies.policy) }, ...own };
}

/** What the rotation says of a user two user policies match: nothing is done to its keys. */
const tieConcern = (names: readonly string[]) => ({ kind: "blocked" as const, reason: tieReason(names) });

/**
 * One account's summary from its credential report, directory and ledger: no call of its own. Each user
 * is judged by its own policy (`policies`, resolved as the rotation resolves them; none: the settings
 * alone), and a user two user policies match is blocked, as the rotation blocks it. The next
 * steps come from the lifecycle's own `decide` over the report's keys (steps due now, which the next
 * run takes, and those due within `UPCOMING_DAYS`). The report has no key ids, so what only ids tell
 * (the key the secret records, keys a person re-activated) is left out, as discovery does. Each user
 * with Active keys gets `adviseUser`'s advice, counted by kind. Its incidents come from the ledger alone.
 */
export function accountFacts(
  inputs: AccountInputs,
  settings: ReportSettings,
  now: Date,
  policies: AccountPolicies = withoutPolicies(settings),
): AccountFacts {
  const counts = emptyCounts();
  const upcoming: Mutable<Upcoming> = { rotations: 0, deactivations: 0, deletions: 0 };
  const attention: Attention[] = [];
  const rotations = new Map<string, MonthTally>();
  const advice: Advice[] = [];
  const horizon = addDays(now, UPCOMING_DAYS).getTime();
  // exemptionOf reads only the directory and the two exemption settings of its context.
  const exemption = { directory: inputs.directory, settings } as AccountContext;
  for (const read of inputs.users) {
    const record = inputs.ledger.users.get(read.userName);
    // Every count, plan and advice below reads the keys as their consumers used them.
    const user = { ...read, keys: consumersUse(read.keys, record) };
    const judged = judgedBy(policies, user.userName, settings);
    const judging = judged.settings;
    const unusedDays = judging.deactivateUnusedAfterDays ?? UNUSED_DEFAULT_DAYS;
    counts.users++;
    if (user.keys.length > 0) counts.usersWithKeys++;
    counts.keys += user.keys.length;
    let oldest: number | undefined;
    for (const key of user.keys) {
      if (key.status !== "Active") continue;
      const age = ageInDays(key.createdAt, now);
      oldest = Math.max(oldest ?? age, age);
      counts.activeKeys++;
      counts.byAge[ageBand(age)]++;
      counts.byUse[useBand(key.lastUsedAt, now)]++;
      if (age < judging.rotateAfterDays) counts.rotationCompliant++;
      if (age < IAM3_DAYS) counts.iam3Compliant++;
      if (ageInDays(key.lastUsedAt ?? key.createdAt, now) < unusedDays) counts.usageCompliant++;
    }
    if (oldest !== undefined) advice.push(reportedAdvice(inputs.accountId, user, judging, now));
    const exempt = exemptionOf(exemption, user);
    // A tie blocks the user only while it has keys and is not exempt, as in the rotation.
    const tie = "tie" in judged && exempt === null && user.keys.length > 0 ? judged.tie : null;
    const plan =
      user.keys.length > 0 && tie === null
        ? decide(userFacts(user, record, exempt, now), judging, now)
        : NO_KEYS;
    for (const action of plan.actions) upcoming[STEP[action.kind]]++;
    for (const next of plan.upcoming) if (next.on.getTime() <= horizon) upcoming[STEP[next.action]]++;
    const concern = tie ? tieConcern(tie) : concernOf(user, record, plan, exempt, settings, now);
    if (concern) {
      attention.push({
        accountId: inputs.accountId,
        userName: user.userName,
        ...concern,
        ...(oldest === undefined ? {} : { oldestKeyDays: oldest }),
        ...("policy" in judged && judged.policy !== undefined ? { policy: judged.policy } : {}),
      });
    }
    if (record) tallyRotations(record, rotations);
  }
  counts.byAdvice = keysByKind(advice);
  const summary = {
    ...counts,
    accountId: inputs.accountId,
    name: inputs.name,
    upcoming,
    attention,
    ...(inputs.reportFallback === undefined ? {} : { reportFallback: inputs.reportFallback }),
    policy: policyReport(policies.account),
  };
  return {
    summary,
    rotations,
    activeKeysByMonth: inputs.ledger.account?.activeKeysByMonth ?? {},
    incidents: incidentsOf(inputs.accountId, inputs.ledger),
    failingIam3: failingIam3Of(inputs.accountId, inputs.users, inputs.keyIds ?? new Map(), now),
  };
}

/** What the lifecycle decides for a user without keys, without asking it for each of them. */
const NO_KEYS: UserPlan = {
  userName: "",
  status: "no-keys",
  actions: [],
  warnings: [],
  upcoming: [],
  holds: [],
};

const STEP = {
  create: "rotations",
  rotate: "rotations",
  deactivate: "deactivations",
  delete: "deletions",
} as const satisfies Record<string, keyof Upcoming>;

/** The report's keys as the lifecycle takes them, the ledger's creation in flight and undelivered destinations. */
function userFacts(
  user: ReportedUser,
  record: UserRecord | undefined,
  exempt: "group" | "tag" | null,
  now: Date,
) {
  const keys = user.keys.map(
    (k: ReportedKey, i): KeyFacts => ({
      id: `key-${i + 1}`,
      status: k.status,
      createdAt: k.createdAt,
      lastUsedAt: k.lastUsedAt,
    }),
  );
  // The recorded key predates any pending creation (recording clears it): every key since is unrecorded.
  const since = record?.pending ? new Date(record.pending.since) : null;
  const secret =
    since && since.getTime() <= now.getTime() ? { recordedKeyId: null, pendingSince: since } : null;
  return { userName: user.userName, keys, exempt, secret, undelivered: undelivered(record) };
}

/** Destinations that have not confirmed the recorded key, as the ledger has it. */
function undelivered(record: UserRecord | undefined): string[] {
  const d = record?.delivery;
  if (!d || d.keyId !== record?.recorded?.keyId) return [];
  return d.due.filter((id) => d.confirmed[id] === undefined);
}
