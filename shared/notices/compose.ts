import type { Config } from "../config";
import type { Announcements } from "../ledger/records";
import type { Notice, NoticeUser, RotationJob } from "../messages";
import type { AccountReport, UserReport } from "../rotation/report";
import { isAdviceOccasion } from "./advice-statements";
import { plain } from "./matter";
import { accountStatements, type Statement, statementsFor } from "./statements";

/** Keeps a notice (and what it records) well inside SQS's 256 KiB and DynamoDB's 400 KB, whatever the account's size. */
export const MAX_NOTICE_BYTES = 200_000;

const DAY_MS = 86_400_000;

/** What was already told, as the ledger holds it: per user, and for the account itself. */
export interface Announced {
  readonly users: ReadonlyMap<string, Announcements>;
  readonly account: Announcements;
}

export const NOTHING_ANNOUNCED: Announced = { users: new Map(), account: {} };

/** New announcement records: per user (`null` removes them) and for the account. */
export interface AnnouncementChanges {
  readonly users: Record<string, Announcements | null>;
  readonly account?: Announcements;
}

export interface Composed {
  /** The account's notice for this run, `null` when there is nothing new to say. */
  readonly notice: Notice | null;
  /** What the notice announces: recorded with it, in the same step, so it is never said twice. */
  readonly announces: AnnouncementChanges;
  /** Records that only forget matters that are over (a block lifted, a key gone): no notice needed. */
  readonly forgets: AnnouncementChanges;
}

export type ComposeSettings = Pick<
  Config,
  "warnBeforeDays" | "readerPrincipals" | "repeatFailuresAfterDays"
> &
  Partial<Pick<Config, "exemptTag" | "exemptGroupName">>;

/**
 * The account's notice for this run: each statement the report supports that the ledger has not
 * already recorded as told (or that needs a person and was told longer ago than the quiet period).
 * Users are added until the notice would outgrow `maxBytes`; the rest are counted in `omittedUsers`
 * and, not recorded as told, are told by the next run.
 */
export function composeNotice(
  job: RotationJob,
  report: AccountReport,
  settings: ComposeSettings,
  announced: Announced = NOTHING_ANNOUNCED,
  part = 1,
  maxBytes: number = MAX_NOTICE_BYTES,
): Composed {
  const now = new Date(report.now);
  const judge = judgeOf(now, settings.repeatFailuresAfterDays);
  const users: NoticeUser[] = [];
  const announces: AnnouncementChanges = { users: {} };
  const forgets: AnnouncementChanges = { users: {} };
  let omittedUsers = 0;
  let bytes = 1_000;
  for (const user of report.users) {
    const statements = statementsFor(
      user,
      now,
      settings.warnBeforeDays,
      settings.readerPrincipals,
      settings.exemptTag && settings.exemptGroupName
        ? { tag: settings.exemptTag, group: settings.exemptGroupName }
        : undefined,
    );
    const before = announced.users.get(user.userName) ?? {};
    const keepAll = user.status === "failed" || user.status === "deferred";
    const { news, record } = judge(statements, before, keepAll);
    const changed = JSON.stringify(record) !== JSON.stringify(sorted(before));
    const value = Object.keys(record).length > 0 ? record : null;
    if (news.length === 0) {
      if (changed) forgets.users[user.userName] = value;
      continue;
    }
    const entry = noticeUser(user, news);
    const size = Buffer.byteLength(JSON.stringify(entry)) + Buffer.byteLength(JSON.stringify(record));
    if (bytes + size > maxBytes) {
      omittedUsers++;
      continue;
    }
    bytes += size;
    users.push(entry);
    announces.users[user.userName] = value;
  }
  const account = judge(accountStatements(report), announced.account, false);
  const accountChanged = JSON.stringify(account.record) !== JSON.stringify(sorted(announced.account));
  const told = (matter: string) => account.news.some((s) => s.matter === matter);
  const policy = report.passwordPolicy;
  const passwordPolicy =
    policy?.outcome === "done" || (policy?.outcome === "failed" && told("password-policy"))
      ? {
          outcome: policy.outcome,
          changes: [...policy.changes],
          ...(policy.error ? { error: policy.error.message } : {}),
        }
      : undefined;
  const fallback = report.reportFallback;
  const credentialReport =
    fallback && told("credential-report")
      ? { rows: fallback.rows, detail: plain(fallback.detail) }
      : undefined;
  if (users.length === 0 && omittedUsers === 0 && !passwordPolicy && !credentialReport) {
    return {
      notice: null,
      announces: { users: {} },
      forgets: withAccount(forgets, accountChanged, account.record),
    };
  }
  const notice: Notice = {
    version: 1,
    runId: job.runId,
    mode: report.mode,
    asOf: job.asOf,
    account: job.account,
    users,
    omittedUsers,
    part,
    ...(passwordPolicy ? { passwordPolicy } : {}),
    ...(credentialReport ? { credentialReport } : {}),
  };
  return { notice, announces: withAccount(announces, accountChanged, account.record), forgets };
}

function noticeUser(user: UserReport, news: readonly Statement[]): NoticeUser {
  return { userName: user.userName, events: news.map((s) => s.event), upcoming: [...user.upcoming] };
}

const withAccount = (changes: AnnouncementChanges, changed: boolean, account: Announcements) =>
  changed ? { ...changes, account } : changes;

const sorted = (record: Announcements): Announcements =>
  Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));

/**
 * Decides which statements are news, and the record that follows: each matter told now is recorded
 * at this run's instant; matters no longer stated are forgotten (unless the user could not be read).
 * Riders are news only with an occasion among the other news; one not told keeps its old record.
 */
function judgeOf(now: Date, repeatAfterDays: number) {
  const at = now.toISOString();
  return (statements: readonly Statement[], before: Announcements, keepAll: boolean) => {
    const record: Record<string, Announcements[string]> = keepAll ? { ...before } : {};
    const news: Statement[] = [];
    for (const s of statements) {
      if (s.rider) continue;
      const prev = before[s.matter];
      const fresh = prev === undefined || prev.said !== s.said;
      const due =
        !fresh && s.repeats === true && now.getTime() - Date.parse(prev.at) >= repeatAfterDays * DAY_MS;
      const isNews = !s.silent && (s.always === true || fresh || due);
      if (isNews) news.push(s);
      if (s.always) continue;
      record[s.matter] = isNews || prev === undefined || fresh ? { said: s.said, at } : prev;
    }
    const occasion = news.some((s) => isAdviceOccasion(s.event));
    for (const s of statements) {
      if (!s.rider) continue;
      const prev = before[s.matter];
      if (occasion && (prev === undefined || prev.said !== s.said)) {
        news.push(s);
        record[s.matter] = { said: s.said, at };
      } else if (prev !== undefined) {
        record[s.matter] = prev;
      }
    }
    return { news, record: sorted(record) };
  };
}
