import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EnvironmentError } from "../../../cli/errors";
import { type CliServices, type Io, main } from "../../../cli/main";
import packageJson from "../../../package.json";
import { AwsCallError } from "../../../shared/errors";
import { Redacted } from "../../../shared/redacted";

const unused = async (): Promise<never> => {
  throw new Error("not expected to reach AWS");
};

/** Runs main with fake AWS services; keeps what it prints. */
async function run(argv: string[], services: Partial<CliServices> = {}, env: Io["env"] = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), env };
  const code = await main(argv, io, {
    sweepPorts: unused,
    secretValue: unused,
    ensureLedger: unused,
    ...services,
  });
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

describe("keyrotor main", () => {
  it("prints a command's help on stdout with exit code 0", async () => {
    // Act
    const { code, stdout, stderr } = await run(["plan", "--help"]);
    // Assess
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: keyrotor plan \[options\]/);
    expect(stderr).toBe("");
  });

  it("prints the version from package.json", async () => {
    // Act
    const { code, stdout } = await run(["--version"]);
    // Assess
    expect(code).toBe(0);
    expect(stdout).toBe(`keyrotor ${packageJson.version}`);
  });

  it("exits 2 on bad usage, naming the option, with the command's usage on stderr", async () => {
    // Act
    const { code, stdout, stderr } = await run(["run", "--verbos"]);
    // Assess
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/^keyrotor: unknown option --verbos for run\n\nUsage: keyrotor run \[options\]/);
  });

  it.each([
    [
      "no region",
      new EnvironmentError("no AWS region: pass --region, set AWS_REGION, or set region in the profile"),
    ],
    [
      "no credentials",
      new EnvironmentError("no AWS credentials: Could not load credentials from any providers"),
    ],
    [
      "expired credentials",
      new AwsCallError(
        "STS",
        "GetCallerIdentity",
        "ExpiredToken",
        "The security token included in the request is expired",
      ),
    ],
  ])("exits 2 when the environment has %s, saying so", async (_, failure) => {
    // Prepare
    const sweepPorts = async () => Promise.reject(failure);
    // Act
    const planned = await run(["plan"], { sweepPorts });
    const fetched = await run(["credential-process", "--secret-id", "s"], { secretValue: sweepPorts });
    // Assess
    for (const { code, stdout, stderr } of [planned, fetched]) {
      expect(code).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toContain(failure.message);
    }
  });

  it("exits 1 when AWS fails before the sweep starts", async () => {
    // Prepare
    const failure = new AwsCallError("Organizations", "ListAccounts", "ServiceUnavailable", "try later");
    // Act
    const { code, stderr } = await run(
      ["run", "--mode", "audit"],
      {
        sweepPorts: async () => Promise.reject(failure),
      },
      { KEYROTOR_SENDER_EMAIL: "k@example.com" },
    );
    // Assess
    expect(code).toBe(1);
    expect(stderr).toBe(`keyrotor: AwsCallError: ${failure.message}`);
  });

  it("validates the settings file as given before plan overrides its mode", async () => {
    // Prepare
    const path = join(mkdtempSync(join(tmpdir(), "keyrotor-main-")), "k.json");
    writeFileSync(path, JSON.stringify({ mode: "Enforce" }));
    // Act
    const { code, stderr } = await run(["plan", "--config", path]);
    // Assess
    expect(code).toBe(2);
    expect(stderr).toMatch(/mode: /);
    expect(stderr).toContain(path);
  });

  it("credential-process prints only the key JSON, with the profile and region it was given", async () => {
    // Prepare
    const asked: unknown[] = [];
    const secretValue: CliServices["secretValue"] = async (secretId, aws) => {
      asked.push({ secretId, profile: aws.profile, region: aws.region });
      return new Redacted(
        JSON.stringify({ AccessKeyId: "AKIAEXAMPLE", SecretAccessKey: "s3cret", UserName: "u" }),
      );
    };
    // Act
    const { code, stdout, stderr } = await run(
      ["credential-process", "--secret-id", "keyrotor/u", "--profile", "reader", "--region", "eu-west-1"],
      { secretValue },
    );
    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ Version: 1, AccessKeyId: "AKIAEXAMPLE", SecretAccessKey: "s3cret" });
    expect(stderr).toBe("");
    expect(asked).toEqual([{ secretId: "keyrotor/u", profile: "reader", region: "eu-west-1" }]);
  });

  it("credential-process exits 2 when the secret holds no keyrotor key, without printing it", async () => {
    // Prepare
    const secretValue = async () => new Redacted('{"password":"hunter2"}');
    // Act
    const { code, stdout, stderr } = await run(["credential-process", "--secret-id", "db"], { secretValue });
    // Assess
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/secret db has no AccessKeyId and SecretAccessKey/);
    expect(stderr).not.toContain("hunter2");
  });

  it("ledger init makes the table the settings name, or the one --ledger names", async () => {
    // Prepare
    const tables: string[] = [];
    const ensureLedger: CliServices["ensureLedger"] = async (table) => {
      tables.push(table);
      return tables.length === 1 ? "created" : "exists";
    };
    const env = { KEYROTOR_LEDGER_TABLE: "from-env" };
    // Act
    const first = await run(["ledger", "init"], { ensureLedger }, env);
    const second = await run(["ledger", "init", "--ledger", "named"], { ensureLedger }, env);
    // Assess
    expect(first).toEqual({ code: 0, stdout: "created the ledger table from-env", stderr: "" });
    expect(second).toEqual({ code: 0, stdout: "the ledger table named exists", stderr: "" });
  });

  it("credential-process started by itself stops at once with exit code 2", async () => {
    // Act
    const { code, stderr } = await run(
      ["credential-process", "--secret-id", "s"],
      {},
      {
        __KEYROTOR_RESOLVING_CREDENTIALS: "consumer",
      },
    );
    // Assess
    expect(code).toBe(2);
    expect(stderr).toMatch(/started by itself: profile "consumer"/);
  });

  describe("pull", () => {
    const VALUE = JSON.stringify({
      AccessKeyId: "AKIANEWKEY0000000001",
      SecretAccessKey: "s3cretKey",
      UserName: "u",
    });
    /** A HOME of its own: pull never writes the real ~/.aws of whoever runs the tests. */
    const homeEnv = () => ({ HOME: mkdtempSync(join(tmpdir(), "keyrotor-pull-")) });

    it("reads with --source-profile, else AWS_PROFILE, and the region given; prints the key id only", async () => {
      // Prepare
      const asked: unknown[] = [];
      const secretValue: CliServices["secretValue"] = async (secretId, aws) => {
        asked.push({ secretId, profile: aws.profile, region: aws.region });
        return new Redacted(VALUE);
      };
      const env = { ...homeEnv(), AWS_PROFILE: "admin" };
      // Act
      const named = await run(
        [
          "pull",
          "--secret-id",
          "keyrotor/u",
          "--profile",
          "u",
          "--source-profile",
          "reader",
          "--region",
          "eu-west-1",
        ],
        { secretValue },
        env,
      );
      const defaulted = await run(
        ["pull", "--secret-id", "keyrotor/u", "--profile", "u"],
        { secretValue },
        env,
      );
      // Assess
      expect(asked).toEqual([
        { secretId: "keyrotor/u", profile: "reader", region: "eu-west-1" },
        { secretId: "keyrotor/u", profile: "admin", region: undefined },
      ]);
      expect(named.code).toBe(0);
      expect(named.stdout).toMatch(/^profile u now holds key AKIANEWKEY0000000001 of secret keyrotor\/u in /);
      expect(defaulted.stdout).toMatch(/^profile u already holds key AKIANEWKEY0000000001/);
      expect(readFileSync(join(env.HOME, ".aws", "credentials"), "utf8")).toContain(
        "aws_secret_access_key = s3cretKey\n",
      );
      expect(`${named.stdout}${named.stderr}${defaulted.stdout}${defaulted.stderr}`).not.toContain(
        "s3cretKey",
      );
    });

    it("names --source-profile, not --profile, in what the secret reader tells the user to change", async () => {
      // Prepare
      const secretValue = async () =>
        Promise.reject(
          new EnvironmentError('profile "c" runs keyrotor credential-process ...: give --profile a profile'),
        );
      // Act
      const { code, stderr } = await run(
        ["pull", "--secret-id", "s", "--profile", "u"],
        { secretValue },
        homeEnv(),
      );
      // Assess
      expect(code).toBe(2);
      expect(stderr).toBe(
        'keyrotor: profile "c" runs keyrotor credential-process ...: give --source-profile a profile',
      );
    });

    it("refuses a profile with another credential source before asking AWS", async () => {
      // Prepare
      const env = homeEnv();
      mkdirSync(join(env.HOME, ".aws"));
      writeFileSync(join(env.HOME, ".aws", "config"), "[profile u]\ncredential_process = /bin/creds\n");
      // Act: secretValue is the unused one, which would fail with exit code 1.
      const { code, stderr } = await run(["pull", "--secret-id", "s", "--profile", "u"], {}, env);
      // Assess
      expect(code).toBe(2);
      expect(stderr).toMatch(/profile u has credential_process in .*\.aws\/config/);
    });

    it("exits 2 when the credentials file cannot be written", async () => {
      // Prepare: its directory would have to be made under a file.
      const env = homeEnv();
      writeFileSync(join(env.HOME, "plain-file"), "");
      const secretValue = async () => new Redacted(VALUE);
      // Act
      const { code, stdout, stderr } = await run(
        ["pull", "--secret-id", "s", "--profile", "u"],
        { secretValue },
        { ...env, AWS_SHARED_CREDENTIALS_FILE: join(env.HOME, "plain-file", "credentials") },
      );
      // Assess
      expect(code).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toMatch(/^keyrotor: cannot write .*plain-file\/credentials: E[A-Z]+: /);
      expect(stderr).not.toContain("s3cretKey");
    });
  });
});
