import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CreateAccessKeyCommand, CreateUserCommand } from "@aws-sdk/client-iam";
import { CreateSecretCommand } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { adminClients } from "../../scripts/lib/emulator";
import { type Moto, startMoto } from "../../scripts/lib/moto";

/**
 * keyrotor as the AWS CLI runs it: a profile whose credential_process is keyrotor credential-process,
 * selected with AWS_PROFILE, in a HOME of its own. Every command runs in a process group of its own
 * that is killed after a deadline, so a credential process that starts itself again fails the test
 * instead of hanging it (or leaving a growing chain of processes behind).
 */

const BIN = resolve("bin/keyrotor.mjs");
const keyrotorCommand = (extra = "") =>
  `${process.execPath} ${BIN} credential-process --secret-id keyrotor/app${extra}`;

let moto: Moto;
let home: string;
let appKeyId: string;

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

function runBounded(command: string, args: string[], env: Record<string, string>, deadlineMs: number) {
  return new Promise<Finished>((done) => {
    const started = Date.now();
    const child = spawn(command, args, { env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-(child.pid ?? 0), "SIGKILL");
      } catch {
        // the group is already gone
      }
    }, deadlineMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr, ms: Date.now() - started, timedOut });
    });
  });
}

/** A HOME holding `config` and `credentials` files, and an environment that points at it only. */
function awsHome(name: string, files: { config?: string; credentials?: string }) {
  const dir = join(home, name);
  mkdirSync(join(dir, ".aws"), { recursive: true });
  if (files.config !== undefined) writeFileSync(join(dir, ".aws", "config"), files.config);
  if (files.credentials !== undefined) writeFileSync(join(dir, ".aws", "credentials"), files.credentials);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: dir,
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
  return env;
}

const STATIC_DEFAULT = "[default]\naws_access_key_id = testing\naws_secret_access_key = testing\n";

beforeAll(async () => {
  moto = await startMoto();
  home = mkdtempSync(join(tmpdir(), "keyrotor-aws-home-"));
  vi.stubEnv("AWS_ENDPOINT_URL", moto.endpoint);
  // A user of moto's default account whose current key a keyrotor secret holds.
  const { iam, secrets } = adminClients();
  await iam.send(new CreateUserCommand({ UserName: "app" }));
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: "app" }))).AccessKey;
  appKeyId = key?.AccessKeyId ?? "";
  await secrets.send(
    new CreateSecretCommand({
      Name: "keyrotor/app",
      SecretString: JSON.stringify({
        AccessKeyId: key?.AccessKeyId,
        SecretAccessKey: key?.SecretAccessKey,
        UserName: "app",
      }),
    }),
  );
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await moto?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe("a profile whose credential_process is keyrotor, selected with AWS_PROFILE", () => {
  it("gives the AWS CLI the secret's key, without keyrotor resolving that profile again", async () => {
    // Prepare
    const env = awsHome("consumer", {
      config: `[default]\nregion = us-east-1\n\n[profile consumer]\nregion = us-east-1\ncredential_process = ${keyrotorCommand()}\n`,
      credentials: STATIC_DEFAULT,
    });
    // Act
    const result = await runBounded(
      "aws",
      ["sts", "get-caller-identity", "--output", "json"],
      { ...env, AWS_PROFILE: "consumer" },
      30_000,
    );
    // Assess
    expect(result.timedOut, `timed out; stderr: ${result.stderr.slice(-2000)}`).toBe(false);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).Arn).toMatch(/:user\/app$/);
  });

  it("uses the profile named by --profile for its own credentials", async () => {
    // Prepare: no default profile at all; keyrotor reads the secret as "reader".
    const env = awsHome("named", {
      config: `[profile reader]\nregion = us-east-1\n\n[profile consumer]\nregion = us-east-1\ncredential_process = ${keyrotorCommand(" --profile reader")}\n`,
      credentials: "[reader]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
    });
    // Act
    const result = await runBounded(
      "aws",
      ["iam", "list-access-keys", "--output", "json"],
      { ...env, AWS_PROFILE: "consumer" },
      30_000,
    );
    // Assess
    expect(result.timedOut, `timed out; stderr: ${result.stderr.slice(-2000)}`).toBe(false);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).AccessKeyMetadata).toMatchObject([
      { UserName: "app", AccessKeyId: appKeyId },
    ]);
  });

  it("refuses --profile naming a profile that runs keyrotor again, at once and with exit code 2", async () => {
    // Prepare
    const env = awsHome("loop", {
      config: `[profile consumer]\nregion = us-east-1\ncredential_process = ${keyrotorCommand(" --profile consumer")}\n`,
    });
    // Act
    const direct = await runBounded(
      process.execPath,
      [BIN, "credential-process", "--secret-id", "keyrotor/app", "--profile", "consumer"],
      env,
      10_000,
    );
    const throughAws = await runBounded(
      "aws",
      ["sts", "get-caller-identity"],
      { ...env, AWS_PROFILE: "consumer" },
      30_000,
    );
    // Assess
    expect(direct.timedOut).toBe(false);
    expect(direct.code).toBe(2);
    expect(direct.stdout).toBe("");
    expect(direct.stderr).toMatch(
      /profile "consumer" runs keyrotor credential-process .* start itself again/,
    );
    expect(direct.stderr).not.toContain("--secret-id");
    expect(direct.ms).toBeLessThan(1_000);
    expect(throughAws.timedOut, `timed out; stderr: ${throughAws.stderr.slice(-2000)}`).toBe(false);
    expect(throughAws.code).not.toBe(0);
    expect(throughAws.stderr).toMatch(/keyrotor/);
  });
});

describe("credential-process without what it needs fails fast with exit code 2", () => {
  it("says so when there are no credentials at all", async () => {
    // Prepare
    const env = awsHome("empty", {});
    // Act
    const result = await runBounded(
      process.execPath,
      [BIN, "credential-process", "--secret-id", "keyrotor/app", "--region", "us-east-1"],
      env,
      10_000,
    );
    // Assess
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/no AWS credentials/);
    expect(result.ms).toBeLessThan(1_000);
  });

  it("says so when there is no region", async () => {
    // Prepare
    const env = awsHome("no-region", { credentials: STATIC_DEFAULT });
    // Act
    const result = await runBounded(
      process.execPath,
      [BIN, "credential-process", "--secret-id", "keyrotor/app"],
      env,
      10_000,
    );
    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no AWS region/);
    expect(result.ms).toBeLessThan(1_000);
  });

  it("exits 2 naming the secret when it does not exist", async () => {
    // Prepare
    const env = awsHome("missing-secret", { credentials: STATIC_DEFAULT });
    // Act
    const result = await runBounded(
      process.execPath,
      [BIN, "credential-process", "--secret-id", "keyrotor/nobody", "--region", "us-east-1"],
      env,
      10_000,
    );
    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/keyrotor\/nobody/);
    expect(result.stderr).toMatch(/ResourceNotFoundException/);
  });
});
