import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { partition } from "@aws-sdk/core/client";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";
import { AwsCallError, ConfigError } from "../errors";
import { withinDeadline } from "./call-deadline";
import { type ClientOptions, deadlineMsOf } from "./client-config";
import { awsErrorCode } from "./errors";

/**
 * A small client for AWS REST-JSON operations over `fetch`, signed with SigV4. For a service of which
 * keyrotor calls a couple of operations, a generated SDK client would bring serializers for its whole
 * API into the Lambda's bundle; the signer, hash, partitions and credential chain used here are in
 * every bundle already, through the other SDK clients.
 */

/** A REST-JSON service: its name in errors, SigV4 name and `AWS_ENDPOINT_URL_<envName>`. */
export interface JsonService {
  /** As `AwsCallError` names it: `SecurityHub`. */
  readonly name: string;
  /** SigV4's service name, which is also its endpoint's first label: `securityhub`. */
  readonly signingName: string;
  /** The SDK's service id in upper case, spaces as `_`: `SECURITYHUB`. */
  readonly envName: string;
}

/** Everything a client needs, resolved; `SignedJsonClient.create` fills it from `ClientOptions`. */
export interface SignedJsonConfig {
  /** Missing: every call fails, as an SDK client without a region does. */
  readonly region: string | undefined;
  /** Scheme, host and port, with no trailing `/`. */
  readonly endpoint: string;
  readonly credentials: NonNullable<ClientOptions["credentials"]>;
  readonly maxAttempts: number;
  /** How long one attempt may take, its whole answer read. */
  readonly timeoutMs: number;
  /** How long one call may take, every attempt and wait included; `deadlineMsOf`'s default unless given. */
  readonly deadlineMs?: number;
  /** Tests pass a fake; otherwise Node's own. */
  readonly fetch?: typeof fetch;
}

/** The methods of the REST-JSON routes keyrotor calls. */
type Method = "POST" | "PATCH";

type Attempt = { readonly value: unknown } | { readonly error: AwsCallError; readonly retry: boolean };

/** Codes the SDK retries as throttling, whatever their HTTP status. */
const THROTTLING = /^(Throttl|TooManyRequests|RequestLimitExceeded|LimitExceeded|SlowDown|RequestThrottled)/;

export class SignedJsonClient {
  private readonly signer: SignatureV4;
  private readonly send: typeof fetch;

  constructor(
    private readonly service: JsonService,
    private readonly config: SignedJsonConfig,
  ) {
    this.signer = new SignatureV4({
      service: service.signingName,
      region: config.region ?? "",
      credentials: config.credentials,
      sha256: Sha256,
    });
    this.send = config.fetch ?? fetch;
  }

  /**
   * The SDK's defaults: region from AWS_REGION, endpoint from AWS_ENDPOINT_URL_<SERVICE> then
   * AWS_ENDPOINT_URL (else the partition's), credentials from the default chain (the Lambda's role).
   */
  static create(service: JsonService, options: ClientOptions = {}, env = process.env): SignedJsonClient {
    const region = options.region ?? env.AWS_REGION;
    const configured =
      env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === "true"
        ? undefined
        : env[`AWS_ENDPOINT_URL_${service.envName}`] || env.AWS_ENDPOINT_URL;
    const endpoint =
      configured || (region ? `https://${service.signingName}.${region}.${partition(region).dnsSuffix}` : "");
    return new SignedJsonClient(service, {
      region,
      endpoint: endpoint.replace(/\/+$/, ""),
      credentials: options.credentials ?? defaultProvider(),
      maxAttempts: Math.max(1, options.maxAttempts ?? 5),
      timeoutMs: (options.timeoutSeconds ?? 30) * 1000,
      deadlineMs: deadlineMsOf(options),
    });
  }

  /** The region calls are signed for; throws `ConfigError` when there is none. */
  region(): string {
    if (!this.config.region) throw new ConfigError(`${this.service.name}: no region (set AWS_REGION)`);
    return this.config.region;
  }

  /**
   * POSTs `body` as JSON to `path` and returns the JSON answer. Throttling, server errors, timeouts
   * and network failures are retried with jittered exponential backoff up to `maxAttempts`, all within
   * the deadline; the failure that ends the call is an `AwsCallError` naming service and operation
   * (`AwsDeadlineError` at the deadline).
   */
  post<T>(operation: string, path: string, body: unknown): Promise<T> {
    return this.call<T>("POST", operation, path, body);
  }

