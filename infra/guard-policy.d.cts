/** Resolves the optional guard policy for serverless.yml's resources. */
declare function guardPolicy(context: {
  resolveVariable: (variable: string) => Promise<unknown>;
}): Promise<{ Resources: Record<string, unknown> }>;
declare namespace guardPolicy {
  /** The guard's service control policy document. */
  function guardPolicyDocument(settings: {
    memberRoleName: string;
    secretPrefix: string;
    userTagKeys: string[];
    exemptPrincipals: string[];
  }): { Version: string; Statement: Record<string, unknown>[] };
}
export = guardPolicy;
