import type {
  AccountLedger,
  AccountOutbox,
  AccountRecord,
  Announcements,
  DeliveryRecord,
  IncidentRecord,
  LedgerPort,
  NewOutboxEntry,
  OutboxEntry,
  OutboxPort,
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
export class MemoryLedger implements LedgerPort, OutboxPort {
  readonly users = new Map<string, Map<string, UserRecord>>();
  readonly runs = new Map<string, AccountRecord>();
  readonly writes: string[] = [];
  readonly failing = new Set<string>();
  /** The outbox: notices by account, then id. */
  readonly outbox = new Map<string, Map<string, OutboxEntry>>();
  readonly accountAnnounced = new Map<string, Announcements>();
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
  async recordKey(
    accountId: string,
    userName: string,
    recorded: RecordedKey,
    history?: readonly RecordedKey[],
    secret?: SecretRecord,
  ) {
    this.update("recordKey", accountId, userName, ({ pending: _, ...u }) => ({
      ...u,
      recorded,
      ...(history ? { history } : {}),
      ...(secret ? { secret } : {}),
    }));
  }
  async setDelivery(accountId: string, userName: string, delivery: DeliveryRecord | null) {
    this.update("setDelivery", accountId, userName, ({ delivery: _, ...u }) =>
      delivery ? { ...u, delivery } : u,
    );
  }
  async setRetired(accountId: string, userName: string, retired: Readonly<Record<string, string>>) {
    this.update("setRetired", accountId, userName, (u) => ({ ...u, retired }));
  }
  async clearPending(accountId: string, userName: string, secret?: SecretRecord) {
    this.update("clearPending", accountId, userName, ({ pending: _, ...u }) =>
      secret ? { ...u, secret } : u,
    );
  }
  async setOwner(accountId: string, userName: string, owner: string | null) {
    this.update("setOwner", accountId, userName, ({ owner: _, ...u }) => (owner ? { ...u, owner } : u));
  }
  async setQuiet(accountId: string, userName: string, quiet: QuietPeriod | null) {
    this.update("setQuiet", accountId, userName, ({ quiet: _, ...u }) => (quiet ? { ...u, quiet } : u));
  }
  async setIncidents(accountId: string, userName: string, incidents: readonly IncidentRecord[]) {
    this.update("setIncidents", accountId, userName, (u) => ({ ...u, incidents }));
  }
  async recordRun(accountId: string, run: AccountRecord) {
    this.check("recordRun");
    this.writes.push(`recordRun ${accountId}`);
    this.runs.set(accountId, run);
  }

  async loadOutbox(accountId: string): Promise<AccountOutbox> {
    this.check("loadOutbox");
    this.reads++;
    const entries = [...(this.outbox.get(accountId)?.values() ?? [])];
    return {
      pending: entries.filter((e) => e.state === "pending").sort((a, b) => a.id.localeCompare(b.id)),
      announced: this.accountAnnounced.get(accountId) ?? {},
    };
  }
  async putNotice(accountId: string, entry: NewOutboxEntry) {
    this.check("putNotice");
    this.writes.push(`putNotice ${entry.id}`);
    const notices = this.outbox.get(accountId) ?? new Map<string, OutboxEntry>();
    if (!notices.has(entry.id)) {
      notices.set(entry.id, { ...entry, state: "pending", announced: false, delivered: [] });
    }
    this.outbox.set(accountId, notices);
  }
  async getNotice(accountId: string, id: string) {
    this.check("getNotice");
    return this.outbox.get(accountId)?.get(id) ?? null;
  }
  async markAnnounced(accountId: string, id: string) {
    this.changeNotice("markAnnounced", accountId, id, (e) => ({ ...e, announced: true }));
  }
  async markDelivered(accountId: string, id: string, email: string) {
    this.changeNotice("markDelivered", accountId, id, (e) => ({ ...e, delivered: [...e.delivered, email] }));
  }
  async markSent(accountId: string, id: string, sentAt: string) {
    this.changeNotice("markSent", accountId, id, (e) => ({ ...e, state: "sent", sentAt }));
  }
  async setAnnounced(accountId: string, userName: string, announced: Announcements | null) {
    this.update("setAnnounced", accountId, userName, (u) => {
      const { announced: _, ...rest } = u as UserRecord & { announced?: Announcements };
      return announced ? { ...rest, announced } : rest;
    });
  }
  async setAccountAnnounced(accountId: string, announced: Announcements) {
    this.check("setAccountAnnounced");
    this.writes.push("setAccountAnnounced");
    this.accountAnnounced.set(accountId, announced);
  }

  /** The user's record, for assertions. */
  user(accountId: string, userName: string): UserRecord | undefined {
    return this.users.get(accountId)?.get(userName);
  }

  private changeNotice(
    operation: string,
    accountId: string,
    id: string,
    change: (e: OutboxEntry) => OutboxEntry,
  ) {
    this.check(operation);
    this.writes.push(`${operation} ${id}`);
    const entry = this.outbox.get(accountId)?.get(id);
    if (entry) this.outbox.get(accountId)?.set(id, change(entry));
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