  /** `post`, for the operations whose route is a PATCH (Security Hub's BatchUpdateFindings). */
  patch<T>(operation: string, path: string, body: unknown): Promise<T> {
    return this.call<T>("PATCH", operation, path, body);
  }

  private async call<T>(method: Method, operation: string, path: string, body: unknown): Promise<T> {
    const payload = JSON.stringify(body);
    const invocation = randomUUID();
    const call = { service: this.service.name, operation };
    return withinDeadline(call, this.config.deadlineMs ?? deadlineMsOf(), async (deadline) => {
      for (let attempt = 1; ; attempt++) {
        const outcome = await this.attempt(method, operation, path, payload, invocation, attempt, deadline);
        if ("value" in outcome) return outcome.value as T;
        if (!outcome.retry || attempt >= this.config.maxAttempts || deadline.aborted) throw outcome.error;
        await sleep(backoffMs(attempt, outcome.error.code), undefined, { signal: deadline });
      }
    });
  }

  private async attempt(
    method: Method,
    operation: string,
    path: string,
    payload: string,
    id: string,
    n: number,
    deadline: AbortSignal,
  ): Promise<Attempt> {
    const fail = (code: string, message: string, retry: boolean, cause?: unknown): Attempt => ({
      error: new AwsCallError(this.service.name, operation, code, message, cause ? { cause } : {}),
      retry,
    });
    let url: URL;
    let headers: Record<string, string>;
    try {
      const signingRegion = this.region();
      url = new URL(`${this.config.endpoint}${path}`);
      const signed = await this.signer.sign(
        {
          method,
          protocol: url.protocol,
          hostname: url.hostname,
          ...(url.port ? { port: Number(url.port) } : {}),
          path: url.pathname,
          query: {},
          headers: {
            host: url.host,
            "content-type": "application/json",
            "amz-sdk-invocation-id": id,
            "amz-sdk-request": `attempt=${n}; max=${this.config.maxAttempts}`,
          },
          body: payload,
        },
        { signingRegion },
      );
      // fetch sets Host itself, from the same URL.
      const { host: _, ...rest } = signed.headers;
      headers = rest;
    } catch (error) {
      return fail(awsErrorCode(error), (error as Error).message ?? String(error), false, error);
    }
    let response: Response;
    let text: string;
    try {
      // One signal for the request and the whole body: an answer that trickles ends with the attempt.
      const signal = AbortSignal.any([AbortSignal.timeout(this.config.timeoutMs), deadline]);
      response = await this.send(url, { method, headers, body: payload, signal });
      text = await response.text();
    } catch (error) {
      const cause = (error as { cause?: { code?: unknown } }).cause;
      const code = typeof cause?.code === "string" ? cause.code : awsErrorCode(error);
      return fail(code, (error as Error).message ?? String(error), true, error);
    }
    const answer = parseJson(text);
    if (response.ok && answer !== undefined) return { value: answer };
    if (response.ok) return fail("InvalidResponse", `not JSON (HTTP ${response.status})`, false);
    const code = errorCode(response, answer) ?? `Http${response.status}`;
    const message = errorMessage(answer) ?? `HTTP ${response.status}`;
    return fail(code, message, response.status === 429 || response.status >= 500 || THROTTLING.test(code));
  }
}

/** `undefined` when the text is not JSON; an empty answer is `{}`. */
function parseJson(text: string): unknown {
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The error's code as the SDK reads it: the `x-amzn-ErrorType` header, then `code`, then `__type`. */
function errorCode(response: Response, answer: unknown): string | undefined {
  const body = (answer ?? {}) as Record<string, unknown>;
  const raw = [response.headers.get("x-amzn-errortype"), body.code, body.Code, body.__type].find(
    (v): v is string => typeof v === "string" && v !== "",
  );
  // `aws.protocols#Name:http://...` and `com.amazon...#Name` both mean `Name`.
  return raw?.split(",")[0]?.split(":")[0]?.split("#").at(-1);
}

function errorMessage(answer: unknown): string | undefined {
  const body = (answer ?? {}) as Record<string, unknown>;
  const message = body.message ?? body.Message;
  return typeof message === "string" ? message : undefined;
}

/** The SDK's standard backoff: full jitter over 100 ms (500 ms when throttled) doubled per retry, 20 s at most. */
function backoffMs(attempt: number, code: string): number {
  const base = THROTTLING.test(code) ? 500 : 100;
  return Math.random() * Math.min(20_000, base * 2 ** (attempt - 1));
}
