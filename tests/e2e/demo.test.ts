import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

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
    const emails = readdirSync("demo-output").filter((f) => f.endsWith(".html"));
    expect(emails).toContain("day-090-payments.html");
    expect(readFileSync("demo-output/day-090-payments.html", "utf8")).toContain("get-secret-value");
  }, 120_000);

  it("says exactly what to install when moto or python3 is missing, and exits non-zero", async () => {
    const failure = await exec(process.execPath, tsx, {
      env: { ...process.env, PATH: "/nonexistent" },
    }).catch((e) => e);
    expect(failure.code).toBe(1);
    expect(failure.stderr).toMatch(/cannot start:\n\s+- python3 is not on PATH: install it/);
  });
});
