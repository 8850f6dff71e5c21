import { ageInDays } from "../lifecycle";
import type { AccountReport, UserReport } from "../rotation/report";

/**
 * keyrotor's findings in the AWS Security Finding Format: one per (account, user, problem), for the
 * users a person must look at. A user keyrotor is rotating on schedule, an exempt user and one with
 * only Inactive keys get none: Security Hub's own IAM.3 finding already says a key is old, and
 * these say what keyrotor could not do about it.
 */

/** Problems, each a finding of its own: a user may have two (say, failing and held undelivered). */
export type Problem = "blocked" | "held" | "failing" | "in-use" | "undelivered" | "reactivated";

/** The default product of the account keyrotor runs in: the only one it may import findings into. */
export interface FindingProduct {
  readonly productArn: string;
  /** keyrotor's own account: with the default product ARN a finding must name the importing account. */
  readonly accountId: string;
  readonly partition: string;
  readonly region: string;
}

type Label = "INFORMATIONAL" | "LOW" | "MEDIUM" | "HIGH" | "CRITICAL";

/** The ASFF fields keyrotor writes (a subset of Security Hub's finding format). */
export interface AsffFinding {
  readonly SchemaVersion: string;
  readonly Id: string;
  readonly ProductArn: string;
  readonly GeneratorId: string;
  readonly AwsAccountId: string;
  readonly Types: string[];
  readonly CreatedAt: string;
  readonly UpdatedAt: string;
  readonly FirstObservedAt?: string;
  readonly LastObservedAt?: string;
  readonly Severity: { readonly Label: Label };
  readonly Title: string;
  readonly Description: string;
  readonly Remediation?: { readonly Recommendation: { readonly Text: string } };
  readonly ProductFields?: Record<string, string>;
  readonly Resources: {
    readonly Type: string;
    readonly Id: string;
    readonly Region?: string;
    readonly Details?: { readonly AwsIamUser?: { readonly UserName?: string } };
  }[];
  readonly Compliance?: {
    readonly Status: "PASSED" | "WARNING" | "FAILED" | "NOT_AVAILABLE";
    readonly SecurityControlId?: string;
    readonly RelatedRequirements?: string[];
    readonly AssociatedStandards?: { readonly StandardsId: string }[];
  };
  readonly Workflow?: { readonly Status: "NEW" | "NOTIFIED" | "RESOLVED" | "SUPPRESSED" };
  readonly RecordState?: "ACTIVE" | "ARCHIVED";
}

/**
 * Every keyrotor finding about `accountId` has this Id prefix; the full Id adds `<user>/<problem>`
 * (IAM user names never contain `/`), so one problem of one user is always the same finding.
 */
export const idPrefix = (accountId: string) => `keyrotor/${accountId}/`;

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

/** 40 characters of base64 mixing upper and lower case and digits: the shape of a secret access key. */
const SECRET_SHAPED = /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/g;
const secretShaped = (s: string) => /[a-z]/.test(s) && /[A-Z]/.test(s) && /\d/.test(s);

/**
 * Text from outside keyrotor (an error message, a reason) fit for a finding: control and bidi
 * characters become spaces, anything shaped like a secret access key is masked (reports hold none by
 * construction; a provider's error message is the one place one could slip in), and it is bounded.
 */
export function sanitize(text: string, max: number): string {
  const line = text
    .replace(/[\p{Cc}\u200b-\u200f\u202a-\u202e\u2066-\u2069]+/gu, " ")
    .replace(SECRET_SHAPED, (s) => (secretShaped(s) ? "[masked]" : s))
    .replace(/\s+/g, " ")
    .trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** The findings for one account's report, as of the report's run. */
export function findingsOf(report: AccountReport, product: FindingProduct): AsffFinding[] {
  const now = new Date(report.now);
  return report.users.flatMap((user) =>
    problemsOf(user).map(({ problem, reason, unused }) => {
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
  );
}
