import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FakeAccount } from "../../../scripts/lib/fake-account";
import { parseConfig } from "../../../shared/config";
import { CredentialReportError } from "../../../shared/errors";
import { addDays, DAY_MS } from "../../../shared/lifecycle";
import { type AccountReport, reconcileAccount, summarize } from "../../../shared/rotation";
import { key, NOW } from "../../support/keys";
import { memoryLog } from "../../support/log";

const run = { accountId: "111122223333", runId: "run-1", now: NOW };

interface UserSpec {
  keys: { status: "Active" | "Inactive"; ageMs: number; usedMsAgo: number | null }[];
  exempt: "group" | "tag" | null;
  secret: null | { recorded: number | null; pendingMsAgo: number | null };
}

/** Ages near every threshold (where a wrong triage would show), and anywhere else. */
const msArb = (days: number[]) =>
  fc.oneof(
    fc.integer({ min: 0, max: 300 * DAY_MS }),
    fc
      .tuple(fc.constantFrom(...days), fc.integer({ min: -DAY_MS, max: DAY_MS }))
      .map(([d, jitter]) => Math.max(0, d * DAY_MS + jitter)),
  );

const userArb = (days: number[]): fc.Arbitrary<UserSpec> =>
  fc.record({
    keys: fc.array(
      fc.record({
        status: fc.constantFrom("Active" as const, "Inactive" as const),
        ageMs: msArb(days),
        usedMsAgo: fc.option(msArb(days), { nil: null }),
      }),
      { maxLength: 2 },
    ),
    exempt: fc.constantFrom(null, null, null, "group" as const, "tag" as const),
    secret: fc.option(
      fc.record({
        recorded: fc.option(fc.integer({ min: 0, max: 1 }), { nil: null }),
        pendingMsAgo: fc.option(fc.integer({ min: 0, max: 30 * DAY_MS }), { nil: null }),
      }),
      { nil: null },
    ),
  });

const settingsArb = fc.record({
  rotateAfterDays: fc.integer({ min: 20, max: 120 }),
  extraD: fc.integer({ min: 1, max: 30 }),
  extraX: fc.integer({ min: 1, max: 30 }),
  warnBeforeDays: fc.integer({ min: 0, max: 14 }),
  unused: fc.option(fc.integer({ min: 10, max: 120 }), { nil: null }),
});

function build(users: UserSpec[]): FakeAccount {
  const account = new FakeAccount();
  account.clock = () => NOW;
  users.forEach((spec, u) => {
    const keys = spec.keys.map((k, i) => ({
      ...key(`K${u}x${i}`, 0, k.status),
      createdAt: new Date(NOW.getTime() - k.ageMs - i),
    }));
    const name = `user${u}`;
    account.addUser(name, keys, spec.exempt === "tag" ? { "keyrotor:exempt": "true" } : {});
    if (spec.exempt === "group") account.groupMembers.add(name);
    spec.keys.forEach((k, i) => {
      if (k.usedMsAgo !== null)
        account.lastUsed.set(`K${u}x${i}`, new Date(NOW.getTime() - Math.min(k.usedMsAgo, k.ageMs)));
    });
    if (spec.secret) {
      const recorded = spec.secret.recorded === null ? undefined : keys[spec.secret.recorded];
      const pendingMsAgo = spec.secret.pendingMsAgo;
      account.ownSecret(name, {
        ...(recorded ? { recordedKeyId: recorded.id } : {}),
        ...(pendingMsAgo === null ? {} : { pendingSince: new Date(NOW.getTime() - pendingMsAgo) }),
      });
    }
  });
  return account;
}

const decisions = (report: AccountReport, name: string) => {
  const u = report.users.find((x) => x.userName === name);
  return (
    u && {
      status: u.status,
      actions: u.actions,
      warnings: u.warnings,
      upcoming: u.upcoming,
      reason: u.reason,
    }
  );
};

