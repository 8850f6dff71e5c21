import { execFile, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it, vi } from "vitest";

const exec = promisify(execFile);
const tsx = ["node_modules/tsx/dist/cli.mjs", "scripts/demo.ts"];

describe("npm run demo", () => {
  it("walks the sample organization through days 0-110 and writes every email as HTML", async () => {
    // Act
    const { stdout } = await exec(process.execPath, tsx, { timeout: 120_000 });
    // Assess
    for (const day of [0, 83, 90, 100, 110]) expect(stdout).toMatch(new RegExp(`── Day +${day} `));
    expect(stdout).toMatch(/Payments\/deploy-bot\s+new key AKIA…\w{4} stored in secret keyrotor\/deploy-bot/);
    expect(stdout).toMatch(/Payments\/legacy-etl\s+blocked: rotation of AKIA…\w{4} is due/);
    expect(stdout).toMatch(/Analytics\/etl,nightly\s+new key .* keyrotor\/etl=2Cnightly/);
    expect(stdout).toMatch(/Sandbox\s+account skipped: excluded by OU/);
    expect(stdout).toMatch(/"SecretAccessKey":"<40 characters, not shown>"/);
    expect(stdout).toMatch(
      /Payments\/deploy-bot\s+delivered AKIA…\w{4} to GitHub Actions secrets of repository acme\/payments/,
    );
    const held = stdout.match(/AWS_ACCESS_KEY_ID {6}= (AKIA\w+)/)?.[1];
    expect(held).toBeDefined();
    expect(stdout).toContain(`"AccessKeyId":"${held}"`);
    expect(stdout).toMatch(
      / {2}oidc: Replace the key with role deploy-bot-oidc, assumed with OIDC tokens from GitHub Actions/,
    );
    expect(stdout).toMatch(/trust policy of role deploy-bot-oidc: \{"Version":"2012-10-17"/);
    expect(stdout).toMatch(
      /The organization at a glance \(keyrotor report\): \S+demo-output\/keyrotor-report\.html/,
    );
    const report = readFileSync("demo-output/keyrotor-report.html", "utf8");
    expect(report.toLowerCase()).toContain("<!doctype html>");
    expect(report).toContain("Payments");
    expect(stdout).toMatch(/Done in \d+ s; moto and the GitHub server stopped\./);
    const printed = stdout.match(/Emails written \((\d+)\), open them in a browser:\n((?: {2}\S.*\n)+)/);
    const listed =
      printed?.[2]
        ?.trim()
        .split("\n")
        .map((l) => l.trim()) ?? [];
    expect(listed.length).toBeGreaterThan(0);
    expect(Number(printed?.[1])).toBe(listed.length);
    expect(stdout.match(/ {2}✉ {2}/g)).toHaveLength(listed.length);
    for (const file of listed) expect(existsSync(file), file).toBe(true);
    const emails = readdirSync("demo-output").filter((f) => f.startsWith("day-"));
    expect(emails.sort()).toEqual(listed.map((f) => basename(f)).sort());
    expect(emails).toContain("day-090-payments-deploy-team-at-example.com-user-owner.html");
    const owner = "demo-output/day-090-payments-payments-owner-at-example.com-account-owner.html";
    expect(readFileSync(owner, "utf8")).toContain("get-secret-value");
  }, 120_000);

  it("words every timeline line from the runs' facts: who made the replacement, and how many days", async () => {
    // Act
    const { stdout } = await exec(process.execPath, tsx, { timeout: 120_000 });
    // Assess: deploy-bot's replacement is keyrotor's, made on day 90; legacy-etl's other key is its own.
    const day = (n: number) => stdout.match(new RegExp(`── Day +${n} +\\((\\d{4}-\\d\\d-\\d\\d)\\)`))?.[1];
    expect(stdout).toMatch(
      new RegExp(
        `Payments/deploy-bot\\s+deactivated AKIA…\\w{4} \\(100 days old\\): its replacement AKIA…\\w{4}, created by keyrotor on ${day(90)}, has had 10 days to reach consumers`,
      ),
    );
    expect(stdout).toMatch(
      new RegExp(
        `Payments/legacy-etl\\s+deactivated AKIA…\\w{4} \\(100 days old\\): keyrotor made no replacement; the user's other key AKIA…\\w{4} \\(created ${day(0)}, 100 days old\\) stays Active`,
      ),
    );
    expect(stdout).not.toMatch(/legacy-etl.*replacement has had/);
    expect(stdout).toMatch(/Payments\/deploy-bot\s+deleted AKIA…\w{4} \(inactive, 110 days old\)/);
    expect(stdout).toMatch(
      /Payments\/legacy-etl\s+new key AKIA…\w{4} stored in secret keyrotor\/legacy-etl \(replaces AKIA…\w{4} \(110 days old\)\)/,
    );
    expect(stdout).toMatch(/Payments\/auditor\s+exempt by group: reported, never touched/);
    expect(stdout).toMatch(
      /credential_process = node \S+bin\/keyrotor\.mjs credential-process --secret-id keyrotor\/deploy-bot --region us-east-1\n\s+region = us-east-1\n/,
    );
  }, 120_000);

  it("--keep leaves the organization running for the printed commands, and stops it on SIGTERM", async () => {
    // Prepare: the printed commands run the built CLI (npm run build:cli, as pretest does).
    const demo = spawn(process.execPath, [...tsx, "--keep"], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    demo.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => demo.once("exit", resolve));
    try {
      await vi.waitFor(() => expect(stdout).toMatch(/keyrotor\.mjs preview .*\n\n/), {
        timeout: 100_000,
        interval: 200,
      });
      const exports = Object.fromEntries(
        [...stdout.matchAll(/^ {2}export (\w+)=(\S+)$/gm)].map((m) => [m[1] ?? "", m[2] ?? ""]),
      );
      const command = (name: string) =>
        stdout.match(new RegExp(`^ {2}node (bin/keyrotor\\.mjs ${name} .*)$`, "m"))?.[1]?.split(" ") ?? [];
      const env: NodeJS.ProcessEnv = { ...process.env, ...exports };
      delete env.AWS_PROFILE;
      delete env.AWS_SESSION_TOKEN;
      const asOf = stdout.match(/moto's clock is at day 110 \((\S+)\)/)?.[1];
      // Act
      const plan = await exec(process.execPath, command("plan"), { env });
      const advise = await exec(process.execPath, command("advise"), { env });
      const report = await exec(process.execPath, command("report"), { env });
      // Assess: at day 110 every key of the sample is young again but legacy-etl's own old one.
      expect(Object.keys(exports).sort()).toEqual([
        "AWS_ACCESS_KEY_ID",
        "AWS_ENDPOINT_URL",
        "AWS_REGION",
        "AWS_SECRET_ACCESS_KEY",
      ]);
      expect(exports.AWS_ACCESS_KEY_ID).toBe("testing");
      expect(plan.stdout).toMatch(/deploy-bot/);
      expect(plan.stdout).toMatch(/legacy-etl/);
      expect(report.stdout + report.stderr).not.toMatch(/error/i);
      expect(readFileSync("demo-output/report-again.html", "utf8")).toContain("Payments");
      expect(advise.stdout).toContain(`as of ${new Date(asOf ?? "").toISOString()}`);
      demo.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(stdout).toContain("Stopping moto and the GitHub server");
      const github = stdout.match(/acme\/payments at (http:\/\/127\.0\.0\.1:\d+)/)?.[1] ?? "";
      await expect(fetch(`${exports.AWS_ENDPOINT_URL}/moto-api/`)).rejects.toThrow();
      await expect(fetch(github)).rejects.toThrow();
    } finally {
      // A failed assertion still stops the servers: SIGTERM reaches the demo's cleanup, SIGKILL would not.
      if (demo.exitCode === null) demo.kill("SIGTERM");
    }
  }, 150_000);

  it("stopped by SIGTERM halfway, stops its servers too and exits 128 + the signal", async () => {
    // Prepare
    const demo = spawn(process.execPath, tsx, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    demo.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    demo.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => demo.once("exit", resolve));
    try {
      await vi.waitFor(() => expect(stdout).toMatch(/── Day +83 /), { timeout: 60_000, interval: 100 });
      const github = stdout.match(/acme\/payments at (http:\/\/127\.0\.0\.1:\d+)/)?.[1] ?? "";
      // Act
      demo.kill("SIGTERM");
      // Assess
      expect(await exited).toBe(143);
      expect(stderr).toContain("demo stopped by SIGTERM; stopping moto and the GitHub server.");
      expect(stdout).not.toContain("Emails written");
      await expect(fetch(github)).rejects.toThrow();
    } finally {
      if (demo.exitCode === null) demo.kill("SIGTERM");
    }
  }, 90_000);

  it("says exactly what to install when moto or python3 is missing, and exits non-zero", async () => {
    const failure = await exec(process.execPath, tsx, {
      env: { ...process.env, PATH: "/nonexistent" },
    }).catch((e) => e);
    expect(failure.code).toBe(1);
    expect(failure.stderr).toMatch(/cannot start:\n\s+- python3 is not on PATH: install it/);
  });
});
