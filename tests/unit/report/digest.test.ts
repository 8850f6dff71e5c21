import { describe, expect, it } from "vitest";
import {
  consoleUrlOf,
  HANDLED_PERIOD_DAYS,
  LISTED_ACCOUNTS,
  LISTED_USERS,
  renderDigest,
  reportKey,
  type StoredReport,
} from "../../../shared/report/digest";
import type { AccountSummary, Attention, Incident, KeyCounts, OrgReport } from "../../../shared/report/types";

const STORED: StoredReport = {
  partition: "aws",
  region: "eu-west-1",
  bucket: "keyrotor-prod-reportbucket-abc123",
  key: "reports/2026-11-30T07-00-00Z.html",
  retentionDays: 90,
};

const counts = (over: Partial<KeyCounts> = {}): KeyCounts => ({
  users: 40,
  usersWithKeys: 30,
  keys: 36,
  activeKeys: 32,
  byAge: { "<80": 20, "80-90": 4, "90-100": 3, "100-110": 2, ">=110": 3 },
  byUse: { never: 2, "<45": 26, "45-90": 2, ">=90": 2 },
  rotationCompliant: 24,
  usageCompliant: 26,
  ...over,
  // With the default 90 days, IAM.3 and the policy count the same keys.
  iam3Compliant: over.iam3Compliant ?? over.rotationCompliant ?? 24,
});

const account = (accountId: string, name: string, over: Partial<AccountSummary> = {}): AccountSummary => ({
  accountId,
  name,
  ...counts(),
  upcoming: { rotations: 0, deactivations: 0, deletions: 0 },
  attention: [],
  ...over,
});

const blocked: Attention = {
  accountId: "111122223333",
  userName: "deploy-bot",
  kind: "blocked",
  reason: "a secret keyrotor did not create holds its name",
  oldestKeyDays: 123,
};
const exempt: Attention = {
  accountId: "111122223333",
  userName: "break-glass",
  kind: "exempt",
  reason: "in the exempt group",
};

/** A small organization's report: two accounts, one unreadable, one blocked user, one exempt. */
function report(over: Partial<OrgReport> = {}): OrgReport {
  return {
    generatedAt: "2026-11-30T07:00:00.000Z",
    thresholds: { rotateAfterDays: 90, deactivateAfterDays: 100, deleteAfterDays: 110, unusedAfterDays: 45 },
    totals: { ...counts(), accounts: 2, unreadableAccounts: 1 },
    upcoming: { rotations: 5, deactivations: 2, deletions: 1 },
    accounts: [
      account("111122223333", "Prod", { attention: [blocked, exempt] }),
      account("444455556666", "Broken", {
        ...counts({ users: 0, keys: 0, activeKeys: 0 }),
        error: "STS AssumeRole failed (AccessDenied)",
      }),
    ],
    attention: [blocked, exempt],
    history: [
      { month: "2026-10", rotations: 7, medianDaysLate: 3 },
      { month: "2026-11", rotations: 12, medianDaysLate: 1 },
    ],
    ...over,
  };
}

describe("reportKey", () => {
  it("names one object per run under reports/, by the report's instant, without colons", () => {
    expect(reportKey("2026-11-30T07:00:00.000Z")).toBe("reports/2026-11-30T07-00-00Z.html");
  });
});

describe("consoleUrlOf", () => {
  it("links the object's page in the S3 console of its region, key and bucket encoded", () => {
    // Act
    const url = consoleUrlOf({ ...STORED, key: "reports/a b&c.html" });

    // Assess
    expect(url).toBe(
      "https://s3.console.aws.amazon.com/s3/object/keyrotor-prod-reportbucket-abc123?region=eu-west-1&bucketType=general&prefix=reports%2Fa%20b%26c.html",
    );
  });

  it("uses the partition's own console, and none where there is no public one", () => {
    expect(consoleUrlOf({ ...STORED, partition: "aws-us-gov" })).toMatch(
      /^https:\/\/console\.amazonaws-us-gov\.com\/s3\/object\//,
    );
    expect(consoleUrlOf({ ...STORED, partition: "aws-cn" })).toMatch(
      /^https:\/\/console\.amazonaws\.cn\/s3\/object\//,
    );
    expect(consoleUrlOf({ ...STORED, partition: "aws-iso" })).toBeNull();
  });
});