describe("frugal discovery (credential report) against a full per-user scan", () => {
  it("decides exactly the same on random accounts, and skips only users with nothing to say", async () => {
    await fc.assert(
      fc.asyncProperty(
        settingsArb.chain((s) => {
          const r = s.rotateAfterDays;
          const w = Math.min(s.warnBeforeDays, r - 1);
          const days = [r - w, r, r + s.extraD, s.extraD, r + s.extraD + s.extraX, s.extraD + s.extraX];
          if (s.unused !== null) days.push(s.unused - w, s.unused);
          return fc.tuple(fc.constant(s), fc.array(userArb(days), { maxLength: 8 }));
        }),
        async ([s, users]) => {
          const base = parseConfig({
            senderEmail: "k@example.com",
            rotateAfterDays: s.rotateAfterDays,
            deactivateAfterDays: s.rotateAfterDays + s.extraD,
            deleteAfterDays: s.rotateAfterDays + s.extraD + s.extraX,
            warnBeforeDays: Math.min(s.warnBeforeDays, s.rotateAfterDays - 1),
            deactivateUnusedAfterDays: s.unused,
          });
          const fullAccount = build(users);
          const frugalAccount = build(users);
          const reference = await reconcileAccount(
            { iam: fullAccount, secrets: fullAccount, ledger: fullAccount.ledger, log: memoryLog() },
            { ...base, discovery: "full" },
            run,
          );
          const frugal = await reconcileAccount(
            { iam: frugalAccount, secrets: frugalAccount, ledger: frugalAccount.ledger, log: memoryLog() },
            base,
            run,
          );
          expect(frugal.users.length + frugal.unexaminedUsers).toBe(reference.users.length);
          for (const user of reference.users) {
            const examined = decisions(frugal, user.userName);
            if (examined) {
              expect(examined).toEqual(decisions(reference, user.userName));
            } else {
              expect(user.actions).toEqual([]);
              expect(user.warnings).toEqual([]);
              expect(["ok", "no-keys", "inactive", "exempt"]).toContain(user.status);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("never acts on a stale report: the per-user data, read fresh, decides", async () => {
    // Prepare: the report (hours old) still shows alice's old key; she has since been rotated by hand.
    const account = new FakeAccount();
    account.clock = () => NOW;
    account.addUser("alice", [key("NEW", 0)]);
    account.credentialReport = async () => [
      {
        userName: "alice",
        arn: "arn:aws:iam::111122223333:user/alice",
        keys: [{ status: "Active", createdAt: addDays(NOW, -200), lastUsedAt: null }],
      },
    ];
    // Act
    const report = await reconcileAccount(
      { iam: account, secrets: account, ledger: account.ledger, log: memoryLog() },
      parseConfig({ mode: "enforce", senderEmail: "k@example.com" }),
      run,
    );
    // Assess
    expect(report.users.map((u) => u.userName)).toEqual(["alice"]);
    expect(report.users[0]?.actions).toEqual([]);
    expect(account.mutations).toEqual([]);
  });

  it("looks at a user with a creation in flight in the ledger whatever the report shows, so an unrecorded key is healed", async () => {
    const account = new FakeAccount();
    account.clock = () => NOW;
    account.addUser("bob", [key("OLD", 5), key("LOST", 1, "Active", null)]);
    account.ownSecret("bob", { pendingSince: addDays(NOW, -2) });
    const report = await reconcileAccount(
      { iam: account, secrets: account, ledger: account.ledger, log: memoryLog() },
      parseConfig({ mode: "enforce", senderEmail: "k@example.com" }),
      run,
    );
    expect(report.users[0]?.actions).toMatchObject([
      { kind: "delete", keyId: "LOST", detail: "unrecorded", outcome: "done" },
    ]);
  });
});

describe("discovery when the credential report cannot be read", () => {
  const unreadable = () =>
    new CredentialReportError(run.accountId, [
      { line: 4, problem: "user etl: the ARN does not end with /etl" },
    ]);

  it("lists every user through IAM instead, skips none, and says so in the run report and its log line", async () => {
    // Prepare: alice's key is due; bob has nothing due, and the report would have let him be skipped.
    const account = new FakeAccount();
    account.clock = () => NOW;
    account.addUser("alice", [key("OLD", 95)]).addUser("bob", [key("NEW", 5)]);
    account.credentialReport = async () => {
      throw unreadable();
    };
    const log = memoryLog();
    // Act
    const report = await reconcileAccount(
      { iam: account, secrets: account, ledger: account.ledger, log },
      parseConfig({ mode: "enforce", senderEmail: "k@example.com" }),
      run,
    );
    // Assess
    expect(report.users.map((u) => u.userName).sort()).toEqual(["alice", "bob"]);
    expect(report.unexaminedUsers).toBe(0);
    expect(report.users.find((u) => u.userName === "alice")?.actions).toMatchObject([
      { kind: "create", outcome: "done" },
    ]);
    expect(report.reportFallback).toEqual({
      rows: 1,
      detail: "1 row (line 4: user etl: the ARN does not end with /etl)",
    });
    expect(summarize(report)).toMatchObject({ unreadableReportRows: 1 });
    const warned = log.lines.filter((l) => l.includes("credential report unreadable"));
    expect(warned).toHaveLength(1);
    expect(JSON.parse(warned[0] ?? "{}")).toMatchObject({ level: "WARN", accountId: run.accountId, rows: 1 });
  });

  it("counts the Active keys of every user it listed for the month, as a full discovery does", async () => {
    // Prepare
    const account = new FakeAccount();
    account.clock = () => NOW;
    account.addUser("alice", [key("A1", 10), key("A2", 5, "Inactive")]).addUser("bob", [key("B1", 3)]);
    account.credentialReport = async () => {
      throw unreadable();
    };
    // Act
    await reconcileAccount(
      { iam: account, secrets: account, ledger: account.ledger, log: memoryLog() },
      parseConfig({ senderEmail: "k@example.com" }),
      run,
    );
    // Assess
    const recorded = (await account.ledger.loadAccount(run.accountId)).account?.activeKeysByMonth;
    expect(recorded).toEqual({ [NOW.toISOString().slice(0, 7)]: 2 });
  });

  it("still fails the account when the report cannot be fetched at all: only a report it read but could not trust is listed around", async () => {
    // Prepare
    const account = new FakeAccount();
    account.addUser("alice", [key("OLD", 95)]);
    account.failing.add("GetCredentialReport");
    // Act
    const outcome = reconcileAccount(
      { iam: account, secrets: account, ledger: account.ledger, log: memoryLog() },
      parseConfig({ mode: "enforce", senderEmail: "k@example.com" }),
      run,
    );
    // Assess
    await expect(outcome).rejects.toThrow("GetCredentialReport failed");
    expect(account.mutations).toEqual([]);
  });

  it("has no fallback to report when the report was read", async () => {
    // Prepare
    const account = new FakeAccount();
    account.clock = () => NOW;
    account.addUser("alice", [key("OLD", 95)]);
    // Act
    const report = await reconcileAccount(
      { iam: account, secrets: account, ledger: account.ledger, log: memoryLog() },
      parseConfig({ senderEmail: "k@example.com" }),
      run,
    );
    // Assess
    expect(report.reportFallback).toBeUndefined();
    expect(summarize(report)).not.toHaveProperty("unreadableReportRows");
  });
});

describe("full discovery and the keys' last use", () => {
  const full = parseConfig({ senderEmail: "k@example.com", discovery: "full" });
  const managed = () => {
    const account = new FakeAccount();
    account.clock = () => NOW;
    account.addUser("alice", [key("REC", 60)]);
    account.ownSecret("alice", { recordedKeyId: "REC" });
    return account;
  };
  const adviceOf = (report: AccountReport) =>
    report.users.find((u) => u.userName === "alice")?.advice?.map((a) => a.kind);

  it("reads the credential report, so a recorded key nobody used gets the report's advice: remove it", async () => {
    // Prepare
    const account = managed();
    // Act
    const report = await reconcileAccount(
      { iam: account, secrets: account, ledger: account.ledger, log: memoryLog() },
      full,
      run,
    );
    // Assess
    expect(adviceOf(report)).toEqual(["remove"]);
  });

  it("goes on without it when the report cannot be fetched: the advice says it has not seen the use", async () => {
    // Prepare
    const account = managed();
    account.failing.add("GetCredentialReport");
    const log = memoryLog();
    // Act
    const report = await reconcileAccount(
      { iam: account, secrets: account, ledger: account.ledger, log },
      full,
      run,
    );
    // Assess
    expect(adviceOf(report)).toEqual(["roles-anywhere-or-identity-center"]);
    expect(report.users.find((u) => u.userName === "alice")?.status).toBe("ok");
    const warned = log.lines.filter((l) => l.includes("the advice does not know the keys' last use"));
    expect(JSON.parse(warned[0] ?? "{}")).toMatchObject({ level: "WARN", accountId: run.accountId });
  });
});
