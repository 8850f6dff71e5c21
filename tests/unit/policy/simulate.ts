import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";

/** A policy as the simulator takes it. */
export interface NamedPolicy {
  readonly name: string;
  readonly policy: unknown;
}

export const MEMBER = "111122223333";
export const MANAGEMENT = "123456789012";
export const ORG = "o-abc1234567";
export const ROOT = "r-ab12";

/** An identity policy allowing `action` (wildcards allowed) on everything. */
export const allowAll = (action: string): NamedPolicy => ({
  name: "admin",
  policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: action, Resource: "*" }] },
});

/** AWS's managed AdministratorAccess. */
export const administratorAccess = allowAll("*");

/** The default SCP every level of an organization carries unless someone removes it. */
const FULL_AWS_ACCESS: NamedPolicy = {
  name: "FullAWSAccess",
  policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
};

export interface Request {
  identity?: readonly NamedPolicy[];
  resourcePolicy?: unknown;
  /** Request context beyond the principal's ARN, account and organization. */
  context?: Record<string, string | string[]>;
  /** SCPs attached at the root of the organization (FullAWSAccess is always there too). */
  scps?: readonly NamedPolicy[];
  /** The principal's organization; `null`: outside any. */
  orgId?: string | null;
  /** The resource's account where its ARN names none (S3 buckets); otherwise read from the ARN. */
  resourceAccount?: string;
}

/**
 * The simulator's verdict on one request: "Allowed", "ImplicitlyDenied" or "ExplicitlyDenied". With
 * resource `*` and no context, the verdict on any resource the action takes.
 * Fails when the simulator ignored a context key the request gave (a key the action does not have):
 * a proof must not pass because its condition was never evaluated.
 */
export async function decision(principal: string, action: string, resource: string, request: Request = {}) {
  const accountId = request.resourceAccount ?? (resource.split(":")[4] || principal.split(":")[4] || "");
  const orgId = request.orgId === undefined ? ORG : request.orgId;
  const simulation: Simulation = {
    request: {
      principal,
      action,
      resource: { resource, accountId },
      contextVariables: {
        "aws:PrincipalArn": principal,
        "aws:PrincipalAccount": principal.split(":")[4] ?? "",
        ...(orgId ? { "aws:PrincipalOrgID": orgId } : {}),
        ...request.context,
      },
    },
    identityPolicies: [...(request.identity ?? [])],
    serviceControlPolicies: orgId
      ? [
          { orgIdentifier: ROOT, policies: [FULL_AWS_ACCESS, ...(request.scps ?? [])] },
          { orgIdentifier: principal.split(":")[4] ?? "", policies: [FULL_AWS_ACCESS] },
        ]
      : [],
    resourceControlPolicies: [],
    ...(request.resourcePolicy ? { resourcePolicy: request.resourcePolicy } : {}),
  };
  const result = await runSimulation(simulation, {});
  if (result.resultType === "error") throw new Error(JSON.stringify(result.errors));
  if (result.resultType === "wildcard" && resource === "*" && !request.context) return result.overallResult;
  if (result.resultType !== "single") throw new Error(`expected one resource, got ${result.resultType}`);
  const ignored = (result.result.ignoredContextKeys ?? []).filter((key) => key in (request.context ?? {}));
  if (ignored.length > 0) throw new Error(`${action} ignores the context keys ${ignored.join(", ")}`);
  return result.overallResult;
}
