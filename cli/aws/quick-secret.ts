import { createHash, createHmac } from "node:crypto";
import { AwsCallError, describeError } from "../../shared/errors";
import { Redacted } from "../../shared/redacted";
import { EnvironmentError } from "../errors";
import { type Profiles, readProfiles } from "./profiles";
import { type AwsRequest, type Credentials, explicitRegion } from "./session";

/**
 * credential-process's quick path: with static credentials (the environment's keys, or a profile that
 * holds keys and nothing else) one GetSecretValue, signed here with SigV4 and sent with Node's own
 * http(s), so a process the SDKs start at every credential refresh costs little more than Node itself.
 * Whatever else a set-up holds (SSO, a role, a source_profile, custom endpoints, FIPS, another
 * partition) is the AWS SDK's to resolve: `quickPlan` then says `null` and the SDK path runs.
 */

/** What the quick path needs: where to send, for which region, signed with what. */
export interface QuickPlan {
  readonly endpoint: URL;
  readonly region: string;
  readonly credentials: Credentials;
}

/** Profile settings that make credentials only the SDK's chain can resolve. */
const SDK_CREDENTIALS =
  /^(role_arn|source_profile|credential_source|credential_process|web_identity_token_file|sso_.+|login_session)$/;
/** Profile settings that choose endpoints the SDK's way. */
const SDK_ENDPOINTS = /^(endpoint_url|services|use_fips_endpoint|use_dualstack_endpoint)$/;

/** The ordinary AWS partition: regions like `eu-west-1`; China's and the isolated ones go through the SDK. */
const COMMERCIAL_REGION = /^(us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\d$/;

const set = (v: string | undefined): v is string => v !== undefined && v !== "";

/** The environment's keys (without `--profile`), or the profile's when it holds keys and nothing that makes others. */
function staticCredentials(
  request: AwsRequest,
  settings: Readonly<Record<string, string>>,
): Credentials | null {
  const { env } = request;
  const [id, secret, token] =
    request.profile === undefined && set(env.AWS_ACCESS_KEY_ID) && set(env.AWS_SECRET_ACCESS_KEY)
      ? [env.AWS_ACCESS_KEY_ID, env.AWS_SECRET_ACCESS_KEY, env.AWS_SESSION_TOKEN]
      : Object.keys(settings).some((k) => SDK_CREDENTIALS.test(k))
        ? []
        : [settings.aws_access_key_id, settings.aws_secret_access_key, settings.aws_session_token];
  if (!set(id) || !set(secret)) return null;
  return { accessKeyId: id, secretAccessKey: secret, ...(set(token) ? { sessionToken: token } : {}) };
}

/** The quick path for this request, or `null` when only the SDK can resolve it. */
export function quickPlan(request: AwsRequest, profiles: Profiles): QuickPlan | null {
  const { env } = request;
  if (env.AWS_USE_FIPS_ENDPOINT === "true" || env.AWS_USE_DUALSTACK_ENDPOINT === "true") return null;
  // The SDK reads the profile's region and endpoints whichever credentials sign: `default` without --profile.
  const settings = profiles.get(request.profile ?? "default") ?? {};
  if (Object.keys(settings).some((k) => SDK_ENDPOINTS.test(k))) return null;
  const credentials = staticCredentials(request, settings);
  const region = explicitRegion(request) ?? settings.region;
  if (credentials === null || region === undefined || !COMMERCIAL_REGION.test(region)) return null;
  const configured =
    env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === "true"
      ? undefined
      : [env.AWS_ENDPOINT_URL_SECRETS_MANAGER, env.AWS_ENDPOINT_URL].find(set);
  try {
    return {
      endpoint: new URL(configured ?? `https://secretsmanager.${region}.amazonaws.com`),
      region,
      credentials,
    };
  } catch {
    return null; // the SDK names a malformed endpoint better
  }
}

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");
const hmac = (key: string | Buffer, text: string) => createHmac("sha256", key).update(text, "utf8").digest();

/**
 * SigV4 headers for an AWS JSON 1.1 POST to `/` (Signature Version 4, as AWS documents it): the
 * canonical request over host, content type, date, target and token; the key derived from the date,
 * region and service.
 */
export function signedHeaders(
  plan: QuickPlan,
  target: string,
  body: string,
  now: Date,
  service = "secretsmanager",
): Record<string, string> {
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = {
    "content-type": "application/x-amz-json-1.1",
    host: plan.endpoint.host,
    "x-amz-date": amzDate,
    ...(plan.credentials.sessionToken ? { "x-amz-security-token": plan.credentials.sessionToken } : {}),
    "x-amz-target": target,
  };
  const names = Object.keys(headers).sort();
  const canonical = [
    "POST",
    "/",
    "",
    ...names.map((n) => `${n}:${headers[n]}`),
    "",
    names.join(";"),
    sha256(body),
  ].join("\n");
  const scope = `${day}/${plan.region}/${service}/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonical)].join("\n");
  const dayKey = hmac(`AWS4${plan.credentials.secretAccessKey}`, day);
  const signingKey = hmac(hmac(hmac(dayKey, plan.region), service), "aws4_request");
  const signature = createHmac("sha256", signingKey).update(toSign, "utf8").digest("hex");
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${plan.credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`,
  };
}

