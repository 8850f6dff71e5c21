import type {
  AccountLedger,
  AccountRecord,
  LedgerPort,
  PendingCreation,
  QuietPeriod,
  RecordedKey,
  SecretRecord,
  UserRecord,
} from "./records";

/**
 * The ledger in memory, for tests and the bench's simulated organizations: the same contract as the
 * DynamoDB adapter, with every write counted and any operation able to fail on demand.
 */
export class MemoryLedger implements LedgerPort {
  readonly users = new Map<string, Map<string, UserRecord>>();
  readonly runs = new Map<string, AccountRecord>();
  readonly writes: string[] = [];
  readonly failing = new Set<string>();
  reads = 0;

  async loadAccount(accountId: string): Promise<AccountLedger> {
    this.check("Query");
    this.reads++;
    return { users: new Map(this.users.get(accountId)), account: this.runs.get(accountId) ?? null };
  }
  async putSecret(accountId: string, userName: string, secret: SecretRecord) {
    this.update("putSecret", accountId, userName, (u) => ({ ...u, secret }));
  }
  async markPending(accountId: string, userName: string, pending: PendingCreation) {
    this.update("markPending", accountId, userName, (u) => ({ ...u, pending }));
  }
  async recordKey(accountId: string, userName: string, recorded: RecordedKey) {
    this.update("recordKey", accountId, userName, ({ pending: _, ...u }) => ({ ...u, recorded }));
  }
  async clearPending(accountId: string, userName: string) {
    this.update("clearPending", accountId, userName, ({ pending: _, ...u }) => u);
  }
  async setOwner(accountId: string, userName: string, owner: string | null) {
    this.update("setOwner", accountId, userName, ({ owner: _, ...u }) => (owner ? { ...u, owner } : u));
  }
  async setQuiet(accountId: string, userName: string, quiet: QuietPeriod | null) {
    this.update("setQuiet", accountId, userName, ({ quiet: _, ...u }) => (quiet ? { ...u, quiet } : u));
  }
  async recordRun(accountId: string, run: AccountRecord) {
    this.check("recordRun");
    this.writes.push(`recordRun ${accountId}`);
    this.runs.set(accountId, run);
  }

  /** The user's record, for assertions. */
  user(accountId: string, userName: string): UserRecord | undefined {
    return this.users.get(accountId)?.get(userName);
  }

  private check(operation: string) {
    if (this.failing.has(operation)) throw new Error(`ledger ${operation} failed (injected)`);
  }

  private update(
    operation: string,
    accountId: string,
    userName: string,
    change: (u: UserRecord) => UserRecord,
  ) {
    this.check(operation);
    this.writes.push(`${operation} ${userName}`);
    const account = this.users.get(accountId) ?? new Map<string, UserRecord>();
    account.set(userName, change(account.get(userName) ?? { userName }));
    this.users.set(accountId, account);
  }
}
