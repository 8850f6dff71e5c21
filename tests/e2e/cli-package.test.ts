import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { CreateSecretCommand } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { adminClients } from "../../scripts/lib/emulator";
import { type Moto, startMoto } from "../../scripts/lib/moto";

/**
 * keyrotor as a production install has it: the package's files (package.json "files": bin/ and the
 * built dist/cli/) and its lock file, installed with `npm ci --omit=dev` (its prepare script
 * included) in a directory of their own, far from this checkout's node_modules and sources.
 */

const exec = promisify(execFile);
const manifest = JSON.parse(readFileSync("package.json", "utf8")) as {
  version: string;
  files: string[];
  engines: { node: string };
};
let moto: Moto;
let dir: string;
let installed: string;

/** Runs the installed command with only the given environment. */
const keyrotor = (args: string[], env: Record<string, string> = {}) =>
  exec(process.execPath, [join(installed, "bin", "keyrotor.mjs"), ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", HOME: join(dir, "home"), ...env },
    timeout: 10_000,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (failure: { code: number; stdout: string; stderr: string }) => failure,
  );

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "keyrotor-package-"));
  installed = join(dir, "keyrotor");
  mkdirSync(join(dir, "home"));
  const motoStarted = startMoto();
  // The package's files: bin/ from this checkout, dist/cli/ built for it here.
  await exec(process.execPath, ["bin/build-cli.mjs", "--outdir", join(installed, "dist", "cli")]);
  for (const entry of manifest.files.filter((f) => !f.startsWith("dist/"))) {
    cpSync(entry, join(installed, entry), { recursive: true });
  }
  for (const file of ["package.json", "package-lock.json"]) cpSync(file, join(installed, file));
  await exec("npm", ["ci", "--omit=dev", "--no-audit", "--no-fund", "--prefer-offline"], {
    cwd: installed,
    timeout: 240_000,
  });
  moto = await motoStarted;
}, 300_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("keyrotor installed with production dependencies only", () => {
  it("has neither tsx nor esbuild, and ships only built JavaScript", async () => {
    // Act
    const { stdout } = await exec("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
      cwd: installed,
    });
    const packed = (JSON.parse(stdout) as { files: { path: string }[] }[])[0]?.files.map((f) => f.path);
    // Assess
    expect(existsSync(join(installed, "node_modules", "tsx"))).toBe(false);
    expect(existsSync(join(installed, "node_modules", "esbuild"))).toBe(false);
    expect(packed).toContain("bin/keyrotor.mjs");
    expect(packed).toContain("dist/cli/keyrotor.mjs");
    expect(packed?.filter((p) => p.endsWith(".ts"))).toEqual([]);
  });

  it("prints its help and version", async () => {
    // Act
    const help = await keyrotor(["--help"]);
    const planHelp = await keyrotor(["plan", "--help"]);
    const version = await keyrotor(["--version"]);
    // Assess
    expect(help.stdout).toMatch(/^Usage: keyrotor <command> \[options\]/);
    expect(help.stderr).toBe("");
    expect(planHelp.stdout).toMatch(/^Usage: keyrotor plan \[options\]/);
    expect(version.stdout.trim()).toBe(`keyrotor ${manifest.version}`);
  });

  it("runs on this Node, which package.json's engines admit", () => {
    const [major] = process.versions.node.split(".").map(Number);
    const least = Number(/^>=(\d+)/.exec(manifest.engines.node)?.[1]);
    expect(major).toBeGreaterThanOrEqual(least);
    expect(least).toBe(20);
  });

  it("prints a secret's key as credential_process JSON, reading it from moto", async () => {
    // Prepare
    vi.stubEnv("AWS_ENDPOINT_URL", moto.endpoint);
    const value = {
      AccessKeyId: "AKIAPACKAGETEST00001",
      SecretAccessKey: "package-test-secret",
      UserName: "app",
    };
    await adminClients().secrets.send(
      new CreateSecretCommand({ Name: "keyrotor/app", SecretString: JSON.stringify(value) }),
    );
    // Act
    const result = await keyrotor(["credential-process", "--secret-id", "keyrotor/app"], {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
    });
    // Assess
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual({
      Version: 1,
      AccessKeyId: value.AccessKeyId,
      SecretAccessKey: value.SecretAccessKey,
    });
  });

  it("exits 2 at once without credentials", async () => {
    // Act
    const started = Date.now();
    const result = await keyrotor(["credential-process", "--secret-id", "keyrotor/app"], {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: "us-east-1",
      AWS_EC2_METADATA_DISABLED: "true",
    });
    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^keyrotor: no AWS credentials/);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
