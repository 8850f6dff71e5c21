import { describe, expect, it } from "vitest";
import { FakeAccount } from "../../../scripts/lib/fake-account";
import { parseConfig } from "../../../shared/config";
import { addDays } from "../../../shared/lifecycle";
import { type Notice, noticeSchema, parseMessage } from "../../../shared/messages";
import { type Announced, composeNotice } from "../../../shared/notices/compose";
import { renderNotice } from "../../../shared/notices/render";
import {
  type AccountReport,
  type AdviceReport,
  reconcileAccount,
  type UserReport,
} from "../../../shared/rotation";
import { fakeKeyPorts } from "../../support/key-ports";
import { key, NOW } from "../../support/keys";
import { memoryLog } from "../../support/log";
import { accountReport, JOB, userReport } from "./fixtures";

const SETTINGS = { warnBeforeDays: 7, readerPrincipals: [], repeatFailuresAfterDays: 7 };
const NEXT_WEEK = "2026-06-07T06:00:00.000Z";
const OIDC: AdviceReport = {
  kind: "oidc",
  keys: ["AKIAA"],
  summary: "Replace the key with role keyrotor-alice, assumed with OIDC tokens from GitHub Actions",
  why: "The key goes only to CI (GitHub Actions secrets of repository acme/app).",
};
const warning: Partial<UserReport> = {
  keys: [{ id: "AKIAA", status: "Active", createdAt: "2026-03-10T06:00:00.000Z" }],
  upcoming: [{ keyId: "AKIAA", action: "rotate", on: NEXT_WEEK }],
};
const failedDelivery: Partial<UserReport> = {
  deliveries: [
    {
      destination: "GitHub Actions secrets of repository acme/app",
      keyId: "AKIAA",
      outcome: "failed",
      error: { name: "DeliveryError", message: "HTTP 401" },
    },
  ],
};

/** Composes one run after another, each with what the ones before recorded, as the outbox keeps it. */
function runs() {
  let announced: Announced = { users: new Map(), account: {} };
  const compose = (report: AccountReport) => {
    const composed = composeNotice({ ...JOB, asOf: report.now }, report, SETTINGS, announced);
    const users = new Map(announced.users);
    for (const [name, value] of Object.entries({ ...composed.forgets.users, ...composed.announces.users })) {
      users.set(name, value ?? {});
    }
    announced = { users, account: {} };
    return { notice: composed.notice, recorded: users.get("alice") ?? {} };
  };
  return Object.assign(
    (user: UserReport, day = 0) =>
      compose({ ...accountReport([user]), now: addDays(new Date(JOB.asOf), day).toISOString() }),
    { compose },
  );
}

const kinds = (n: { notice: Notice | null }) =>
  n.notice?.users.flatMap((u) => u.events.map((e) => e.kind)) ?? [];

