/** How one deployment-only param is checked. */
interface DeclaredParam {
  readonly required?: boolean;
  /** What the param allows, as the error states it. */
  readonly allowed: string;
  readonly check: (value: string) => boolean;
}

/** What infra/params.cjs needs of shared/config.ts. */
interface ConfigModule {
  readonly SETTING_NAMES: readonly string[];
  readonly envNameOf: (setting: string) => string;
  readonly settingsFromEnv: (env: Record<string, string | undefined>) => Record<string, unknown>;
  readonly configSchema: {
    // biome-ignore lint/suspicious/noExplicitAny: the schema's issues go back to configProblems as they came.
    safeParse(input: unknown): { success: boolean; error?: { issues: any[] } };
  };
  /** The schema's issues as problems, each at the place it names. */
  // biome-ignore lint/suspicious/noExplicitAny: see configSchema.
  readonly configProblems: (issues: any[]) => { path: readonly PropertyKey[]; message: string }[];
  /** `deliveries[0].destinations[1].apiUrl`. */
  readonly pathText: (path: readonly PropertyKey[]) => string;
}

/** The params as osls has them, the configuration file as read, and the schema to check them with. */
interface DeploymentInput {
  cli: Record<string, string>;
  stageParams?: Record<string, unknown>;
  defaultParams?: Record<string, unknown>;
  file?: { path: string; settings?: Record<string, unknown>; error?: string };
  config: ConfigModule;
}

declare const params: {
  readonly DEPLOYMENT_PARAMS: Record<string, DeclaredParam>;
  /** Settings the stack sets itself (ledger table, delivery key), not params. */
  readonly NOT_PARAMS: ReadonlySet<string>;
  parseCliParams(items: readonly string[] | undefined): Record<string, string>;
  effectiveParams(input: {
    cli: Record<string, unknown>;
    stageParams?: Record<string, unknown>;
    defaultParams?: Record<string, unknown>;
  }): Record<string, string>;
  /** Every problem with a deployment's params, each naming the param; empty when they are fine. */
  paramProblems(input: DeploymentInput): string[];
  /** The settings the file and the params give, and every problem with them. */
  deploymentSettings(input: DeploymentInput): { problems: string[]; settings: Record<string, unknown> };
  paramsMessage(problems: readonly string[]): string;
};
export = params;