describe("renderDigest", () => {
  it("says in the subject where the organization stands and how many need a person", () => {
    // Act
    const { subject } = renderDigest(report(), STORED);

    // Assess: 24 of 32 active keys within 90 days, the blocked user (not the exempt one)
    expect(subject).toBe(
      "[keyrotor] Weekly report 2026-11-30: 75% of keys within 90 days, 1 needs a person, 1 account unreadable",
    );
  });

  it("summarizes the counts, the compliance shares, the next 14 days and the last month's rotations", () => {
    // Act
    const { text, html } = renderDigest(report(), STORED);

    // Assess
    for (const body of [text, html]) {
      expect(body).toContain("2 accounts, 40 users, 32 active keys (36 keys in all).");
      expect(body).toContain(
        "75% of active keys are under 90 days old (IAM.3); 81% were used in the last 45 days.",
      );
      expect(body).toContain("≥110 days: 3");
      expect(body).toContain("Next 14 days: 5 rotations, 2 deactivations, 1 deletion.");
      expect(body).toContain("Rotated in 2026-11: 12 keys, a median 1 day after falling due.");
    }
    expect(text).toContain(
      "By age: <80 days: 20, 80-90 days: 4, 90-100 days: 3, 100-110 days: 2, ≥110 days: 3.",
    );
    expect(html).toContain("By age: &lt;80 days: 20,");
  });

  it("rounds a share to the nearest whole percent as the HTML report does: 5 of 9 is 56%", () => {
    // Prepare
    const nine = report({
      totals: {
        ...counts({ activeKeys: 9, rotationCompliant: 5, usageCompliant: 4 }),
        accounts: 2,
        unreadableAccounts: 0,
      },
    });

    // Act
    const { subject, text } = renderDigest(nine, STORED);

    // Assess
    expect(subject).toContain("56% of keys within 90 days");
    expect(text).toContain("56% of active keys are under 90 days old (IAM.3); 44% were used");
  });

  it("says how many of the organization's accounts it covers and names those out of scope, with why", () => {
    // Prepare
    const scoped = report({
      outOfScope: [{ accountId: "777788889999", name: "Sandbox\nBox", reason: "excluded by account id" }],
    });

    // Act
    const { text, html } = renderDigest(scoped, STORED);

    // Assess
    expect(text).toContain("2 accounts in scope of the organization's 3, 40 users");
    expect(text).toContain(
      "== Accounts out of scope ==\n- Sandbox Box (777788889999): excluded by account id",
    );
    expect(html).toContain("<li>Sandbox Box (777788889999): excluded by account id</li>");
  });

  it("counts the keys that fail IAM.3 and sends the reader to the full report for their names", () => {
    // Prepare
    const key = {
      accountId: "111122223333",
      userName: "app",
      keyId: "AKIA1",
      ageDays: 120,
      lastUsedAt: null,
    };
    const failing = report({ failingIam3: [key, { ...key, keyId: "AKIA2", ageDays: 95 }] });

    // Act
    const { text } = renderDigest(failing, STORED);

    // Assess
    expect(text).toContain("2 active keys fail IAM.3 (90 days old or more): the full report names each.");
    expect(renderDigest(report({ failingIam3: [] }), STORED).text).not.toContain("fail IAM.3");
  });

  it("never rounds a share up to 100%: one key out of line still shows", () => {
    const nearly = report({
      totals: { ...counts({ activeKeys: 1000, rotationCompliant: 999 }), accounts: 2, unreadableAccounts: 0 },
    });
    expect(renderDigest(nearly, STORED).subject).toContain("99% of keys within 90 days");
  });

  it("lists who needs a person with account name and id, kind, key age and reason; young exempt users only counted", () => {
    // Act
    const { text, html } = renderDigest(report(), STORED);

    // Assess
    expect(text).toContain(
      "- Prod (111122223333) deploy-bot: blocked, oldest key 123 days: a secret keyrotor did not create holds its name",
    );
    expect(html).toContain("<td style=");
    expect(html).toContain(">deploy-bot</td>");
    expect(text).not.toContain("break-glass");
    expect(text).toContain("1 user is exempt with keys under 90 days: listed in the full report.");
    expect(text).toContain("- Broken (444455556666): STS AssumeRole failed (AccessDenied)");
  });

  it("lists at most LISTED_USERS users and LISTED_ACCOUNTS unreadable accounts, and counts the rest", () => {
    // Prepare
    const many = Array.from({ length: LISTED_USERS + 7 }, (_, i) => ({ ...blocked, userName: `user-${i}` }));
    const broken = Array.from({ length: LISTED_ACCOUNTS + 3 }, (_, i) =>
      account(String(100000000000 + i), `Broken ${i}`, { error: "AccessDenied" }),
    );

    // Act
    const { subject, text } = renderDigest(report({ attention: many, accounts: broken }), STORED);

    // Assess
    expect(subject).toContain(`${LISTED_USERS + 7} need a person`);
    expect(text).toContain(`user-${LISTED_USERS - 1}:`);
    expect(text).not.toContain(`user-${LISTED_USERS}:`);
    expect(text).toContain("And 7 more users: see the full report.");
    expect(text).toContain(`Broken ${LISTED_ACCOUNTS - 1} (`);
    expect(text).not.toContain(`Broken ${LISTED_ACCOUNTS} (`);
    expect(text).toContain("And 3 more accounts.");
  });

  it("names the accounts whose users were listed through IAM because their credential report could not be read", () => {
    // Prepare
    const listed = account("777788889999", "Odd", { reportFallback: "1 row (line 3: user a: why)" });
    // Act
    const { text, html } = renderDigest(report({ accounts: [listed, ...report().accounts] }), STORED);
    // Assess
    expect(text).toContain(
      "== Credential reports keyrotor could not read ==\n" +
        "- Odd (777788889999): 1 row (line 3: user a: why); every user listed through IAM instead",
    );
    expect(html).toContain("Credential reports keyrotor could not read");
    expect(renderDigest(report(), STORED).text).not.toContain("Credential reports keyrotor could not read");
  });

  it("links the stored report through the console, with the S3 URI to download it and how long it is kept", () => {
    // Act
    const { text, html } = renderDigest(report(), STORED);

    // Assess
    const url = consoleUrlOf(STORED) ?? "";
    expect(text).toContain(`Open in the S3 console: ${url}`);
    expect(html).toContain(`href="${url.replaceAll("&", "&amp;")}"`);
    expect(text).toContain(`aws s3 cp s3://${STORED.bucket}/${STORED.key} .`);
    expect(text).toContain("The report is kept for 90 days.");
    // No presigned link: nothing in the email grants access by itself.
    expect(`${text}${html}`).not.toMatch(/X-Amz-(Signature|Credential|Security-Token)/i);
  });

  it("escapes names and reasons in the HTML and keeps each on one bounded line", () => {
    // Prepare
    const hostile: Attention = {
      ...blocked,
      userName: "<script>alert(1)</script>",
      reason: `line one\nline two ${"x".repeat(400)}`,
    };

    // Act
    const { text, html } = renderDigest(report({ attention: [hostile] }), STORED);

    // Assess
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;");
    const line = text.split("\n").find((l) => l.includes("line one")) ?? "";
    expect(line).toContain("line one line two");
    expect(line.length).toBeLessThan(400);
  });

  it("says so when nobody needs a person and there are no keys", () => {
    // Act
    const empty = report({
      totals: {
        ...counts({ keys: 0, activeKeys: 0, rotationCompliant: 0, usageCompliant: 0 }),
        accounts: 1,
        unreadableAccounts: 0,
      },
      accounts: [account("111122223333", "Prod")],
      attention: [],
      history: [],
    });
    const { subject, text } = renderDigest(empty, STORED);

    // Assess
    expect(subject).toBe("[keyrotor] Weekly report 2026-11-30: no active keys, 0 need a person");
    expect(text).toContain("== Needs a person ==\nNobody.");
    expect(text).not.toContain("IAM.3");
    expect(text).not.toContain("Rotated in");
  });
});

