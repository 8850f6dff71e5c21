import { execFile } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { CreateAccessKeyCommand, CreateUserCommand } from "@aws-sdk/client-iam";
import { CreateSecretCommand, PutSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { runCaptured } from "../../cli/io";
import { adminClients } from "../../scripts/lib/emulator";
import { type Moto, startMoto } from "../../scripts/lib/moto";

/**
 * keyrotor pull against moto, in-process, each test in a HOME of its own: the key a keyrotor secret
 * holds lands in the credentials file, which the AWS CLI and the JavaScript SDK then read.
 */

const exec = promisify(execFile);
let moto: Moto;
let root: string;
const keys: { id: string; secret: string }[] = [];

/** A HOME of its own with optional AWS files, and the environment of a person whose keys are in AWS_*. */
function home(name: string, files: { credentials?: string; config?: string } = {}) {
  const dir = join(root, name);
  mkdirSync(dir);
  if (files.credentials !== undefined || files.config !== undefined) mkdirSync(join(dir, ".aws"));
  if (files.credentials !== undefined) writeFileSync(join(dir, ".aws", "credentials"), files.credentials);
  if (files.config !== undefined) writeFileSync(join(dir, ".aws", "config"), files.config);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: dir,
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
  };
  return { dir, credentials: join(dir, ".aws", "credentials"), env };
}

const pull = (env: Record<string, string>, ...args: string[]) => runCaptured(["pull", ...args], env);

/** Neither secret access key of the user ever reaches the output. */
function expectNoSecret(result: { stdout: string; stderr: string }) {
  for (const { secret } of keys) {
    expect(result.stdout).not.toContain(secret);
    expect(result.stderr).not.toContain(secret);
  }
}

/** A new key for user app, stored in its keyrotor secret as keyrotor stores it. */
async function rotate(): Promise<{ id: string; secret: string }> {
  const { iam, secrets } = adminClients();
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: "app" }))).AccessKey;
  const made = { id: key?.AccessKeyId ?? "", secret: key?.SecretAccessKey ?? "" };
  const SecretString = JSON.stringify({
    AccessKeyId: made.id,
    SecretAccessKey: made.secret,
    UserName: "app",
  });
  if (keys.length === 0) await secrets.send(new CreateSecretCommand({ Name: "keyrotor/app", SecretString }));
  else await secrets.send(new PutSecretValueCommand({ SecretId: "keyrotor/app", SecretString }));
  keys.push(made);
  return made;
}

