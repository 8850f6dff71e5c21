import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { StsKeyVerifier } from "../../../shared/aws/key-verifier";
import { AwsCallError } from "../../../shared/errors";
import { Redacted } from "../../../shared/redacted";

/**
 * The verifier against a local STS that leaves its first answers unsent: the SDK's per-attempt
 * timeout ends each of them (`TimeoutError`, code `ETIMEDOUT`), and only a later attempt is answered.
 */

const USER_ARN = "arn:aws:iam::123456789012:user/app";
const IDENTITY = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult><Arn>${USER_ARN}</Arn><UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account></GetCallerIdentityResult>
  <ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>`;

let server: Server | undefined;
afterEach(async () => {
  delete process.env.AWS_ENDPOINT_URL_STS;
  const open = server;
  server = undefined;
  if (!open) return;
  open.closeAllConnections();
  await new Promise((resolve) => open.close(resolve));
});

/** An STS endpoint that never answers the first `silent` requests and answers the rest. */
async function stsSilentFor(silent: number): Promise<{ endpoint: string; requests: () => number }> {
  let requests = 0;
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests++;
    req.resume();
    if (requests <= silent) return;
    res.writeHead(200, { "content-type": "text/xml", date: STS_DATE }).end(IDENTITY);
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, requests: () => requests };
}

/** STS's clock, a day behind keyrotor's: the verification is dated by it, as IAM dates the use. */
const STS_DATE = new Date(Date.now() - 86_400_000).toUTCString();

const key = { id: "AKIANEWKEY", createdAt: new Date(), secretAccessKey: new Redacted("new-secret") };

describe("StsKeyVerifier", () => {
  it("asks again after an attempt that timed out, and accepts the key STS then names", async () => {
    // Prepare
    const sts = await stsSilentFor(1);
    process.env.AWS_ENDPOINT_URL_STS = sts.endpoint;
    const verifier = new StsKeyVerifier({ region: "eu-west-1", timeoutSeconds: 1 }, [0, 0], async () => {});

    // Act
    const verified = verifier.verify(key, USER_ARN);

    // Assess: when STS answered (its Date, not keyrotor's clock) and where, for the ledger.
    await expect(verified).resolves.toEqual({ at: new Date(STS_DATE), region: "eu-west-1" });
    expect(sts.requests()).toBe(2);
  }, 20_000);

  it("fails, naming the timeout, when STS never answers any attempt", async () => {
    // Prepare
    const sts = await stsSilentFor(Number.POSITIVE_INFINITY);
    process.env.AWS_ENDPOINT_URL_STS = sts.endpoint;
    const verifier = new StsKeyVerifier({ region: "us-east-1", timeoutSeconds: 1 }, [0], async () => {});

    // Act
    const verified = verifier.verify(key, USER_ARN);

    // Assess
    await expect(verified).rejects.toMatchObject({
      name: "KeyVerificationError",
      message: expect.stringContaining("ETIMEDOUT"),
    });
    expect(sts.requests()).toBe(2);
  }, 20_000);
});

describe("AwsCallError.retryable", () => {
  it.each(["ETIMEDOUT", "TimeoutError", "ECONNRESET", "EPIPE", "ThrottlingException", "CallTimeout"])(
    "is true of %s, a failure that says nothing of the request",
    (code) => {
      expect(new AwsCallError("STS", "GetCallerIdentity", code, "m").retryable).toBe(true);
    },
  );

  it.each(["AccessDenied", "NoSuchEntity", "ValidationError", "InvalidClientTokenId"])(
    "is false of %s",
    (code) => {
      expect(new AwsCallError("IAM", "CreateAccessKey", code, "m").retryable).toBe(false);
    },
  );
});