describe("renderDigest: incidents", () => {
  const openOne: Incident = {
    accountId: "111122223333",
    userName: "ci-deploy",
    keyId: "AKIAEXPOSED000000009",
    state: "open",
    trigger: "health",
    source: "arn:aws:health:global::event/IAM/AWS_RISK_CREDENTIALS_EXPOSED/E9",
    response: "revoke",
    openedAt: "2026-11-30T05:10:00.000Z",
  };
  const handledOn = (keyId: string, handledAt: string): Incident => ({
    ...openOne,
    keyId,
    state: "handled",
    trigger: "cli",
    source: "cli-run",
    reason: "pasted in a ticket",
    openedAt: handledAt,
    replacedBy: "AKIANEW0000000000001",
    revokedAt: handledAt,
    handledAt,
  });
  const incidents = [
    openOne,
    handledOn("AKIAHANDLED000000001", "2026-11-29T10:00:00.000Z"),
    handledOn("AKIAHANDLED000000002", "2026-11-24T07:00:01.000Z"),
    handledOn("AKIAHANDLED000000003", "2026-11-22T07:00:00.000Z"),
  ];

  it("leads the subject with the open incidents", () => {
    // Act
    const { subject } = renderDigest(report({ incidents }), STORED);

    // Assess
    expect(subject).toBe(
      "[keyrotor] Weekly report 2026-11-30: 1 open incident, 75% of keys within 90 days, 1 needs a person, 1 account unreadable",
    );
  });

  it("names the open incidents first, as needing a person now, and what is left for a person", () => {
    // Act
    const { text, html } = renderDigest(report({ incidents }), STORED);

    // Assess
    const body = text.split("\n");
    expect(body[2]).toBe("== Needs a person now: open incidents ==");
    expect(body[3]).toBe(
      "- Prod (111122223333) ci-deploy: access key AKIAEXPOSED000000009 reported exposed by AWS Health on 2026-11-30 05:10 UTC, not replaced yet",
    );
    expect(text.indexOf("Needs a person now")).toBeLessThan(text.indexOf("2 accounts, 40 users"));
    expect(text).toContain("CloudTrail");
    expect(text).toContain("AWSCompromisedKeyQuarantine");
    expect(html).toContain("Needs a person now: open incidents");
    expect(html).toContain(">ci-deploy</td>");
  });

  it(`counts the incidents handled in the last ${HANDLED_PERIOD_DAYS} days`, () => {
    // Act
    const { text } = renderDigest(report({ incidents }), STORED);

    // Assess
    expect(HANDLED_PERIOD_DAYS).toBe(7);
    expect(text).toContain(
      "2 incidents handled in the last 7 days: exposed keys replaced and revoked as asked.",
    );
  });

  it("with none open, counts the handled ones under their own title and leaves the subject as it was", () => {
    // Act
    const { subject, text } = renderDigest(report({ incidents: incidents.slice(1) }), STORED);

    // Assess
    expect(subject).not.toContain("incident");
    expect(text).toContain("== Incidents ==\n2 incidents handled in the last 7 days");
    expect(text).not.toContain("Needs a person now");
  });

  it("says nothing of incidents when none is open or was handled in the period", () => {
    // Act
    const { text } = renderDigest(report({ incidents: incidents.slice(3) }), STORED);

    // Assess
    expect(text).not.toContain("ncident");
  });

  it("escapes the names and keeps each open incident on one bounded line", () => {
    // Prepare
    const hostile = { ...openOne, userName: "<b>x</b>", replacedBy: "AKIANEW0000000000001" };

    // Act
    const { text, html } = renderDigest(report({ incidents: [hostile] }), STORED);

    // Assess
    expect(html).not.toContain("<b>x</b>");
    expect(html).toContain("&lt;b&gt;x&lt;/b&gt;");
    expect(text).toContain("replaced by AKIANEW0000000000001, not revoked yet");
  });

  it("names the configuration the report was made under in its footer, when known", () => {
    // Prepare
    const digest = `sha256:${"cd".repeat(32)}`;
    // Act
    const under = renderDigest({ ...report(), configDigest: digest }, STORED);
    const unknown = renderDigest(report(), STORED);
    // Assess
    for (const body of [under.text, under.html]) {
      expect(body).toContain(
        `Made under configuration ${digest} (keyrotor config validate prints it for a file).`,
      );
    }
    expect(unknown.text).not.toContain("Made under configuration");
  });
});
