/** osls's inputs for one deployment. */
interface DeploymentInputs {
  serviceDir: string;
  cli: Record<string, string>;
  stageParams?: Record<string, unknown>;
  defaultParams?: Record<string, unknown>;
}

/** A deployment's configuration: its problems, or what passed (the settings as given, their digest). */
interface WorkedOut {
  problems: string[];
  digest?: string;
  text?: string;
  settings?: Record<string, unknown>;
  template?: Record<string, unknown>;
  file?: string;
}

declare const deployedConfig: {
  (context: unknown): Promise<Record<string, unknown>>;
  /** Worked out afresh (not the command's memo): for tests. */
  workOut(input: DeploymentInputs): WorkedOut;
  deploymentConfig(input: DeploymentInputs): WorkedOut;
  /** shared/config.ts, the digest, the file reader and the diff, compiled from the TypeScript. */
  loadTools(serviceDir: string): Record<string, (...args: never[]) => unknown>;
};
export = deployedConfig;