interface Answer {
  readonly status: number;
  readonly body: string;
}

async function post(plan: QuickPlan, headers: Record<string, string>, body: string, timeoutMs: number) {
  // Only an https endpoint loads TLS, a good part of this process's start-up.
  const { request: send } =
    plan.endpoint.protocol === "http:" ? await import("node:http") : await import("node:https");
  return new Promise<Answer>((resolve, reject) => {
    const req = send(plan.endpoint, { method: "POST", headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
      );
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on("error", reject);
    req.end(body);
  });
}

/** The error code of an AWS JSON answer: `__type` (maybe `namespace#Code`) or the error header's. */
function errorOf(answer: Answer): { code: string; message: string } {
  try {
    const parsed = JSON.parse(answer.body) as { __type?: string; message?: string; Message?: string };
    const code = (parsed.__type ?? "").split("#").at(-1) || `HTTP${answer.status}`;
    return { code, message: parsed.message ?? parsed.Message ?? `HTTP ${answer.status}` };
  } catch {
    return { code: `HTTP${answer.status}`, message: `HTTP ${answer.status}` };
  }
}

const THROTTLING = /^(Throttl|TooManyRequests|RequestLimitExceeded|LimitExceeded)/;
const ATTEMPTS = 3;

/**
 * GetSecretValue on the quick path: up to three attempts (throttling, a server fault, a dropped
 * connection or a 10 s silence are retried after a short wait), each answer's error an `AwsCallError`
 * as the SDK path reports it.
 */
export async function quickSecretValue(
  secretId: string,
  plan: QuickPlan,
  now: () => Date = () => new Date(),
): Promise<Redacted<string>> {
  const body = JSON.stringify({ SecretId: secretId });
  for (let attempt = 1; ; attempt++) {
    let answer: Answer;
    try {
      answer = await post(
        plan,
        signedHeaders(plan, "secretsmanager.GetSecretValue", body, now()),
        body,
        10_000,
      );
    } catch (error) {
      if (attempt < ATTEMPTS) {
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
        continue;
      }
      const { message } = describeError(error);
      throw new AwsCallError("SecretsManager", "GetSecretValue", "NetworkingError", message, {
        cause: error,
      });
    }
    if (answer.status === 200) {
      const out = JSON.parse(answer.body) as { SecretString?: string };
      if (out.SecretString === undefined) throw new Error(`secret ${secretId} has no string value yet`);
      return new Redacted(out.SecretString);
    }
    const { code, message } = errorOf(answer);
    if (attempt < ATTEMPTS && (answer.status >= 500 || THROTTLING.test(code))) {
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      continue;
    }
    throw new AwsCallError("SecretsManager", "GetSecretValue", code, message);
  }
}

/** Answers that mean the secret is not there for these credentials: the set-up must change. */
const UNREADABLE =
  /^(ResourceNotFoundException|AccessDeniedException|AccessDenied|DecryptionFailure|InvalidRequestException|InvalidParameterException)$/;

/**
 * `error` as credential-process reports it: a secret these credentials cannot read is the set-up's
 * fault (EnvironmentError, exit 2); anything else stays what it was.
 */
export function unreadableSecret(secretId: string, error: unknown): unknown {
  if (error instanceof AwsCallError && UNREADABLE.test(error.code)) {
    return new EnvironmentError(`cannot read secret ${secretId}: ${error.message}`, { cause: error });
  }
  return error;
}

/** The secret's value on the quick path, or `null` when the request is the SDK's to resolve. */
export async function readQuickly(secretId: string, request: AwsRequest): Promise<Redacted<string> | null> {
  const plan = quickPlan(request, readProfiles(request.env));
  if (plan === null) return null;
  try {
    return await quickSecretValue(secretId, plan);
  } catch (error) {
    throw unreadableSecret(secretId, error);
  }
}
