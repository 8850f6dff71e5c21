/** Resolves the queue policies for serverless.yml's resources. */
declare function queuePolicies(context: {
  resolveVariable: (variable: string) => Promise<unknown>;
}): Promise<{ Resources: Record<string, unknown> }>;
declare namespace queuePolicies {
  /** A queue policy under which no principal but `producers` may send to `queueArn`. */
  function sendOnlyFrom(queue: { queueArn: unknown; sid: string; producers: unknown[] }): {
    Version: string;
    Statement: Record<string, unknown>[];
  };
}
export = queuePolicies;
