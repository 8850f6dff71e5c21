/**
 * The part of the AWS Security Finding Format keyrotor writes, the Id scheme of its findings, and how
 * text from outside keyrotor is made fit for one. Shared by every kind of keyrotor finding.
 */

/** The default product of the account keyrotor runs in: the only one it may import findings into. */
export interface FindingProduct {
  readonly productArn: string;
  /** keyrotor's own account: with the default product ARN a finding must name the importing account. */
  readonly accountId: string;
  readonly partition: string;
  readonly region: string;
}

export type Label = "INFORMATIONAL" | "LOW" | "MEDIUM" | "HIGH" | "CRITICAL";

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
    readonly Details?: {
      readonly AwsIamUser?: { readonly UserName?: string };
      readonly AwsIamAccessKey?: {
        readonly PrincipalName?: string;
        readonly PrincipalType?: string;
        readonly Status?: "Active" | "Inactive";
      };
    };
  }[];
  readonly Compliance?: {
    readonly Status: "PASSED" | "WARNING" | "FAILED" | "NOT_AVAILABLE";
    readonly SecurityControlId?: string;
    readonly RelatedRequirements?: string[];
    readonly AssociatedStandards?: { readonly StandardsId: string }[];
  };
  readonly Workflow?: { readonly Status: "NEW" | "NOTIFIED" | "RESOLVED" | "SUPPRESSED" };
  readonly RecordState?: "ACTIVE" | "ARCHIVED";
  /**
   * Read back, never imported: Security Hub sets a note only through BatchUpdateFindings (keyrotor's
   * own when it resolved the finding, or a person's).
   */
  readonly Note?: { readonly Text: string; readonly UpdatedBy: string };
}

/**
 * Every keyrotor finding about `accountId` has this Id prefix; the full Id adds `<user>/<problem>`
 * (IAM user names never contain `/`), so one problem of one user is always the same finding, or
 * `<user>/incident/<key>` for an exposed key (`incident-finding.ts`).
 */
export const idPrefix = (accountId: string) => `keyrotor/${accountId}/`;

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
