import { withinDeadline } from "../../shared/aws/call-deadline";
import { deadlineMsOf } from "../../shared/aws/client-config";
import { describeError } from "../../shared/errors";
import { EnvironmentError } from "../errors";

type Env = Readonly<Record<string, string | undefined>>;

/** AWS credentials as the SDK resolves them. */
export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** What the command line and the environment ask of AWS. */
export interface AwsRequest {
  /** `--profile`. */
  readonly profile?: string;
  /** `--region`. */
  readonly region?: string;
  readonly env: Env;
}

/** What an SDK client resolves lazily; resolved here up front so a missing one is named at once. */
interface ResolvableConfig {
  readonly region: () => Promise<string>;
  readonly credentials: () => Promise<Credentials>;
}

const nonEmpty = (value: string | undefined) => (value === undefined || value === "" ? undefined : value);

/** `--region`, else AWS_REGION, else AWS_DEFAULT_REGION; `undefined` leaves it to the profile. */
export function explicitRegion(request: AwsRequest): string | undefined {
  return (
    nonEmpty(request.region) ?? nonEmpty(request.env.AWS_REGION) ?? nonEmpty(request.env.AWS_DEFAULT_REGION)
  );
}

/**
 * The client's region and credentials, resolved before its first call, within `deadlineMs` (a
 * credential_process or an SSO endpoint that never answers would hold the command for ever).
 * @throws EnvironmentError saying what is missing and how to give it.
 */
export async function resolveClientConfig(
  config: ResolvableConfig,
  profile: string | undefined,
  options: { ignoresAwsProfile?: boolean; deadlineMs?: number } = {},
): Promise<{ region: string; credentials: Credentials }> {
  const where = profile === undefined ? "" : ` (profile "${profile}")`;
  let region: string | undefined;
  try {
    region = await config.region();
  } catch {
    // The SDK's "Region is missing" names neither the cause nor the fix.
  }
  if (!region) {
    throw new EnvironmentError(
      `no AWS region${where}: pass --region, set AWS_REGION, or set region in the profile`,
    );
  }
  try {
    const credentials = await withinDeadline(
      { service: "AWS", operation: "credential provider" },
      options.deadlineMs ?? deadlineMsOf(),
      () => config.credentials(),
    );
    return { region, credentials };
  } catch (error) {
    throw new EnvironmentError(
      `no AWS credentials${where}: ${describeError(error).message}. ` +
        `Pass --profile, set ${options.ignoresAwsProfile ? "" : "AWS_PROFILE or "}` +
        "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or log in (aws sso login)",
      { cause: error },
    );
  }
}

/**
 * Set, to the profile used, in the environment of whatever keyrotor credential-process starts while
 * it resolves its own credentials: a keyrotor credential-process that finds it set was started by
 * itself through that profile, and stops instead of starting itself again.
 */
export const RESOLVING_MARK = "__KEYROTOR_RESOLVING_CREDENTIALS";

/** Runs `resolve` with RESOLVING_MARK set in this process's environment, inherited by its children. */
export async function whileMarked<T>(profile: string, resolve: () => Promise<T>): Promise<T> {
  const previous = process.env[RESOLVING_MARK];
  process.env[RESOLVING_MARK] = profile;
  try {
    return await resolve();
  } finally {
    if (previous === undefined) Reflect.deleteProperty(process.env, RESOLVING_MARK);
    else process.env[RESOLVING_MARK] = previous;
  }
}
