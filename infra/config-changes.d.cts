/** What infra/deployed-config.cjs's compiled tools offer the change report. */
type Tools = Record<string, (...args: never[]) => unknown>;

declare const changes: {
  readonly METADATA_KEY: string;
  configurationMetadata(worked: { digest: string; text: string }): Record<string, unknown>;
  recordedSettings(templateBody: unknown): Record<string, unknown> | undefined;
  changeReport(tools: Tools, before: Record<string, unknown>, after: Record<string, unknown>): string[];
  deployedSettings(
    cloudFormation: { send(command: unknown): Promise<unknown> },
    stackName: string,
  ): Promise<{ settings?: Record<string, unknown>; reason?: string }>;
};
export = changes;
