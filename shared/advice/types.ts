import type { BoundDestination } from "../destinations/validate";
import type { KeyStatus, Verification } from "../lifecycle";

/**
 * Advice on getting rid of a user's long-lived access keys, from facts keyrotor already has. Plain
 * data, generated and never applied: keyrotor creates no role anywhere. Instants are ISO strings.
 */

/** The kinds of advice, in order of precedence: a key gets the first that applies to it. */
export const ADVICE_KINDS = ["remove", "oidc", "scoped-role", "roles-anywhere-or-identity-center"] as const;
export type AdviceKind = (typeof ADVICE_KINDS)[number];

/** The CI providers that issue OIDC tokens an IAM role can trust, as destination types. */
export const CI_PROVIDERS = ["github", "gitlab", "circleci", "terraform-cloud"] as const;
export type CiProvider = (typeof CI_PROVIDERS)[number];

/** The unused period when `deactivateUnusedAfterDays` is off: the 45 days of CIS 1.12. */
export const DEFAULT_UNUSED_DAYS = 45;

/**
 * One key as keyrotor knows it: from ListAccessKeys and GetAccessKeyLastUsed (with its id), or from
 * the credential report (without). Both `KeyFacts` and `ReportedKey` fit.
 */
export interface AdvisedKey {
  readonly id?: string;
  readonly status: KeyStatus;
  readonly createdAt: Date;
  /** `null`: never used; `undefined`: not known. */
  readonly lastUsedAt?: Date | null;
  /** The service's endpoint name (`s3`) and the region of the last use, when IAM says. */
  readonly lastUsedService?: string;
  readonly lastUsedRegion?: string;
  /** keyrotor's own verification of the key, from its ledger: a last use that is only that is none. */
  readonly verified?: Verification;
}

/** What `adviseUser` needs about one user. */
export interface AdviceFacts {
  readonly accountId: string;
  readonly userName: string;
  /** The partition of the user's ARN (`aws`, `aws-cn`, `aws-us-gov`); `aws` when absent. */
  readonly partition?: string;
  readonly keys: readonly AdvisedKey[];
  /** The destinations the operator bound to the user (`destinationsOf`). */
  readonly destinations: readonly BoundDestination[];
  /** The `deactivateUnusedAfterDays` setting: the unused period, and whether keyrotor's rule acts on it. */
  readonly deactivateUnusedAfterDays?: number | null;
  readonly now: Date;
}

/** A key's last use as the advice cites it. */
export interface LastUse {
  /** The key's id, or `created <date>` when only the credential report knows it. */
  readonly key: string;
  /** `null`: never used; absent: not known. */
  readonly at?: string | null;
  readonly service?: string;
  readonly region?: string;
}

/** An AWS service the user's keys were last used with, and where. */
export interface ServiceUse {
  /** As IAM reports it (`s3`, `monitoring`). */
  readonly service: string;
  /** Its IAM action prefix (`s3`, `cloudwatch`). */
  readonly actionPrefix: string;
  readonly regions: readonly string[];
  readonly lastUsedAt: string;
}

/** An IAM policy statement, as JSON. */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: { readonly Federated: string };
  readonly Action: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/** An IAM policy document, as JSON. */
export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly PolicyStatement[];
}

/** A value keyrotor cannot know (CircleCI's organization id), written `<NAME>` where the operator fills it. */
export interface Placeholder {
  readonly name: string;
  readonly meaning: string;
}

/** The IAM OIDC identity provider to create once per account for a CI provider. */
export interface IdentityProvider {
  readonly provider: CiProvider;
  /** The provider URL, as IAM's CreateOpenIDConnectProvider takes it. */
  readonly url: string;
  /** The audience (client id) the provider's tokens carry for AWS. */
  readonly audience: string;
  readonly arn: string;
}

/** What changes in one destination's pipeline or workspace. */
export interface PipelineChange {
  readonly provider: CiProvider;
  /** The destination, as notices and plan name it. */
  readonly destination: string;
  /** Where the lines go: a file of the repository, or the workspace's variables. */
  readonly where: string;
  readonly lines: readonly string[];
  /** The variables holding the key, to delete once the pipeline uses the role. */
  readonly remove: readonly string[];
}

/** The role that replaces the user for its CI destinations: documents to review, then create. */
export interface OidcRole {
  readonly roleName: string;
  readonly roleArn: string;
  readonly providers: readonly IdentityProvider[];
  readonly trustPolicy: PolicyDocument;
  readonly permissionsPolicy: PolicyDocument;
  readonly pipelines: readonly PipelineChange[];
  readonly placeholders: readonly Placeholder[];
  /** What the trust cannot express exactly, and what to check. */
  readonly notes: readonly string[];
}

interface Item<K extends AdviceKind> {
  readonly kind: K;
  /** The keys it applies to: ids, or `created <date>` when only the credential report knows them. */
  readonly keys: readonly string[];
  /** One line. */
  readonly summary: string;
  readonly why: string;
  readonly lastUses: readonly LastUse[];
}

export type AdviceItem =
  /** `byKeyrotor`: keyrotor's unused-key rule is on, so it deactivates and then deletes the keys itself. */
  | (Item<"remove"> & { readonly byKeyrotor: boolean })
  | (Item<"oidc"> & { readonly role: OidcRole })
  | (Item<"scoped-role"> & {
      readonly services: readonly ServiceUse[];
      readonly permissionsPolicy: PolicyDocument;
    })
  | (Item<"roles-anywhere-or-identity-center"> & { readonly services: readonly ServiceUse[] });

/** The advice for one user: at most one item per kind, in the order of `ADVICE_KINDS`. */
export interface Advice {
  readonly accountId: string;
  readonly userName: string;
  readonly asOf: string;
  /** The user's Active keys: the long-lived credentials advised on (Inactive ones get none). */
  readonly activeKeys: number;
  readonly items: readonly AdviceItem[];
}
