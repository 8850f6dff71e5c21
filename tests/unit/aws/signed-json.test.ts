import { createHash, createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { type JsonService, SignedJsonClient, type SignedJsonConfig } from "../../../shared/aws/signed-json";
import { AwsCallError, ConfigError } from "../../../shared/errors";

const SERVICE: JsonService = { name: "SecurityHub", signingName: "securityhub", envName: "SECURITYHUB" };
const CREDENTIALS = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "not-a-secret", sessionToken: "session" };

interface Received {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
}
type Reply = (req: Received, res: ServerResponse) => void;

/** A local HTTP server standing in for the service: each request kept, answered by `reply`. */
let server: Server;
let endpoint: string;
let received: Received[] = [];
let reply: Reply = (_, res) => res.end("{}");

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const r = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: `${Buffer.concat(chunks)}`,
      };
      received.push(r);
      reply(r, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

afterEach(() => {
  received = [];
  reply = (_, res) => res.end("{}");
  vi.unstubAllGlobals();
});

const client = (config: Partial<SignedJsonConfig> = {}) =>
  new SignedJsonClient(SERVICE, {
    region: "us-gov-west-1",
    endpoint,
    credentials: CREDENTIALS,
    maxAttempts: 3,
    timeoutMs: 2_000,
    ...config,
  });

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Reply => {
  return (_, res) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };
};

/** Status and headers at once, then one byte a second, forever: no idle timeout ever fires. */
const trickle: Reply = (_, res) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.write("{");
  const timer = setInterval(() => res.write(" "), 1_000);
  res.on("close", () => clearInterval(timer));
};

const sha256 = (data: string) => createHash("sha256").update(data).digest("hex");
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();

/** The SigV4 signature of a request as the server received it, computed here from the algorithm. */
function signatureOf(r: Received, secret: string): { expected: string; sent: string; scope: string } {
  const auth = String(r.headers.authorization);
  const [, scope = "", signedHeaders = "", sent = ""] =
    /Credential=[^/]+\/([^,]+), SignedHeaders=([^,]+), Signature=(\w+)/.exec(auth) ?? [];
  const names = signedHeaders.split(";");
  const canonical = [
    r.method,
    r.path,
    "",
    ...names.map((n) => `${n}:${String(r.headers[n]).trim()}`),
    "",
    signedHeaders,
    sha256(r.body),
  ].join("\n");
  const amzDate = String(r.headers["x-amz-date"]);
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonical)].join("\n");
  const [day = "", region = "", service = "", terminator = ""] = scope.split("/");
  let key: Buffer = hmac(`AWS4${secret}`, day);
  for (const part of [region, service, terminator]) key = hmac(key, part);
  return { expected: createHmac("sha256", key).update(toSign).digest("hex"), sent, scope };
}

