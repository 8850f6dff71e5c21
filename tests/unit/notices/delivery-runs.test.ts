import { describe, expect, it } from "vitest";
import { FakeAccount } from "../../../scripts/lib/fake-account";
import { addDays } from "../../../shared/lifecycle";
import { noticeSchema } from "../../../shared/messages";
import { type Announced, composeNotice } from "../../../shared/notices/compose";
import { renderNotice } from "../../../shared/notices/render";
import { reconcileAccount } from "../../../shared/rotation";
import { deliverySettings, fakeKeyPorts, GITHUB_LABEL, SSM_LABEL } from "../../support/key-ports";
import { key, NOW } from "../../support/keys";
import { memoryLog } from "../../support/log";
import { JOB } from "./fixtures";

const ACCOUNT = JOB.account.id;
const GITHUB = GITHUB_LABEL;
const SSM = SSM_LABEL;
const settings = deliverySettings(ACCOUNT);

/**
 * The rotation use case and the notices one run after the other, the ledger's announcements carried
 * from each notice to the next run as the outbox records them.
 */
function runs() {
  const account = new FakeAccount();
  const keys = fakeKeyPorts(account);
  const log = memoryLog();
  account.addUser("alice", [key("OLD", 90)]);
  let announced: Announced = { users: new Map(), account: {} };
  const run = async (day: number) => {
    const now = addDays(NOW, day);
    account.clock = () => now;
    const report = await reconcileAccount(
      { iam: account, secrets: account, ledger: account.ledger, log, keys: keys.ports },
      settings,
      { accountId: ACCOUNT, runId: `run-${day}`, now },
    );
    const composed = composeNotice({ ...JOB, asOf: now.toISOString() }, report, settings, announced);
    const users = new Map(announced.users);
    for (const [name, value] of Object.entries({ ...composed.forgets.users, ...composed.announces.users })) {
      users.set(name, value ?? {});
    }
    announced = { users, account: {} };
    return composed.notice;
  };
  return { run, keys, log };
}

describe("notices across runs of the rotation with destinations", () => {
  it("tells the new key and where it went, the failure once a week, then its delivery and the old key's retirement", async () => {
    // Prepare: GitHub refuses the token when the key is made.
    const { run, keys, log } = runs();
    keys.fail(GITHUB);
    // Act
    const day0 = await run(0);
    const day1 = await run(1);
    const day7 = await run(7);
    keys.recover(GITHUB);
    const day11 = await run(11);
    // Assess
    const newKey = day0?.users[0]?.events.find((e) => e.kind === "created")?.keyId;
    expect(day0?.users[0]?.events.map((e) => [e.kind, e.destinations ?? e.destination ?? e.advice])).toEqual([
      ["created", [SSM]],
      ["delivery-failed", GITHUB],
      // The fake account's old key was never used: the advice, told with the rotation, is to remove it.
      ["advice", "remove"],
    ]);
    expect(day1).toBeNull();
    expect(day7?.users[0]?.events).toEqual([
      expect.objectContaining({ kind: "delivery-failed", keyId: newKey, attempts: 3, replaces: "OLD" }),
    ]);
    expect(day11?.users[0]?.events.map((e) => [e.kind, e.keyId])).toEqual([
      ["deactivated", "OLD"],
      ["delivered", newKey],
    ]);
    for (const notice of [day0, day7, day11]) {
      if (!notice) throw new Error("a notice was expected");
      expect(noticeSchema.safeParse(notice).success).toBe(true);
      const { text, html } = renderNotice(notice);
      for (const words of [JSON.stringify(notice), text, html]) expect(words).not.toMatch(/fake-secret-/);
    }
    expect(JSON.stringify(log.lines)).not.toMatch(/fake-secret-/);
  });
});
