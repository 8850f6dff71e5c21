/** Resolves the optional guard policy for serverless.yml's resources. */
declare function guardPolicy(context: {
  resolveVariable: (variable: string) => Promise<unknown>;
}): Promise<{ Resources: Record<string, unknown> }>;
declare namespace guardPolicy {
  /** The guard's service control policy document; throws for an exempt principal that is not a role pattern. */
  function guardPolicyDocument(settings: {
    memberRoleName: string;
    secretPrefix: string;
    userTagKeys: string[];
    exemptPrincipals: string[];
  }): { Version: string; Statement: Record<string, unknown>[] };
  /** The name pattern of the role service-managed StackSets act through in each account. */
  const STACKSET_EXECUTION_ROLE: string;
}
export = guardPolicy;