describe("SignedJsonClient", () => {
  it("POSTs JSON signed with SigV4 for the service and region, the host it reached and its session token", async () => {
    // Prepare
    reply = json(200, { Findings: [], NextToken: "t" });

    // Act
    const out = await client().post("GetFindings", "/findings", { MaxResults: 100 });

    // Assess
    expect(out).toEqual({ Findings: [], NextToken: "t" });
    const [r] = received;
    if (!r) throw new Error("one request expected");
    expect(r).toMatchObject({ method: "POST", path: "/findings", body: '{"MaxResults":100}' });
    expect(r.headers).toMatchObject({
      "content-type": "application/json",
      "x-amz-security-token": "session",
    });
    const { expected, sent, scope } = signatureOf(r, CREDENTIALS.secretAccessKey);
    expect(scope).toMatch(/^\d{8}\/us-gov-west-1\/securityhub\/aws4_request$/);
    expect(String(r.headers.authorization)).toMatch(/SignedHeaders=[^,]*host[^,]*x-amz-security-token/);
    expect(sent).toBe(expected);
  });

  it("PATCHes where the operation takes PATCH, signed for that method", async () => {
    // Prepare
    reply = json(200, { ProcessedFindings: [], UnprocessedFindings: [] });

    // Act
    const out = await client().patch("BatchUpdateFindings", "/findings/batchupdate", { Note: { Text: "t" } });

    // Assess
    expect(out).toEqual({ ProcessedFindings: [], UnprocessedFindings: [] });
    const [r] = received;
    if (!r) throw new Error("one request expected");
    expect(r).toMatchObject({
      method: "PATCH",
      path: "/findings/batchupdate",
      body: '{"Note":{"Text":"t"}}',
    });
    const { expected, sent } = signatureOf(r, CREDENTIALS.secretAccessKey);
    expect(sent).toBe(expected);
  });

  it("asks a credential provider for credentials", async () => {
    // Prepare
    const provider = vi.fn(async () => ({ accessKeyId: "AKIDROLE", secretAccessKey: "role-secret" }));

    // Act
    await client({ credentials: provider }).post("GetFindings", "/findings", {});

    // Assess
    expect(provider).toHaveBeenCalled();
    const [r] = received;
    if (!r) throw new Error("one request expected");
    expect(String(r.headers.authorization)).toContain("Credential=AKIDROLE/");
    expect(signatureOf(r, "role-secret").sent).toBe(signatureOf(r, "role-secret").expected);
  });

  it("retries throttling and server errors as one invocation, with the attempt numbered", async () => {
    // Prepare
    const answers = [
      json(400, { __type: "ThrottlingException", message: "slow down" }),
      json(500, { message: "oops" }, { "x-amzn-errortype": "InternalException" }),
      json(200, { SuccessCount: 1 }),
    ];
    reply = (req, res) => answers.shift()?.(req, res);

    // Act
    const out = await client().post("BatchImportFindings", "/findings/import", { Findings: [] });

    // Assess
    expect(out).toEqual({ SuccessCount: 1 });
    expect(received.map((r) => r.headers["amz-sdk-request"])).toEqual([
      "attempt=1; max=3",
      "attempt=2; max=3",
      "attempt=3; max=3",
    ]);
    expect(new Set(received.map((r) => r.headers["amz-sdk-invocation-id"])).size).toBe(1);
  });

  it("gives up after maxAttempts with the last error, named by service and operation", async () => {
    // Prepare
    reply = json(503, { Message: "busy" }, { "x-amzn-errortype": "ServiceUnavailableException:http://x/" });

    // Act
    const error = await client({ maxAttempts: 2 })
      .post("GetFindings", "/findings", {})
      .catch((e: unknown) => e);

    // Assess
    expect(received).toHaveLength(2);
    expect(error).toBeInstanceOf(AwsCallError);
    expect((error as Error).message).toBe(
      "SecurityHub GetFindings failed (ServiceUnavailableException): busy",
    );
  });

  it("reads the code from the body when there is no header, and does not retry a client error", async () => {
    // Prepare
    reply = json(400, { __type: "com.amazonaws.securityhub#InvalidInputException", message: "bad filter" });

    // Act
    const error = await client()
      .post("GetFindings", "/findings", {})
      .catch((e: unknown) => e);

    // Assess
    expect(received).toHaveLength(1);
    expect(error).toMatchObject({ code: "InvalidInputException", operation: "GetFindings" });
  });

  it("abandons an attempt after the timeout, and retries it", async () => {
    // Prepare: the server never answers
    reply = () => {};

    // Act
    const error = await client({ timeoutMs: 100, maxAttempts: 2 })
      .post("GetFindings", "/findings", {})
      .catch((e: unknown) => e);

    // Assess
    expect(received).toHaveLength(2);
    expect(error).toMatchObject({ code: "TimeoutError", retryable: true });
  });

  it("abandons an attempt whose body trickles after the timeout, and retries it", async () => {
    // Prepare: status and headers at once, then a byte a second, never the whole body
    reply = trickle;

    // Act
    const error = await client({ timeoutMs: 500, maxAttempts: 2, deadlineMs: 60_000 })
      .post("GetFindings", "/findings", {})
      .catch((e: unknown) => e);

    // Assess
    expect(received).toHaveLength(2);
    expect(error).toMatchObject({ code: "TimeoutError", retryable: true });
  });

  it.each([
    ["its body trickles", trickle],
    ["no answer ever starts", () => {}],
  ])("ends a call at its deadline, all attempts together, naming it, when %s", async (_, slow) => {
    // Prepare: each attempt alone would end in time, all of them (and their waits) not
    reply = slow;
    const start = performance.now();

    // Act
    const error = await client({ timeoutMs: 1_000, maxAttempts: 10, deadlineMs: 1_500 })
      .post("GetFindings", "/findings", {})
      .catch((e: unknown) => e);

    // Assess
    expect(performance.now() - start).toBeLessThan(1_500 + 5_000);
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({
      service: "SecurityHub",
      operation: "GetFindings",
      code: "CallTimeout",
      retryable: true,
      message: expect.stringContaining("1.5 s"),
    });
    // This call's attempts share its invocation id: a request of the case before, still arriving on a
    // loaded machine, is not one of them.
    const id = received.at(-1)?.headers["amz-sdk-invocation-id"];
    expect(received.filter((r) => r.headers["amz-sdk-invocation-id"] === id).length).toBeLessThanOrEqual(2);
  });

  it("names a refused connection by its network code", async () => {
    // Prepare: a port nothing listens on
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));

    // Act
    const error = await client({ endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1 })
      .post("GetFindings", "/findings", {})
      .catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ code: "ECONNREFUSED", service: "SecurityHub", retryable: true });
  });

  it("fails every call without a region, sending nothing", async () => {
    // Act
    const sh = client({ region: undefined });
    const error = await sh.post("GetFindings", "/findings", {}).catch((e: unknown) => e);

    // Assess
    expect(() => sh.region()).toThrow(ConfigError);
    expect(error).toMatchObject({ operation: "GetFindings", code: "ConfigError" });
    expect(received).toEqual([]);
  });
});

