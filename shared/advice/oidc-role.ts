import { githubApp } from "../destinations/kinds/github";
import type { Destination } from "../destinations/schema";
import type { BoundDestination } from "../destinations/validate";
import type { TrustContext } from "./oidc";
import { circleciTrust } from "./oidc-circleci";
import { githubTrust } from "./oidc-github";
import { gitlabTrust } from "./oidc-gitlab";
import { terraformCloudTrust } from "./oidc-terraform-cloud";
import { permissionsSkeleton } from "./permissions";
import type {
  CiProvider,
  IdentityProvider,
  OidcRole,
  Placeholder,
  PolicyStatement,
  ServiceUse,
} from "./types";
import { CI_PROVIDERS } from "./types";

/** A destination that is a CI provider's: one whose pipelines can get an OIDC token instead of the key. */
export type CiDestination = Extract<Destination, { type: CiProvider }>;

/**
 * Whether a destination is a CI provider's, whose pipelines can trade an OIDC token for the role.
 * GitHub's Dependabot and Codespaces secrets are no pipeline's: neither gets an OIDC token.
 */
export const isCiDestination = (d: Destination): d is CiDestination =>
  (CI_PROVIDERS as readonly string[]).includes(d.type) &&
  !(d.type === "github" && githubApp(d) !== "actions");

/** How a trust statement's Sid names its provider (letters and digits only). */
const SID_NAMES: Readonly<Record<CiProvider, string>> = {
  github: "GitHub",
  gitlab: "GitLab",
  circleci: "CircleCI",
  "terraform-cloud": "TerraformCloud",
};

/** What the role is made for. */
export interface OidcRoleInput {
  readonly accountId: string;
  readonly partition: string;
  readonly userName: string;
  /** The user's destinations, every one a CI provider's. */
  readonly destinations: readonly BoundDestination[];
  /** What the keys were last used for: the permissions skeleton and the pipelines' region. */
  readonly uses: readonly ServiceUse[];
}

/** The name of the role that replaces `userName` for CI: the user's name and `-oidc`, at most 64 characters. */
export function oidcRoleName(userName: string): string {
  return `${userName.slice(0, 59)}-oidc`;
}

function trustFor(d: CiDestination, label: string, ctx: TrustContext) {
  switch (d.type) {
    case "github":
      return githubTrust(d, label, ctx);
    case "gitlab":
      return gitlabTrust(d, label, ctx);
    case "circleci":
      return circleciTrust(d, label, ctx);
    case "terraform-cloud":
      return terraformCloudTrust(d, label, ctx);
  }
}

const unique = <T>(items: readonly T[], key: (item: T) => string) => [
  ...new Map(items.map((item) => [key(item), item])).values(),
];

/**
 * The role that replaces the user's key in its CI destinations: one trust statement per destination
 * (its provider's token, for that repository, project, context or workspace only), a permissions
 * skeleton from the keys' last uses, the identity providers to create once per account, and the
 * pipeline lines to change. Documents only: nothing is created.
 */
export function oidcRole(input: OidcRoleInput): OidcRole {
  const roleName = oidcRoleName(input.userName);
  const roleArn = `arn:${input.partition}:iam::${input.accountId}:role/${roleName}`;
  const region = input.uses.flatMap((u) => u.regions)[0];
  const ctx: TrustContext = {
    accountId: input.accountId,
    partition: input.partition,
    roleArn,
    region: region ?? "<AWS_REGION>",
  };
  const trusts = input.destinations.flatMap((bound) =>
    isCiDestination(bound.destination) ? [trustFor(bound.destination, bound.label, ctx)] : [],
  );
  const statements: PolicyStatement[] = trusts.map((t, i) => ({
    Sid: `Trust${SID_NAMES[t.provider.provider]}${i + 1}`,
    Effect: "Allow",
    Principal: { Federated: t.provider.arn },
    Action: "sts:AssumeRoleWithWebIdentity",
    Condition: t.condition,
  }));
  const regionPlaceholder: Placeholder[] =
    region === undefined
      ? [{ name: "AWS_REGION", meaning: "the region the pipeline works in (no use of the key shows one)" }]
      : [];
  return {
    roleName,
    roleArn,
    providers: unique<IdentityProvider>(
      trusts.map((t) => t.provider),
      (p) => p.arn,
    ),
    trustPolicy: { Version: "2012-10-17", Statement: statements },
    permissionsPolicy: permissionsSkeleton(input.uses),
    pipelines: trusts.map((t) => t.pipeline),
    placeholders: unique([...trusts.flatMap((t) => t.placeholders), ...regionPlaceholder], (p) => p.name),
    notes: [...new Set(trusts.flatMap((t) => t.notes))],
  };
}
