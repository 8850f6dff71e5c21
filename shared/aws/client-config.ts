import type { IAMClientConfig } from "@aws-sdk/client-iam";

/** What every keyrotor SDK client is built from. Endpoints come from AWS_ENDPOINT_URL(_<SERVICE>). */
export interface ClientOptions {
  readonly region?: string;
  /** Omitted: the default credential chain (the Lambda's role, the caller's profile). */
  readonly credentials?: IAMClientConfig["credentials"];
  /** Attempts per call, first included; the SDK's adaptive mode spaces them and rate-limits the client. */
  readonly maxAttempts?: number;
  /** How long one attempt may take before it is abandoned (and retried). */
  readonly timeoutSeconds?: number;
}

/** The client options a configuration asks for (`awsMaxAttempts`, `awsTimeoutSeconds`). */
export function clientOptionsOf(config: {
  awsMaxAttempts: number;
  awsTimeoutSeconds: number;
}): ClientOptions {
  return { maxAttempts: config.awsMaxAttempts, timeoutSeconds: config.awsTimeoutSeconds };
}

/**
 * SDK v3 client configuration: adaptive retries, a timeout on every attempt (the SDK's default is
 * none: a hung connection would hang the Lambda), never a hard-coded endpoint.
 */
export function clientConfig(options: ClientOptions = {}) {
  const timeoutMs = (options.timeoutSeconds ?? 30) * 1000;
  return {
    retryMode: "adaptive",
    maxAttempts: options.maxAttempts ?? 5,
    requestHandler: {
      connectionTimeout: Math.min(timeoutMs, 5_000),
      requestTimeout: timeoutMs,
      throwOnRequestTimeout: true,
    },
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
  } as const;
}