describe("SignedJsonClient.create", () => {
  /** The URL the created client calls, through a stubbed global fetch. */
  async function urlOf(options: { region?: string }, env: Record<string, string>): Promise<string> {
    const urls: string[] = [];
    vi.stubGlobal("fetch", async (input: string | URL) => {
      urls.push(String(input));
      return new Response("{}");
    });
    await SignedJsonClient.create(SERVICE, { ...options, credentials: CREDENTIALS }, env).post(
      "Op",
      "/findings",
      {},
    );
    return urls[0] ?? "";
  }

  it("calls the partition's endpoint for the region, from the options or AWS_REGION", async () => {
    expect(await urlOf({}, { AWS_REGION: "us-east-1" })).toBe(
      "https://securityhub.us-east-1.amazonaws.com/findings",
    );
    expect(await urlOf({ region: "cn-north-1" }, { AWS_REGION: "us-east-1" })).toBe(
      "https://securityhub.cn-north-1.amazonaws.com.cn/findings",
    );
  });

  it("takes AWS_ENDPOINT_URL_<SERVICE> before AWS_ENDPOINT_URL, unless configured endpoints are ignored", async () => {
    const env = { AWS_REGION: "us-east-1", AWS_ENDPOINT_URL: "http://moto:5000/" };
    expect(await urlOf({}, env)).toBe("http://moto:5000/findings");
    expect(await urlOf({}, { ...env, AWS_ENDPOINT_URL_SECURITYHUB: "http://hub:4566" })).toBe(
      "http://hub:4566/findings",
    );
    expect(await urlOf({}, { ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" })).toBe(
      "https://securityhub.us-east-1.amazonaws.com/findings",
    );
  });
});