beforeAll(async () => {
  moto = await startMoto();
  root = mkdtempSync(join(tmpdir(), "keyrotor-pull-"));
  vi.stubEnv("AWS_ENDPOINT_URL", moto.endpoint);
  const { iam, secrets } = adminClients();
  await iam.send(new CreateUserCommand({ UserName: "app" }));
  await rotate();
  await secrets.send(new CreateSecretCommand({ Name: "db", SecretString: '{"password":"hunter2"}' }));
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.stubEnv("AWS_ENDPOINT_URL", moto.endpoint);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await moto?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("keyrotor pull", () => {
  it("writes the secret's key into a new credentials file, mode 0600, in a new ~/.aws, mode 0700", async () => {
    // Prepare
    const { dir, credentials, env } = home("fresh");
    const key = keys.at(-1);
    // Act
    const result = await pull(env, "--secret-id", "keyrotor/app", "--profile", "app");
    // Assess
    expect(result).toEqual({
      code: 0,
      stdout: `profile app now holds key ${key?.id} of secret keyrotor/app in ${credentials} (a new file)`,
      stderr: "",
    });
    expect(readFileSync(credentials, "utf8")).toBe(
      `[app]\naws_access_key_id = ${key?.id}\naws_secret_access_key = ${key?.secret}\n`,
    );
    expect(statSync(credentials).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, ".aws")).mode & 0o777).toBe(0o700);
    // The JavaScript SDK reads it as profile app: moto names the key's user.
    vi.stubEnv("AWS_SHARED_CREDENTIALS_FILE", credentials);
    vi.stubEnv("AWS_CONFIG_FILE", join(dir, "no-config"));
    const sts = new STSClient({ profile: "app", region: "us-east-1" });
    expect((await sts.send(new GetCallerIdentityCommand({}))).Arn).toMatch(/:user\/app$/);
  });

  it("writes nothing the second time: the file keeps its inode and modification time", async () => {
    // Prepare
    const { credentials, env } = home("again");
    await pull(env, "--secret-id", "keyrotor/app", "--profile", "app");
    const before = statSync(credentials);
    // Act
    const result = await pull(env, "--secret-id", "keyrotor/app", "--profile", "app");
    // Assess
    expect(result).toEqual({
      code: 0,
      stdout: `profile app already holds key ${keys.at(-1)?.id} of secret keyrotor/app in ${credentials}`,
      stderr: "",
    });
    const after = statSync(credentials);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  });

  it("replaces the profile's key after a rotation, keeping every other line; the AWS CLI signs in as the user", async () => {
    // Prepare: the reader's own keys are in the same file, read with --source-profile.
    const old = keys.at(-1);
    const others =
      "# keys of this laptop\n[reader]\naws_access_key_id = testing\naws_secret_access_key = testing\n\n";
    const tail = "\n; old sandbox\n[sandbox]\naws_access_key_id=AKIASANDBOX\naws_secret_access_key=x\n";
    const { dir, credentials, env } = home("rotated", {
      credentials: `${others}[app]\naws_access_key_id = ${old?.id}\naws_secret_access_key = ${old?.secret}\naws_session_token = stale\nregion = eu-west-1\n${tail}`,
      config: "[profile reader]\nregion = us-east-1\n",
    });
    const { AWS_ACCESS_KEY_ID: _, AWS_SECRET_ACCESS_KEY: __, ...withoutKeys } = env;
    const files = { AWS_SHARED_CREDENTIALS_FILE: credentials, AWS_CONFIG_FILE: join(dir, ".aws", "config") };
    for (const [name, value] of Object.entries(files)) vi.stubEnv(name, value);
    const key = await rotate();
    // Act
    const result = await pull(
      { ...withoutKeys, ...files },
      "--secret-id",
      "keyrotor/app",
      "--profile",
      "app",
      "--source-profile",
      "reader",
    );
    // Assess
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe(
      `profile app now holds key ${key.id} of secret keyrotor/app in ${credentials} ` +
        `(was ${old?.id}; aws_session_token removed)`,
    );
    expect(readFileSync(credentials, "utf8")).toBe(
      `${others}[app]\naws_access_key_id = ${key.id}\naws_secret_access_key = ${key.secret}\nregion = eu-west-1\n${tail}`,
    );
    const cli = await exec("aws", ["sts", "get-caller-identity", "--profile", "app", "--output", "json"], {
      env: { ...withoutKeys, ...files },
    });
    expect(JSON.parse(cli.stdout).Arn).toMatch(/:user\/app$/);
    expectNoSecret(result);
  });

  it("reads the secret with AWS_PROFILE when no --source-profile is given", async () => {
    // Prepare: a profile AWS_PROFILE names, which must be found for the pull to succeed.
    const { dir, credentials, env } = home("aws-profile", {
      credentials: "[reader]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
    });
    const files = { AWS_SHARED_CREDENTIALS_FILE: credentials, AWS_CONFIG_FILE: join(dir, "no-config") };
    for (const [name, value] of Object.entries(files)) vi.stubEnv(name, value);
    // Act
    const named = await pull(
      { ...env, ...files, AWS_PROFILE: "reader" },
      "--secret-id",
      "keyrotor/app",
      "--profile",
      "app",
    );
    const missing = await pull(
      { ...env, ...files, AWS_PROFILE: "nobody" },
      "--secret-id",
      "keyrotor/app",
      "--profile",
      "app",
    );
    // Assess
    expect(named.code).toBe(0);
    expect(readFileSync(credentials, "utf8")).toContain(`[app]\naws_access_key_id = ${keys.at(-1)?.id}\n`);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /profile "nobody" is in neither the AWS config file nor the credentials file/,
    );
  });

  it("writes through a symbolic link to the file it points at", async () => {
    // Prepare
    const { dir, credentials, env } = home("linked");
    const real = join(dir, "dotfiles-credentials");
    writeFileSync(real, "[default]\nregion = x\n");
    mkdirSync(join(dir, ".aws"));
    symlinkSync(real, credentials);
    // Act
    const result = await pull(env, "--secret-id", "keyrotor/app", "--profile", "app");
    // Assess
    expect(result.code).toBe(0);
    expect(statSync(credentials).isFile()).toBe(true);
    expect(readFileSync(real, "utf8")).toMatch(/^\[default\]\nregion = x\n\n\[app\]\naws_access_key_id = /);
    expect(statSync(real).mode & 0o777).toBe(0o600);
  });
});

