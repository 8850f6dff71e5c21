import { ageInDays } from "../lifecycle";
import type { AccountReport, UserReport } from "../rotation/report";
import { type AsffFinding, type FindingProduct, idPrefix, type Label, sanitize } from "./asff-format";
import { incidentFinding } from "./incident-finding";

export { type AsffFinding, type FindingProduct, idPrefix, sanitize } from "./asff-format";

/**
 * keyrotor's findings in the AWS Security Finding Format: one per (account, user, problem), for the
 * users a person must look at. A user keyrotor is rotating on schedule, an exempt user and one with
 * only Inactive keys get none: Security Hub's own IAM.3 finding already says a key is old, and
 * these say what keyrotor could not do about it.
 */

/** Problems, each a finding of its own: a user may have two (say, failing and held undelivered). */
export type Problem = "blocked" | "held" | "failing" | "in-use" | "undelivered" | "reactivated";

const CIS = "CIS AWS Foundations Benchmark";
const standards = (...ids: string[]) => ids.map((v) => ({ StandardsId: `standards/${v}` }));
/** IAM.3 (keys rotated within 90 days): CIS 1.14 in v1.4.0 and v3.0.0, 1.13 in v5.0.0. */
const IAM_3 = {
  SecurityControlId: "IAM.3",
  RelatedRequirements: [`${CIS} v1.4.0/1.14`, `${CIS} v3.0.0/1.14`, `${CIS} v5.0.0/1.13`],
};
/** IAM.22 (credentials unused for 45 days removed): CIS 1.12 in v1.4.0 and v3.0.0, 1.11 in v5.0.0. */
const IAM_22 = {
  SecurityControlId: "IAM.22",
  RelatedRequirements: [`${CIS} v1.4.0/1.12`, `${CIS} v3.0.0/1.12`, `${CIS} v5.0.0/1.11`],
};
const ASSOCIATED = standards(
  "aws-foundational-security-best-practices/v/1.0.0",
  "cis-aws-foundations-benchmark/v/1.4.0",
  "cis-aws-foundations-benchmark/v/3.0.0",
  "cis-aws-foundations-benchmark/v/5.0.0",
);

/**
 * Severity: HIGH where keyrotor has stopped and only a person can restart it (an Active key keeps
 * ageing with no end); MEDIUM, Security Hub's own rating of IAM.3, where a key is past its date but
 * keyrotor retries every run (failing) or holds it for a reason that ends when its cause does.
 */
const PROBLEM: Record<Problem, { title: string; label: Label; fix: string }> = {
  blocked: {
    title: "access key rotation blocked",
    label: "HIGH",
    fix: "With two keys, delete or deactivate the one nobody uses; with a secret keyrotor did not create, move it out of the way. keyrotor rotates at its next run.",
  },
  held: {
    title: "not rotatable until a person checks its keys",
    label: "HIGH",
    fix: "A key keyrotor created could not be stored and has since been used: find who uses it (CloudTrail), then delete it. keyrotor leaves the user alone until then.",
  },
  failing: {
    title: "keyrotor's work on this user is failing",
    label: "MEDIUM",
    fix: "Read the error in the description and keyrotor's logs for the account; keyrotor retries at every run.",
  },
  "in-use": {
    title: "superseded access key still in use",
    label: "MEDIUM",
    fix: "Move whatever still signs with the old key to the key in the user's secret; keyrotor deactivates the old key by its delete date at the latest.",
  },
  undelivered: {
    title: "old access key held: new key not delivered",
    label: "MEDIUM",
    fix: "Fix the failing destination (see keyrotor's notice); the old key is deactivated once every destination confirmed the new one.",
  },
  reactivated: {
    title: "deactivated access key made Active again",
    label: "MEDIUM",
    fix: "Deactivate the key again once its users moved to the new key; keyrotor will not deactivate it a second time.",
  },
};

