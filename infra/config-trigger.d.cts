/** Resolves the optional AWS Config trigger and organization rule for serverless.yml's resources. */
declare function configTrigger(context: {
  resolveVariable: (variable: string) => Promise<unknown>;
}): Promise<{ Resources: Record<string, unknown> }>;
export = configTrigger;