describe("the owner's notice tells how to get rid of a key once, with a line about that key", () => {
  it("tells the advice with the warning of a rotation, then never again for the same keys", () => {
    // Prepare
    const run = runs();
    const user = userReport({ ...warning, advice: [OIDC] });
    // Act
    const first = run(user);
    const again = run(user);
    const nextWeek = run(userReport({ ...user, upcoming: [], status: "blocked", reason: "two keys" }), 7);
    // Assess
    expect(first.notice?.users[0]?.events[1]).toEqual({
      kind: "advice",
      advice: "oidc",
      keys: ["AKIAA"],
      detail: OIDC.summary,
      why: OIDC.why,
    });
    expect(Object.keys(first.recorded)).toContain("advice:oidc:AKIAA");
    expect(again.notice).toBeNull();
    expect(kinds(nextWeek)).toEqual(["blocked"]);
  });

  it("waits for an occasion: not alone, not with a delivery failure, and records nothing meanwhile", () => {
    // Prepare
    const run = runs();
    const quiet = userReport({ advice: [OIDC] });
    // Act
    const alone = run(quiet);
    const failing = run(userReport({ ...failedDelivery, advice: [OIDC] }), 1);
    const warned = run(userReport({ ...warning, advice: [OIDC] }), 2);
    // Assess
    expect(alone.notice).toBeNull();
    expect(kinds(failing)).toEqual(["delivery-failed"]);
    expect(Object.keys(failing.recorded).filter((m) => m.startsWith("advice"))).toEqual([]);
    expect(kinds(warned)).toEqual(["warning", "advice"]);
  });

  it("tells it again, at the next occasion, for other keys or other advice", () => {
    // Prepare
    const run = runs();
    const changed = {
      ...OIDC,
      summary: "Replace the key with role keyrotor-alice (GitHub Actions, GitLab CI/CD)",
    };
    const blocked = { status: "blocked" as const, reason: "two keys" };
    // Act
    run(userReport({ ...warning, advice: [OIDC] }));
    const otherAdvice = run(userReport({ ...blocked, advice: [changed] }), 1);
    const otherKeys = run(userReport({ ...warning, advice: [{ ...changed, keys: ["AKIAB", "AKIAA"] }] }), 2);
    // Assess
    expect(kinds(otherAdvice)).toEqual(["blocked", "advice"]);
    expect(otherKeys.notice?.users[0]?.events.at(-1)).toMatchObject({ keys: ["AKIAB", "AKIAA"] });
    expect(Object.keys(otherKeys.recorded)).toContain("advice:oidc:AKIAA,AKIAB");
  });

  it("is told once across the runs of the rotation: with the warning, not with the rotation a week later", async () => {
    // Prepare: a key 83 days old and never used, in an account keyrotor rotates
    const account = new FakeAccount();
    account.addUser("alice", [key("OLD", 83)]);
    const keys = fakeKeyPorts(account).ports;
    const settings = parseConfig({ mode: "enforce", senderEmail: "k@example.com" });
    const run = runs();
    const reconcile = async (day: number) => {
      const now = addDays(NOW, day);
      account.clock = () => now;
      const ports = { iam: account, secrets: account, ledger: account.ledger, log: memoryLog(), keys };
      const report = await reconcileAccount(ports, settings, {
        accountId: JOB.account.id,
        runId: `r${day}`,
        now,
      });
      return run.compose(report);
    };
    // Act
    const warned = await reconcile(0);
    const nextDay = await reconcile(1);
    const rotated = await reconcile(7);
    // Assess
    expect(kinds(warned)).toEqual(["warning", "advice"]);
    expect(warned.notice?.users[0]?.events[1]).toMatchObject({ advice: "remove", keys: ["OLD"] });
    expect(nextDay.notice).toBeNull();
    expect(kinds(rotated)).toEqual(["created"]);
  });
});

describe("the advice in the email", () => {
  const hostile: AdviceReport = {
    kind: "scoped-role",
    keys: ["AKIAA"],
    summary: 'Replace the key <img src=x onerror="alert(1)"> & more',
    why: "Used with s3\r\nBcc: someone@example.com <b>bold</b>",
  };
  const composed = composeNotice(JOB, accountReport([userReport({ ...warning, advice: [OIDC] })]), SETTINGS);

  it("has its own section with the summary, the why and the command that prints the documents", () => {
    // Act
    const { text, html } = renderNotice(composed.notice ?? noNotice());
    // Assess
    expect(text).toContain(
      `== Getting rid of this key ==\n- alice (key AKIAA): ${OIDC.summary}.\n  Why: ${OIDC.why}\n  Next: Ask your platform team for the role's trust and permissions policies`,
    );
    expect(text).toContain("\n    keyrotor advise --account 111122223333 --user alice\n");
    expect(html).toMatch(
      /<h2 [^>]*>Getting rid of this key<\/h2>\n<div [^>]*>alice \(key AKIAA\): Replace the key/,
    );
    expect(html).toContain(`Why: ${OIDC.why}`);
    expect(html).toMatch(/<code [^>]*>keyrotor advise --account 111122223333 --user alice<\/code>/);
  });

  it("escapes hostile words and names, drops control characters, and quotes the name in the command", () => {
    // Prepare
    const user = userReport({ ...warning, userName: "bob<script>'", advice: [hostile] });
    // Act
    const notice = composeNotice(JOB, accountReport([user]), SETTINGS).notice ?? noNotice();
    const { text, html } = renderNotice(notice);
    // Assess
    expect(html).not.toMatch(/<img|<b>|<script>/);
    expect(html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; more");
    expect(html).toContain("bob&lt;script&gt;&#39;");
    expect(text).toContain("Why: Used with s3 Bcc: someone@example.com <b>bold</b>");
    expect(text).toContain(`keyrotor advise --account 111122223333 --user 'bob<script>'\\'''`);
  });

  it("is a valid notices queue message, and the schema refuses an unknown kind of advice", () => {
    // Prepare
    const notice = composed.notice ?? noNotice();
    const unknown = JSON.parse(JSON.stringify(notice).replace('"advice":"oidc"', '"advice":"delete-all"'));
    // Act
    const parsed = parseMessage(noticeSchema, "notices", JSON.stringify(notice));
    // Assess
    expect(parsed).toEqual(notice);
    expect(noticeSchema.safeParse(unknown).success).toBe(false);
  });
});

function noNotice(): never {
  throw new Error("a notice was expected");
}
