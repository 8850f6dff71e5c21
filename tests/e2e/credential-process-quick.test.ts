import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
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

const credentialProcess = (
  secretId: string,
  { node = [], bin = BIN, args = [] }: { node?: string[]; bin?: string; args?: string[] } = {},
) =>
  exec(process.execPath, [...node, bin, "credential-process", "--secret-id", secretId, ...args], {
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

describe("credential-process with static keys: its own small entry", () => {
  /** bin/keyrotor.mjs and the quick entry as built, beside a full command that only says it ran. */
  function withoutFullCommand(): string {
    const root = mkdtempSync(join(tmpdir(), "keyrotor-quick-bin-"));
    const built = join(import.meta.dirname, "..", "..", "dist", "cli");
    mkdirSync(join(root, "bin"));
    mkdirSync(join(root, "dist", "cli"), { recursive: true });
    copyFileSync(BIN, join(root, "bin", "keyrotor.mjs"));
    copyFileSync(join(built, "credential-process.mjs"), join(root, "dist", "cli", "credential-process.mjs"));
    writeFileSync(
      join(root, "dist", "cli", "keyrotor.mjs"),
      'export async function runAsProcess(argv) { process.stderr.write("full command: " + argv.join(" ")); process.exitCode = 9; }\n',
    );
    return join(root, "bin", "keyrotor.mjs");
  }

  it("answers without loading the full command, which still takes every other line", async () => {
    // Prepare
    const bin = withoutFullCommand();
    // Act
    const quick = await credentialProcess("keyrotor/app", { bin });
    const help = await credentialProcess("keyrotor/app", { bin, args: ["--help"] });

    // Assess
    expect({ code: quick.code, stderr: quick.stderr }).toEqual({ code: 0, stderr: "" });
    expect(JSON.parse(quick.stdout).AccessKeyId).toBe(STORED.AccessKeyId);
    expect(help).toMatchObject({
      code: 9,
      stderr: "full command: credential-process --secret-id keyrotor/app --help",
    });
  });

  it("a failure on the quick path is reported by it, in the same words, without the full command", async () => {
    // Prepare
    const bin = withoutFullCommand();
    // Act
    const { code, stdout, stderr } = await credentialProcess("keyrotor/nobody", { bin });

    // Assess
    expect({ code, stdout }).toEqual({ code: 2, stdout: "" });
    expect(stderr.trim()).toBe(
      "keyrotor: cannot read secret keyrotor/nobody: SecretsManager GetSecretValue failed (ResourceNotFoundException): Secrets Manager can't find the specified secret.",
    );
  });

  it("an http endpoint loads neither TLS nor https", async () => {
    // Prepare: a module loaded first that tells, as the process ends, which of them Node loaded
    const probe =
      "data:text/javascript,process.on('exit',()=>process.stderr.write(JSON.stringify(" +
      "process.moduleLoadList.filter((m)=>/^NativeModule (https|tls|_tls_wrap)$/.test(m)))))";
    // Act
    const { code, stderr } = await credentialProcess("keyrotor/app", { node: ["--import", probe] });

    // Assess
    expect({ code, stderr }).toEqual({ code: 0, stderr: "[]" });
  });
});
