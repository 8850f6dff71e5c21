/** The member StackSet's regions: keyrotor's, and us-east-1 for AWS Health's events when those are forwarded. */
declare function stackSetRegions(context: {
  resolveVariable: (variable: string) => Promise<unknown>;
}): Promise<string[]>;
declare namespace stackSetRegions {
  /** Where AWS Health delivers its global events (in the aws partition). */
  const HEALTH_REGION: string;
}
export = stackSetRegions;
