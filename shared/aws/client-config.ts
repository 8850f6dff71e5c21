import type { IAMClientConfig } from "@aws-sdk/client-iam";
import { type SdkClient, withDeadline } from "./call-deadline";

/** What every keyrotor SDK client is built from. Endpoints come from AWS_ENDPOINT_URL(_<SERVICE>). */
export interface ClientOptions {
  readonly region?: string;
  /** Omitted: the default credential chain (the Lambda's role, the caller's profile). */
  readonly credentials?: IAMClientConfig["credentials"];
  /** Attempts per call, first included; the SDK's adaptive mode spaces them and rate-limits the client. */
  readonly maxAttempts?: number;
  /** How long one attempt may wait for its answer to start (status and headers) before it is retried. */
  readonly timeoutSeconds?: number;
  /** How long one call may take in all: every attempt, the whole answer and the waits between them. */
  readonly deadlineSeconds?: number;
}

/** The client options a configuration asks for (`awsMaxAttempts`, `awsTimeoutSeconds`, `awsCallDeadlineSeconds`). */
export function clientOptionsOf(config: {
  awsMaxAttempts: number;
  awsTimeoutSeconds: number;
  awsCallDeadlineSeconds: number;
}): ClientOptions {
  return {
    maxAttempts: config.awsMaxAttempts,
    timeoutSeconds: config.awsTimeoutSeconds,
    deadlineSeconds: config.awsCallDeadlineSeconds,
  };
}

/** The deadline of each call a client with `options` makes: `awsCallDeadlineSeconds`' default unless given. */
export function deadlineMsOf(options: ClientOptions = {}): number {
  return (options.deadlineSeconds ?? 60) * 1000;
}

/**
 * SDK v3 client configuration: adaptive retries, a timeout on every attempt (the SDK's default is
 * none: a hung connection would hang the Lambda), never a hard-coded endpoint. The timeout ends an
 * attempt that waits too long for its answer to start, not one whose answer trickles in: only the
 * deadline `sdkClient` adds bounds a call as a whole.
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

type ClientConfig = ReturnType<typeof clientConfig>;

/**
 * An SDK client built from `clientConfig(options)` and `extra` (settings of the client's own, such as
 * a profile), every call of which ends within the deadline (`deadlineMsOf(options)`). Every SDK
 * client keyrotor calls AWS with is built here.
 */
export function sdkClient<C extends SdkClient, E extends object = object>(
  Client: new (config: ClientConfig & E) => C,
  options: ClientOptions = {},
  extra?: E,
): C {
  return withDeadline(
    new Client({ ...clientConfig(options), ...extra } as ClientConfig & E),
    deadlineMsOf(options),
  );
}
