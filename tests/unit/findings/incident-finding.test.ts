import { describe, expect, it } from "vitest";
import { type FindingProduct, findingsOf } from "../../../shared/findings/asff";
import type { AccountReport, IncidentReport, UserReport } from "../../../shared/rotation/report";

const NOW = "2026-06-01T06:00:00.000Z";
const OPENED = "2026-06-01T05:40:00.000Z";
const MEMBER = "111122223333";
const PRODUCT: FindingProduct = {
  productArn: "arn:aws:securityhub:eu-west-1:999988887777:product/999988887777/default",
  accountId: "999988887777",
  partition: "aws",
  region: "eu-west-1",
};
const EXPOSED = "AKIAEXPOSED000000001";
const NEW_KEY = "AKIAREPLACEMENT00001";
const HEALTH_ARN =
  "arn:aws:health:global::event/IAM/AWS_RISK_CREDENTIALS_EXPOSED/AWS_RISK_CREDENTIALS_EXPOSED_ABC";

const incident = (over: Partial<IncidentReport> = {}): IncidentReport => ({
  keyId: EXPOSED,
  trigger: "health",
  source: HEALTH_ARN,
  response: "revoke",
  openedAt: OPENED,
  state: "open",
  ...over,
});

function user(over: Partial<UserReport> = {}): UserReport {
  return {
    userName: "deploy",
    status: "ok",
    keys: [
      { id: EXPOSED, status: "Active", createdAt: "2026-03-01T06:00:00.000Z" },
      { id: NEW_KEY, status: "Active", createdAt: "2026-06-01T05:41:00.000Z" },
    ],
    actions: [],
    warnings: [],
    upcoming: [],
    secretName: "keyrotor/deploy",
    findings: [],
    ...over,
  };
}

function report(users: UserReport[], now = NOW): AccountReport {
  return {
    accountId: MEMBER,
    runId: "run-7",
    mode: "enforce",
    now,
    previousRunAt: "2026-05-31T06:00:00.000Z",
    users,
    unexaminedUsers: 0,
    failedUsers: 0,
    deferredUsers: 0,
  };
}

const handled = incident({
  state: "handled",
  replacedBy: NEW_KEY,
  revokedAt: "2026-06-01T05:42:00.000Z",
  handledAt: "2026-06-01T05:42:00.000Z",
});
const handledUser = user({
  incident: handled,
  keys: [
    { id: EXPOSED, status: "Inactive", createdAt: "2026-03-01T06:00:00.000Z" },
    { id: NEW_KEY, status: "Active", createdAt: "2026-06-01T05:41:00.000Z" },
  ],
});

