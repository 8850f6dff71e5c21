/** Resolves the exposed-key trigger (AWS Health's events to the scheduler) for serverless.yml's resources. */
declare function exposedKeyTrigger(context: {
  resolveVariable: (variable: string) => Promise<unknown>;
}): Promise<{ Resources: Record<string, unknown> }>;
declare namespace exposedKeyTrigger {
  /** The event pattern the member rules and keyrotor's rule match. */
  const EXPOSED_KEY_PATTERN: {
    source: string[];
    "detail-type": string[];
    detail: { eventTypeCode: string[] };
  };
}
export = exposedKeyTrigger;
