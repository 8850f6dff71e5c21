import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The built command's quick path against a local Secrets Manager that checks every signature with
// the SDK's own signer (moto checks none): static keys in the environment, one signed GetSecretValue,
// no SDK loaded; its answers (a secret, none, a server fault) reported as the SDK path reports them.

const exec = promisify(execFile);
const BIN = join(import.meta.dirname, "..", "..", "bin", "keyrotor.mjs");
const KEYS = { id: "AKIAQUICKQUICKQUICK1", secret: "quick-secret-access-key" };
const STORED = { AccessKeyId: "AKIASTOREDSTOREDSTO1", SecretAccessKey: "s".repeat(40), UserName: "app" };

let server: Server;
let endpoint: string;
const seen: { headers: IncomingHttpHeaders; secretId: string; valid: boolean }[] = [];
const flaky = { failuresLeft: 0 };

async function validSignature(headers: IncomingHttpHeaders, body: string, port: number): Promise<boolean> {
  const signer = new SignatureV4({
    service: "secretsmanager",
    region: "us-east-1",
    credentials: { accessKeyId: KEYS.id, secretAccessKey: KEYS.secret },
    sha256: Sha256,
    applyChecksum: false,
  });
  const amzDate = String(headers["x-amz-date"]);
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const signed = await signer.sign(
    {
      method: "POST",
      protocol: "http:",
      hostname: "127.0.0.1",
      port,
      path: "/",
      query: {},
      headers: {
        host: String(headers.host),
        "content-type": String(headers["content-type"]),
        "x-amz-target": String(headers["x-amz-target"]),
      },
      body,
    },
    { signingDate },
  );
  return signed.headers.authorization === headers.authorization;
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const secretId = (JSON.parse(body) as { SecretId: string }).SecretId;
      const valid = await validSignature(req.headers, body, (server.address() as AddressInfo).port);
      seen.push({ headers: req.headers, secretId, valid });
      const answer = (status: number, json: unknown) => {
        res.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
        res.end(JSON.stringify(json));
      };
      if (!valid) return answer(400, { __type: "InvalidSignatureException", message: "signature mismatch" });
      if (secretId === "keyrotor/flaky" && flaky.failuresLeft-- > 0) {
        return answer(500, { __type: "InternalServiceError", message: "try again" });
      }
      if (secretId === "keyrotor/app" || secretId === "keyrotor/flaky") {
        return answer(200, { Name: secretId, SecretString: JSON.stringify(STORED) });
      }
      answer(400, {
        __type: "com.amazonaws.secretsmanager#ResourceNotFoundException",
        message: "Secrets Manager can't find the specified secret.",
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const credentialProcess = (secretId: string) =>
  exec(process.execPath, [BIN, "credential-process", "--secret-id", secretId], {
    env: {
      PATH: process.env.PATH,
      HOME: mkdtempSync(join(tmpdir(), "keyrotor-quick-home-")),
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: KEYS.id,
      AWS_SECRET_ACCESS_KEY: KEYS.secret,
    },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );

describe("credential-process with static keys: one signed call, no SDK", () => {
  it("prints the stored key from one GetSecretValue whose signature the SDK's signer accepts", async () => {
    // Prepare
    seen.length = 0;
    // Act
    const { code, stdout, stderr } = await credentialProcess("keyrotor/app");

    // Assess
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(JSON.parse(stdout)).toEqual({
      Version: 1,
      AccessKeyId: STORED.AccessKeyId,
      SecretAccessKey: STORED.SecretAccessKey,
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ secretId: "keyrotor/app", valid: true });
    expect(seen[0]?.headers["x-amz-target"]).toBe("secretsmanager.GetSecretValue");
    // The SDK marks each of its requests; the quick path sends none of its headers.
    expect(seen[0]?.headers).not.toHaveProperty("amz-sdk-invocation-id");
  });

  it("a secret that is not there: exit 2 and the same words as the SDK path", async () => {
    // Act
    const { code, stdout, stderr } = await credentialProcess("keyrotor/nobody");

    // Assess
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr.trim()).toBe(
      "keyrotor: cannot read secret keyrotor/nobody: SecretsManager GetSecretValue failed (ResourceNotFoundException): Secrets Manager can't find the specified secret.",
    );
  });

  it("a server fault is retried: two 500s, then the key", async () => {
    // Prepare
    seen.length = 0;
    flaky.failuresLeft = 2;
    // Act
    const { code, stdout } = await credentialProcess("keyrotor/flaky");

    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(stdout).AccessKeyId).toBe(STORED.AccessKeyId);
    expect(seen.map((s) => s.valid)).toEqual([true, true, true]);
  });

  it("three server faults in a row: exit 1 naming the service, the call and the fault, no key printed", async () => {
    // Prepare
    flaky.failuresLeft = 3;
    // Act
    const { code, stdout, stderr } = await credentialProcess("keyrotor/flaky");

    // Assess
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain("SecretsManager GetSecretValue failed (InternalServiceError): try again");
  });
});