describe("findingsOf: one finding per exposed key", () => {
  it("an open incident whose exposed key is still Active is CRITICAL, NEW and says keyrotor is at it", () => {
    // Act
    const [finding, ...rest] = findingsOf(report([user({ incident: incident() })]), PRODUCT);

    // Assess
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({
      Id: `keyrotor/${MEMBER}/deploy/incident/${EXPOSED}`,
      GeneratorId: "keyrotor/incident",
      AwsAccountId: PRODUCT.accountId,
      Types: ["Effects/Data Exposure"],
      Severity: { Label: "CRITICAL" },
      Workflow: { Status: "NEW" },
      RecordState: "ACTIVE",
      FirstObservedAt: OPENED,
      LastObservedAt: NOW,
      ProductFields: {
        "keyrotor/Problem": "incident",
        "keyrotor/KeyId": EXPOSED,
        "keyrotor/IncidentState": "open",
        "keyrotor/Trigger": "health",
        "keyrotor/Response": "revoke",
      },
      Resources: [
        { Type: "AwsIamUser", Id: `arn:aws:iam::${MEMBER}:user/deploy` },
        {
          Type: "AwsIamAccessKey",
          Id: EXPOSED,
          Details: {
            AwsIamAccessKey: { PrincipalName: "deploy", PrincipalType: "IAMUser", Status: "Active" },
          },
        },
      ],
    });
    expect(finding?.Compliance).toBeUndefined();
    expect(finding?.Title).toBe(
      `IAM user deploy in account ${MEMBER}: access key ${EXPOSED} exposed, keyrotor is replacing it`,
    );
    expect(finding?.Description).toContain(`AWS Health reported access key ${EXPOSED} exposed`);
    expect(finding?.Description).toContain(HEALTH_ARN);
    expect(finding?.Remediation?.Recommendation.Text).toMatch(/CloudTrail/);
    expect(finding?.Remediation?.Recommendation.Text).toMatch(/AWSCompromisedKeyQuarantine/);
    expect(finding?.Remediation?.Recommendation.Text).toMatch(/keyrotor never detaches it/);
  });

  it("once handled it is HIGH and RESOLVED, still ACTIVE, saying what keyrotor did and what is left", () => {
    // Act
    const [finding] = findingsOf(report([handledUser]), PRODUCT);

    // Assess
    expect(finding).toMatchObject({
      Severity: { Label: "HIGH" },
      Workflow: { Status: "RESOLVED" },
      RecordState: "ACTIVE",
      ProductFields: { "keyrotor/IncidentState": "handled", "keyrotor/ReplacedBy": NEW_KEY },
    });
    expect(finding?.Title).toBe(
      `IAM user deploy in account ${MEMBER}: exposed access key ${EXPOSED} replaced and deactivated`,
    );
    expect(finding?.Description).toContain(
      `keyrotor replaced it with ${NEW_KEY} and deactivated it on 2026-06-01 05:42 UTC`,
    );
    expect(finding?.Description).toContain("keyrotor's part was done on 2026-06-01 05:42 UTC");
    expect(finding?.Remediation?.Recommendation.Text).toMatch(/CloudTrail/);
  });

  it("an open incident whose exposed key cannot sign any more is HIGH", () => {
    // Prepare: revoked, the deletion still to come
    const revoked = incident({
      response: "delete",
      replacedBy: NEW_KEY,
      revokedAt: "2026-06-01T05:42:00.000Z",
    });
    const u = user({ incident: revoked, keys: handledUser.keys });

    // Act
    const [finding] = findingsOf(report([u]), PRODUCT);

    // Assess
    expect(finding?.Severity.Label).toBe("HIGH");
    expect(finding?.Workflow?.Status).toBe("NEW");
  });

  it("blocked: CRITICAL while the key is Active, with what keyrotor needs from a person and the failed destinations", () => {
    // Prepare
    const blocked = incident({
      state: "blocked",
      needsPerson: "the user already has two keys and neither may be deleted",
      failedDestinations: ["github:acme/deploy", "ssm:/ci/deploy"],
    });

    // Act
    const [finding] = findingsOf(report([user({ incident: blocked })]), PRODUCT);

    // Assess
    expect(finding?.Severity.Label).toBe("CRITICAL");
    expect(finding?.Title).toBe(
      `IAM user deploy in account ${MEMBER}: access key ${EXPOSED} exposed, keyrotor needs a person`,
    );
    expect(finding?.Description).toContain(
      "keyrotor cannot go on without a person: the user already has two keys and neither may be deleted",
    );
    expect(finding?.Description).toContain("github:acme/deploy, ssm:/ci/deploy did not get the new key");
  });

  it("an operator's incident names the command, its run and the operator's reason", () => {
    // Prepare
    const cli = incident({
      trigger: "cli",
      source: "cli-20260601T054000Z",
      reason: "pasted in a public gist",
    });

    // Act
    const [finding] = findingsOf(report([user({ incident: cli })]), PRODUCT);

    // Assess
    expect(finding?.Description).toContain(
      `An operator reported access key ${EXPOSED} exposed (keyrotor rotate, run cli-20260601T054000Z) on 2026-06-01 05:40 UTC: "pasted in a public gist".`,
    );
  });

  it("grace: handled once replaced, and says the exposed key stays Active until its grace ends", () => {
    // Prepare
    const grace = incident({ response: "grace", state: "handled", replacedBy: NEW_KEY, handledAt: NOW });

    // Act
    const [finding] = findingsOf(report([user({ incident: grace })]), PRODUCT);

    // Assess
    expect(finding?.Workflow?.Status).toBe("RESOLVED");
    expect(finding?.Title).toContain("replaced; the exposed key follows the usual grace");
    expect(finding?.Remediation?.Recommendation.Text).toMatch(/still Active: deactivate it/);
  });

  it("comes beside the user's other problems, each its own finding", () => {
    // Prepare
    const both = user({ incident: incident(), status: "blocked", reason: "two keys" });

    // Act
    const found = findingsOf(report([both]), PRODUCT);

    // Assess
    expect(found.map((f) => f.GeneratorId)).toEqual(["keyrotor/blocked", "keyrotor/incident"]);
  });

  it("keeps its Id across runs and retries: one per account and exposed key", () => {
    // Act
    const first = findingsOf(report([user({ incident: incident() })]), PRODUCT).map((f) => f.Id);
    const later = findingsOf(report([handledUser], "2026-06-02T06:00:00.000Z"), PRODUCT).map((f) => f.Id);

    // Assess
    expect(later).toEqual(first);
  });
});

describe("incident findings hold no secret and no markup from outside", () => {
  it("masks a secret-shaped string in the operator's reason or keyrotor's words for a person", () => {
    // Prepare
    const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const leaky = incident({
      trigger: "cli",
      source: "cli-run",
      reason: `leaked ${secret} on slack`,
      state: "blocked",
      needsPerson: `GitHub said ${secret}`,
    });

    // Act
    const [finding] = findingsOf(report([user({ incident: leaky })]), PRODUCT);

    // Assess
    expect(JSON.stringify(finding)).not.toContain(secret);
    expect(finding?.Description).toContain("leaked [masked] on slack");
  });

  it("puts the operator's reason on one line and bounds the description", () => {
    // Prepare
    const noisy = incident({
      trigger: "cli",
      source: "cli-run",
      reason: `one\ntwo\u202e${"x".repeat(2000)}`,
    });

    // Act
    const [finding] = findingsOf(report([user({ incident: noisy })]), PRODUCT);

    // Assess
    expect(finding?.Description.length).toBeLessThanOrEqual(1024);
    expect(finding?.Description).toContain('"one two x');
    expect(finding?.Description).not.toMatch(/[\p{Cc}\u202e]/u);
    expect(finding?.Title.length).toBeLessThanOrEqual(256);
    expect(finding?.Remediation?.Recommendation.Text.length).toBeLessThanOrEqual(512);
  });
});