describe("keyrotor pull refuses, with exit code 2, writing nothing", () => {
  it.each([
    [["--secret-id", "keyrotor/nobody"], /cannot read secret keyrotor\/nobody: .*ResourceNotFoundException/],
    [["--secret-id", "db"], /secret db has no AccessKeyId and SecretAccessKey/],
  ])("a secret %j that is missing or not a keyrotor key, naming it", async (args, message) => {
    // Prepare
    const { credentials, env } = home(`bad-secret-${args[1]?.replace("/", "-")}`);
    // Act
    const result = await pull(env, ...args, "--profile", "app");
    // Assess
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toContain("hunter2");
    expect(existsSync(credentials)).toBe(false);
  });

  it.each([
    [
      "credentials",
      "[app]\ncredential_process = /usr/local/bin/vault-creds --token s3cr3t\n",
      "credential_process",
    ],
    [
      "config",
      "[profile app]\nrole_arn = arn:aws:iam::123456789012:role/deploy\nsource_profile = reader\n",
      "role_arn",
    ],
    ["config", "[profile app]\nsso_session = corp\n", "sso_session"],
  ])("a profile that gets its credentials otherwise (%s file: %s)", async (file, text, setting) => {
    // Prepare
    const { dir, credentials, env } = home(`other-source-${setting}`, { [file]: text });
    // Act
    const result = await pull(env, "--secret-id", "keyrotor/app", "--profile", "app");
    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`profile app has ${setting} in ${join(dir, ".aws", file)}`);
    expect(result.stderr).not.toContain("s3cr3t");
    expect(existsSync(credentials) ? readFileSync(credentials, "utf8") : "").toBe(
      file === "credentials" ? text : "",
    );
  });

  it("--profile written as the config file names it", async () => {
    // Prepare
    const { credentials, env } = home("prefixed");
    // Act
    const result = await pull(env, "--secret-id", "keyrotor/app", "--profile", "profile app");
    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^keyrotor: the credentials file names profiles bare: --profile app, not "profile app"/,
    );
    expect(existsSync(credentials)).toBe(false);
  });
});

describe("keyrotor's help", () => {
  it("lists pull, and pull's help names its options and the file it writes", async () => {
    // Act
    const overall = await runCaptured(["--help"], {});
    const own = await runCaptured(["pull", "--help"], {});
    // Assess
    expect(overall.stdout).toMatch(
      /^ {2}pull +Write a keyrotor secret.s current key into a profile of the AWS credentials file\.$/m,
    );
    expect(own.stdout).toMatch(/^Usage: keyrotor pull --secret-id ID --profile NAME \[options\]$/m);
    expect(own.stdout).toMatch(/--source-profile NAME +AWS profile whose credentials read the secret/);
    expect(own.stdout).toMatch(/AWS_SHARED_CREDENTIALS_FILE, else ~\/\.aws\/credentials/);
  });
});
