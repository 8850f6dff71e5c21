import type { IAMClientConfig } from "@aws-sdk/client-iam";

/** What every keyrotor SDK client is built from. Endpoints come from AWS_ENDPOINT_URL(_<SERVICE>). */
export interface ClientOptions {
  readonly region?: string;
  /** Omitted: the default credential chain (the Lambda's role, the caller's profile). */
  readonly credentials?: IAMClientConfig["credentials"];
  /** Attempts per call, first included; the SDK's adaptive mode spaces them and rate-limits the client. */
  readonly maxAttempts?: number;
}

/** SDK v3 client configuration: adaptive retries, never a hard-coded endpoint. */
export function clientConfig(options: ClientOptions = {}) {
  return {
    retryMode: "adaptive",
    maxAttempts: options.maxAttempts ?? 5,
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
  } as const;
}
