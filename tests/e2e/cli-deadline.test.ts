import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runCaptured } from "../../cli/io";
import { startTrickleServer, type TrickleMode, type TrickleServer } from "../support/trickle-server";

/**
 * The keyrotor command against an endpoint that never finishes an answer: it must fail and exit, not
 * wait forever. Run in-process (its entry function) and as the built bundle in a process of its own,
 * which exits only when nothing is left running.
 */

const exec = promisify(execFile);
const DEADLINE_SECONDS = 2;
/** Allowance for a loaded machine (and, for the bundle, Node's start): the bound, not a speed test. */
const SLACK_MS = 5_000;

type Exit = { code: number; killed: boolean; stderr: string };

/** Runs the bundle in a process of its own; one still running after 25 s is killed. */
const runBundle = (args: string[], env: Record<string, string | undefined>): Promise<Exit> =>
  exec(process.execPath, [runner, ...args], { env, timeout: 25_000 }).then(
    () => ({ code: 0, killed: false, stderr: "" }),
    (e: Exit) => e,
  );

let dir: string;
let runner: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "keyrotor-deadline-"));
  await exec(process.execPath, ["bin/build-cli.mjs", "--outdir", join(dir, "cli")]);
  // What bin/keyrotor.mjs does with the bundle, minus its check for a stale build of the checkout.
  runner = join(dir, "keyrotor.mjs");
  writeFileSync(
    runner,
    'import { runAsProcess } from "./cli/keyrotor.mjs";\nawait runAsProcess(process.argv.slice(2));\n',
  );
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each<TrickleMode>(["body", "headers"])(
  "keyrotor plan against an endpoint that trickles (%s)",
  (mode) => {
    let server: TrickleServer;
    let env: Record<string, string | undefined>;

    beforeAll(async () => {
      server = await startTrickleServer(mode);
      env = {
        PATH: process.env.PATH,
        HOME: dir,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        AWS_ENDPOINT_URL: server.endpoint,
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: "testing",
        AWS_SECRET_ACCESS_KEY: "testing",
        KEYROTOR_AWS_TIMEOUT_SECONDS: "1",
        KEYROTOR_AWS_MAX_ATTEMPTS: "3",
        KEYROTOR_AWS_CALL_DEADLINE_SECONDS: String(DEADLINE_SECONDS),
      };
      // In-process, the SDK reads its endpoint and credentials from the process's own environment.
      for (const [name, value] of Object.entries(env)) if (name.startsWith("AWS_")) vi.stubEnv(name, value);
    });

    afterAll(async () => {
      vi.unstubAllEnvs();
      await server.stop();
    });

    it("fails with exit code 1 within the call's deadline, naming the call (entry function)", async () => {
      // Prepare
      const start = performance.now();

      // Act
      const { code, stderr } = await runCaptured(["plan"], env);

      // Assess
      expect(performance.now() - start).toBeLessThan(DEADLINE_SECONDS * 1000 + SLACK_MS);
      expect(code).toBe(1);
      expect(stderr).toContain(`STS GetCallerIdentity failed (CallTimeout)`);
    }, 30_000);

    it("exits 1 within the call's deadline, its process ending (bundle)", async () => {
      // Prepare
      const start = performance.now();

      // Act
      const failure = await runBundle(["plan"], env);

      // Assess
      expect(failure).toMatchObject({ code: 1, killed: false });
      expect(failure.stderr).toContain(`STS GetCallerIdentity failed (CallTimeout)`);
      expect(performance.now() - start).toBeLessThan(DEADLINE_SECONDS * 1000 + SLACK_MS);
    }, 30_000);
  },
);

describe("keyrotor plan with a credential_process that never answers", () => {
  it("exits 2 within the deadline, naming the profile, though the process it started runs on", async () => {
    // Prepare: the SDK runs credential_process with no timeout of its own, and waits for it
    const home = join(dir, "stuck-home");
    mkdirSync(join(home, ".aws"), { recursive: true });
    writeFileSync(
      join(home, ".aws", "config"),
      "[profile stuck]\nregion = us-east-1\ncredential_process = sleep 20\n",
    );
    const env = {
      PATH: process.env.PATH,
      HOME: home,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      KEYROTOR_AWS_CALL_DEADLINE_SECONDS: String(DEADLINE_SECONDS),
    };
    const start = performance.now();

    // Act
    const failure = await runBundle(["plan", "--profile", "stuck"], env);

    // Assess
    expect(failure).toMatchObject({ code: 2, killed: false });
    expect(failure.stderr).toContain('no AWS credentials (profile "stuck")');
    expect(failure.stderr).toContain("CallTimeout");
    expect(performance.now() - start).toBeLessThan(DEADLINE_SECONDS * 1000 + SLACK_MS);
  }, 30_000);
});