/** The problems a user's report shows, each with the words that explain it. */
export function problemsOf(user: UserReport): { problem: Problem; reason: string; unused?: boolean }[] {
  const found: { problem: Problem; reason: string; unused?: boolean }[] = [];
  const since = user.blockedSince ? ` (due since ${user.blockedSince.slice(0, 10)})` : "";
  if (user.status === "blocked")
    found.push({ problem: "blocked", reason: `${user.reason ?? "blocked"}${since}` });
  if (user.status === "held") found.push({ problem: "held", reason: user.reason ?? "held" });
  const why = (e: { message: string } | undefined) => e?.message ?? "unknown error";
  const failures = [
    ...(user.status === "failed" ? [`could not be read: ${why(user.error)}`] : []),
    ...user.actions
      .filter((a) => a.outcome === "failed")
      .map((a) => `${a.kind} ${a.keyId} failed: ${why(a.error)}`),
    ...user.findings.filter((f) => f.outcome === "failed").map((f) => f.detail),
    ...(user.deliveries ?? [])
      .filter((d) => d.outcome === "failed")
      .map((d) => `delivery to ${d.destination} failed: ${why(d.error)}${d.fix ? `; fix: ${d.fix}` : ""}`),
  ];
  if (failures.length > 0) {
    // A failed retirement of an unused key is the unused-credentials control's matter (IAM.22).
    const unused = user.actions.some(
      (a) => a.outcome === "failed" && a.kind === "deactivate" && a.detail.startsWith("unused"),
    );
    found.push({ problem: "failing", reason: failures.join("; "), unused });
  }
  for (const hold of user.holds ?? []) {
    const until = hold.until ? `, held at most until ${hold.until.slice(0, 10)}` : "";
    const waiting = hold.destinations?.length ? `, waiting for ${hold.destinations.join(", ")}` : "";
    const reason = `deactivation of ${hold.keyId} due since ${hold.dueOn.slice(0, 10)}${until}${waiting}`;
    if (!found.some((f) => f.problem === hold.reason)) found.push({ problem: hold.reason, reason });
  }
  return found;
}

/** The age in whole days of the user's oldest Active key, and that key, at `now`. */
function oldestActive(user: UserReport, now: Date): { keyId: string; days: number } | null {
  const active = user.keys
    .filter((k) => k.status === "Active")
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const oldest = active[0];
  return oldest ? { keyId: oldest.id, days: ageInDays(new Date(oldest.createdAt), now) } : null;
}

/**
 * The findings for one account's report, as of the report's run: each user's problems, then the
 * incident the run answered for, if any (`incident-finding.ts`).
 */
export function findingsOf(report: AccountReport, product: FindingProduct): AsffFinding[] {
  const now = new Date(report.now);
  return report.users.flatMap((user) => [
    ...problemsOf(user).map(({ problem, reason, unused }) => {
      const { title, label, fix } = PROBLEM[problem];
      const key = oldestActive(user, now);
      const arn = `arn:${product.partition}:iam::${report.accountId}:user/${user.userName}`;
      return {
        SchemaVersion: "2018-10-08",
        Id: `${idPrefix(report.accountId)}${user.userName}/${problem}`,
        ProductArn: product.productArn,
        GeneratorId: `keyrotor/${problem}`,
        AwsAccountId: product.accountId,
        Types: [`Software and Configuration Checks/Industry and Regulatory Standards/${CIS}`],
        CreatedAt: report.now,
        UpdatedAt: report.now,
        FirstObservedAt: report.now,
        LastObservedAt: report.now,
        Severity: { Label: label },
        // IAM user names and account ids hold no control characters: the title needs no cleaning.
        Title: `IAM user ${user.userName} in account ${report.accountId}: ${title}`,
        Description: sanitize(reason, 1024),
        Remediation: { Recommendation: { Text: fix } },
        ProductFields: {
          "keyrotor/AccountId": report.accountId,
          "keyrotor/UserName": user.userName,
          "keyrotor/Problem": problem,
          "keyrotor/Status": user.status,
          "keyrotor/RunId": sanitize(report.runId, 128),
          ...(key ? { "keyrotor/KeyId": key.keyId, "keyrotor/KeyAgeDays": String(key.days) } : {}),
        },
        Resources: [
          {
            Type: "AwsIamUser",
            Id: arn,
            Region: product.region,
            Details: { AwsIamUser: { UserName: user.userName } },
          },
        ],
        Compliance: { Status: "FAILED", ...(unused ? IAM_22 : IAM_3), AssociatedStandards: ASSOCIATED },
        Workflow: { Status: "NEW" },
        RecordState: "ACTIVE",
      } satisfies AsffFinding;
    }),
    ...(user.incident ? [incidentFinding(report, product, user.userName, user.incident, user)] : []),
  ]);
}
