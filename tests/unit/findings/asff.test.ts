import { describe, expect, it } from "vitest";
import { type FindingProduct, findingsOf, problemsOf, sanitize } from "../../../shared/findings/asff";
import type { AccountReport, UserReport } from "../../../shared/rotation/report";

const NOW = "2026-06-01T06:00:00.000Z";
const MEMBER = "111122223333";
const PRODUCT: FindingProduct = {
  productArn: "arn:aws:securityhub:eu-west-1:999988887777:product/999988887777/default",
  accountId: "999988887777",
  partition: "aws",
  region: "eu-west-1",
};
const OLD_KEY = { id: "AKIAOLD", status: "Active", createdAt: "2026-02-01T06:00:00.000Z" };
const NEW_KEY = { id: "AKIANEW", status: "Active", createdAt: "2026-05-20T06:00:00.000Z" };

function user(extra: Partial<UserReport> = {}): UserReport {
  return {
    userName: "app",
    status: "ok",
    keys: [],
    actions: [],
    warnings: [],
    upcoming: [],
    secretName: "keyrotor/app",
    findings: [],
    ...extra,
  };
}

function report(users: UserReport[]): AccountReport {
  return {
    accountId: MEMBER,
    runId: "run-42",
    mode: "enforce",
    now: NOW,
    previousRunAt: "2026-05-31T06:00:00.000Z",
    users,
    unexaminedUsers: 0,
    failedUsers: 0,
    deferredUsers: 0,
  };
}

const blocked = user({
  status: "blocked",
  reason: "rotation of AKIANEW is due but the user already has two keys and neither may be deleted yet",
  blockedSince: "2026-05-02T06:00:00.000Z",
  keys: [OLD_KEY, NEW_KEY],
});

describe("findingsOf: one ASFF finding per user and problem", () => {
  it.each([
    ["blocked", blocked, "HIGH", "IAM.3"],
    [
      "held",
      user({ status: "held", reason: "key AKIANEW was created by keyrotor but never recorded" }),
      "HIGH",
      "IAM.3",
    ],
    [
      "failing",
      user({
        status: "failed",
        error: { name: "AwsCallError", message: "IAM ListAccessKeys failed (Throttling)" },
      }),
      "MEDIUM",
      "IAM.3",
    ],
    [
      "in-use",
      user({
        keys: [OLD_KEY, NEW_KEY],
        holds: [
          {
            keyId: "AKIAOLD",
            reason: "in-use",
            dueOn: "2026-05-12T06:00:00.000Z",
            until: "2026-05-22T06:00:00.000Z",
          },
        ],
      }),
      "MEDIUM",
      "IAM.3",
    ],
    [
      "undelivered",
      user({
        keys: [OLD_KEY, NEW_KEY],
        holds: [
          {
            keyId: "AKIAOLD",
            reason: "undelivered",
            dueOn: "2026-05-12T06:00:00.000Z",
            destinations: ["github-ci"],
          },
        ],
      }),
      "MEDIUM",
      "IAM.3",
    ],
    [
      "reactivated",
      user({
        keys: [OLD_KEY, NEW_KEY],
        holds: [{ keyId: "AKIAOLD", reason: "reactivated", dueOn: "2026-05-12T06:00:00.000Z" }],
      }),
      "MEDIUM",
      "IAM.3",
    ],
  ] as const)("%s: its generator, severity, control and resource", (problem, u, label, control) => {
    // Act
    const [finding, ...rest] = findingsOf(report([u]), PRODUCT);

    // Assess
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({
      SchemaVersion: "2018-10-08",
      Id: `keyrotor/${MEMBER}/app/${problem}`,
      ProductArn: PRODUCT.productArn,
      GeneratorId: `keyrotor/${problem}`,
      AwsAccountId: PRODUCT.accountId,
      Severity: { Label: label },
      CreatedAt: NOW,
      UpdatedAt: NOW,
      FirstObservedAt: NOW,
      Workflow: { Status: "NEW" },
      RecordState: "ACTIVE",
      Compliance: { Status: "FAILED", SecurityControlId: control },
      Resources: [
        {
          Type: "AwsIamUser",
          Id: `arn:aws:iam::${MEMBER}:user/app`,
          Details: { AwsIamUser: { UserName: "app" } },
        },
      ],
      ProductFields: {
        "keyrotor/AccountId": MEMBER,
        "keyrotor/UserName": "app",
        "keyrotor/Problem": problem,
        "keyrotor/RunId": "run-42",
      },
    });
    expect(finding?.Title).toContain(`IAM user app in account ${MEMBER}`);
  });

  it("names the CIS requirements of IAM.3 in v1.4.0, v3.0.0 and v5.0.0, and the key's age", () => {
    // Act
    const [finding] = findingsOf(report([blocked]), PRODUCT);

    // Assess
    expect(finding?.Compliance?.RelatedRequirements).toEqual([
      "CIS AWS Foundations Benchmark v1.4.0/1.14",
      "CIS AWS Foundations Benchmark v3.0.0/1.14",
      "CIS AWS Foundations Benchmark v5.0.0/1.13",
    ]);
    expect(finding?.ProductFields).toMatchObject({
      "keyrotor/KeyId": "AKIAOLD",
      "keyrotor/KeyAgeDays": "120",
    });
    expect(finding?.Description).toBe(`${blocked.reason} (due since 2026-05-02)`);
  });

  it("a failed retirement of an unused key is IAM.22's matter (CIS 1.12, 1.11 in v5.0.0)", () => {
    // Prepare
    const failed = user({
      keys: [OLD_KEY],
      actions: [
        {
          kind: "deactivate",
          keyId: "AKIAOLD",
          detail: "unused since 2026-03-01",
          dueOn: NOW,
          outcome: "failed",
          error: { name: "AwsCallError", message: "denied" },
        },
      ],
    });

    // Act
    const [finding] = findingsOf(report([failed]), PRODUCT);

    // Assess
    expect(finding?.GeneratorId).toBe("keyrotor/failing");
    expect(finding?.Compliance?.SecurityControlId).toBe("IAM.22");
    expect(finding?.Compliance?.RelatedRequirements).toContain("CIS AWS Foundations Benchmark v5.0.0/1.11");
    expect(finding?.Description).toBe("deactivate AKIAOLD failed: denied");
  });

  it("a failing delivery is failing, with its fix, next to the hold it causes", () => {
    // Prepare
    const u = user({
      keys: [OLD_KEY, NEW_KEY],
      deliveries: [
        {
          destination: "github-ci",
          keyId: "AKIANEW",
          outcome: "failed",
          error: { name: "DeliveryError", message: "401 Bad credentials" },
          fix: "renew the token",
        },
      ],
      holds: [
        {
          keyId: "AKIAOLD",
          reason: "undelivered",
          dueOn: "2026-05-12T06:00:00.000Z",
          destinations: ["github-ci"],
        },
      ],
    });

    // Act
    const found = findingsOf(report([u]), PRODUCT);

    // Assess
    expect(found.map((f) => f.GeneratorId)).toEqual(["keyrotor/failing", "keyrotor/undelivered"]);
    expect(found[0]?.Description).toBe(
      "delivery to github-ci failed: 401 Bad credentials; fix: renew the token",
    );
    expect(found[1]?.Description).toBe("deactivation of AKIAOLD due since 2026-05-12, waiting for github-ci");
  });

  it("gives no finding for a user keyrotor has in hand: ok, due, exempt, inactive, no keys, deferred", () => {
    // Prepare
    const fine = (["ok", "due", "exempt", "inactive", "no-keys", "deferred"] as const).map((status, i) =>
      user({
        userName: `u${i}`,
        status,
        keys: [OLD_KEY],
        ...(status === "exempt" ? { reason: "exempt by tag" } : {}),
      }),
    );

    // Act
    const found = findingsOf(report(fine), PRODUCT);

    // Assess
    expect(found).toEqual([]);
  });

  it("keeps each finding's Id across runs: one per account, user and problem", () => {
    // Prepare
    const later = { ...report([blocked]), now: "2026-06-08T06:00:00.000Z", runId: "run-43" };

    // Act
    const first = findingsOf(report([blocked]), PRODUCT).map((f) => f.Id);
    const second = findingsOf(later, PRODUCT).map((f) => f.Id);
    const other = findingsOf({ ...later, accountId: "444455556666" }, PRODUCT).map((f) => f.Id);

    // Assess
    expect(second).toEqual(first);
    expect(other).toEqual(["keyrotor/444455556666/app/blocked"]);
  });
});

