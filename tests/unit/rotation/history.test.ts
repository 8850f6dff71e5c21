import { describe, expect, it } from "vitest";
import { FakeAccount } from "../../../scripts/lib/fake-account";
import { parseConfig } from "../../../shared/config";
import { HISTORY_LENGTH } from "../../../shared/ledger/records";
import { addDays } from "../../../shared/lifecycle";
import { reconcileAccount } from "../../../shared/rotation";
import { key, NOW } from "../../support/keys";
import { memoryLog } from "../../support/log";

const ACCOUNT = "111122223333";
const enforce = parseConfig({ mode: "enforce", senderEmail: "k@example.com" });

describe("the ledger's rotation history", () => {
  it("keeps each recorded key with when its rotation fell due, the earlier ones oldest first and bounded", async () => {
    // Prepare: a key two days overdue, then rotations every 90 days.
    const account = new FakeAccount();
    account.addUser("alice", [key("OLD", 92)]);
    const recorded: string[] = [];
    // Act
    for (let quarter = 0; quarter < HISTORY_LENGTH + 3; quarter++) {
      for (const day of [0, 10, 20].map((d) => quarter * 90 + d)) {
        const now = addDays(NOW, day);
        account.clock = () => now;
        await reconcileAccount(
          { iam: account, secrets: account, ledger: account.ledger, log: memoryLog() },
          enforce,
          { accountId: ACCOUNT, runId: `run-${day}`, now },
        );
      }
      const r = account.ledger.user(ACCOUNT, "alice")?.recorded;
      if (r) recorded.push(r.keyId);
    }
    // Assess
    const record = account.ledger.user(ACCOUNT, "alice");
    expect(record?.recorded?.keyId).toBe(recorded.at(-1));
    expect(record?.history?.map((h) => h.keyId)).toEqual(recorded.slice(-HISTORY_LENGTH - 1, -1));
    const first = addDays(NOW, 0);
    const firstEntry = { ...(account.ledger.user(ACCOUNT, "alice")?.history?.[0] ?? {}) };
    expect(
      firstEntry.dueOn && new Date(firstEntry.dueOn).getTime() <= new Date(firstEntry.at ?? 0).getTime(),
    ).toBe(true);
    expect(new Date(record?.recorded?.dueOn ?? 0).getTime()).toBeGreaterThan(first.getTime());
    // The account's Active keys by month: one entry per month run in, the last HISTORY_LENGTH kept.
    const byMonth = account.ledger.runs.get(ACCOUNT)?.activeKeysByMonth ?? {};
    expect(Object.keys(byMonth)).toHaveLength(HISTORY_LENGTH);
    expect(Object.values(byMonth).at(-1)).toBe(1);
    expect(Object.keys(byMonth).at(-1)).toBe(account.clock().toISOString().slice(0, 7));
  });
});
