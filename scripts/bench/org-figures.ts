import { allCalls, memberCalls, type Tally } from "./simulated-org";

/** A simulated organization's calls per account per day: apart, together, and as the organization pays them. */
export interface OrgDayFigures {
  readonly usersPerAccount: number;
  /** Member accounts; the management account is swept too and counted in the headline figure. */
  readonly accounts: number;
  readonly days: number;
  /** IAM, Secrets Manager and STS calls (verification included) per member account per day. */
  readonly callsPerAccountPerDay: number;
  /** Ledger (DynamoDB) calls per member account per day: in the management account. */
  readonly ledgerCallsPerAccountPerDay: number;
  /** The two above together. */
  readonly togetherPerAccountPerDay: number;
  /**
   * Every call counted (member accounts, STS, ledger, the management account's own sweep and
   * Organizations), the organization's calls divided by its accounts, management included.
   */
  readonly orgCallsPerAccountPerDay: number;
  /** Member-account calls by operation, per member account per day. */
  readonly callsByOperation: Record<string, number>;
  /** AWS's sample on the same state (`aws-sample.ts`), per member account per day. */
  readonly awsSampleCallsPerAccountPerDay: number;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** The figures of `tally`, counted over `days` runs of `accounts` member accounts (and the management account). */
export function orgDayFigures(
  tally: Tally,
  users: number,
  accounts: number,
  days: number,
  awsSample: number,
): OrgDayFigures {
  const perAccountDay = (n: number) => round1(n / (accounts * days));
  return {
    usersPerAccount: users,
    accounts,
    days,
    callsPerAccountPerDay: perAccountDay(memberCalls(tally)),
    ledgerCallsPerAccountPerDay: perAccountDay(tally.ledger),
    togetherPerAccountPerDay: perAccountDay(memberCalls(tally) + tally.ledger),
    orgCallsPerAccountPerDay: round1(allCalls(tally) / ((accounts + 1) * days)),
    callsByOperation: Object.fromEntries([...tally.member].map(([op, n]) => [op, perAccountDay(n)])),
    awsSampleCallsPerAccountPerDay: perAccountDay(awsSample),
  };
}