describe("descriptions: one line, bounded, no secret", () => {
  it("turns control and bidi characters into spaces and bounds the text at 1024 characters", () => {
    // Prepare
    const noisy = user({ status: "held", reason: `line one\nline\u0000two\u202e\t${"x".repeat(2000)}` });

    // Act
    const [finding] = findingsOf(report([noisy]), PRODUCT);

    // Assess
    expect(finding?.Description).toHaveLength(1024);
    expect(finding?.Description.startsWith("line one line two x")).toBe(true);
    expect(finding?.Description.endsWith("…")).toBe(true);
    expect(finding?.Description).not.toMatch(/[\p{Cc}\u202e]/u);
  });

  it("masks anything shaped like a secret access key in words from outside", () => {
    // Prepare
    const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const leaky = user({
      status: "failed",
      error: { name: "DeliveryError", message: `rejected ${secret} for AKIAOLD` },
    });

    // Act
    const [finding] = findingsOf(report([leaky]), PRODUCT);

    // Assess
    expect(JSON.stringify(finding)).not.toContain(secret);
    expect(finding?.Description).toBe("could not be read: rejected [masked] for AKIAOLD");
  });

  it("leaves 40-character words that are not shaped like a key alone", () => {
    // Act
    const text = sanitize(`commit ${"a1".repeat(20)} failed`, 100);

    // Assess
    expect(text).toBe(`commit ${"a1".repeat(20)} failed`);
  });

  it("a user with two holds of one kind gets one finding of that kind", () => {
    // Prepare
    const hold = { reason: "in-use", dueOn: "2026-05-12T06:00:00.000Z" } as const;
    const u = user({
      holds: [
        { ...hold, keyId: "AKIAOLD" },
        { ...hold, keyId: "AKIAOTHER" },
      ],
    });

    // Act
    const problems = problemsOf(u).map((p) => p.problem);

    // Assess
    expect(problems).toEqual(["in-use"]);
  });
});
