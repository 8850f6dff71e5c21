import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GitHubServer, startGitHubServer } from "../../scripts/lib/providers/github-server";
import { type OneDestination, startOneDestination } from "../support/one-destination";

/**
 * GitHub's Dependabot and Codespaces secrets end to end: a rotation through the real handlers against
 * moto seals the new key for a repository's Dependabot secrets and an organization's Codespaces
 * secrets of a local GitHub, each through its app's own public key, leaving Actions' secrets alone;
 * day 100 retires the old key once both have taken the new one.
 */

const TOKEN = "ghp_e2eGitHubAppsT0k3n00000000000000000";
const DEPENDABOT = { repository: "acme/app", app: "dependabot" } as const;
const CODESPACES = { organization: "acme", app: "codespaces" } as const;

let github: GitHubServer;
let run: OneDestination;

beforeAll(async () => {
  github = await startGitHubServer({ token: TOKEN, repositories: ["acme/app"], organizations: ["acme"] });
  run = await startOneDestination({
    ledger: "keyrotor-github-apps-ledger",
    token: { name: "keyrotor-tokens/github", value: TOKEN },
    destination: () => [
      { type: "github", ...DEPENDABOT, apiUrl: github.url, tokenSecret: "keyrotor-tokens/github" },
      {
        type: "github",
        ...CODESPACES,
        visibility: "selected",
        selectedRepositoryIds: [1296269],
        apiUrl: github.url,
        tokenSecret: "keyrotor-tokens/github",
      },
    ],
  });
}, 120_000);

afterAll(async () => {
  await github?.close();
  await run?.stop();
});

describe("delivering a rotated key to GitHub's Dependabot and Codespaces secrets", () => {
  let newKey: { AccessKeyId: string; SecretAccessKey: string };

  it("day 90: the Dependabot and Codespaces secrets hold the new key of the member account's secret", async () => {
    // Act
    await run.runDay(90);

    // Assess
    newKey = await run.storedKey();
    expect(newKey.AccessKeyId).not.toBe(run.originalKey);
    const expected = new Map([
      ["AWS_SECRET_ACCESS_KEY", newKey.SecretAccessKey],
      ["AWS_ACCESS_KEY_ID", newKey.AccessKeyId],
    ]);
    expect(github.secrets(DEPENDABOT)).toEqual(expected);
    expect(github.secrets(CODESPACES)).toEqual(expected);
    expect(github.access("acme", "AWS_ACCESS_KEY_ID", "codespaces")).toEqual({
      visibility: "selected",
      selectedRepositoryIds: [1296269],
    });
    expect(github.secrets({ repository: "acme/app" }).size).toBe(0);
    expect(github.secrets({ organization: "acme" }).size).toBe(0);
    expect(await run.keys()).toEqual(
      expect.arrayContaining([`${run.originalKey}:Active`, `${newKey.AccessKeyId}:Active`]),
    );
  });

  it("day 100: the old key is retired, and GitHub gets no other write", async () => {
    // Prepare
    const puts = github.requests.filter((r) => r.method === "PUT").length;

    // Act
    await run.runDay(100);

    // Assess
    expect(await run.keys()).toEqual(
      expect.arrayContaining([`${run.originalKey}:Inactive`, `${newKey.AccessKeyId}:Active`]),
    );
    expect(github.requests.filter((r) => r.method === "PUT")).toHaveLength(puts);
    expect(github.secrets(DEPENDABOT).get("AWS_ACCESS_KEY_ID")).toBe(newKey.AccessKeyId);
  });

  it("no log line holds the key's secret or the token", () => {
    // Assess
    const leaks = run.service.output.filter((l) => l.includes(TOKEN) || l.includes(newKey.SecretAccessKey));
    expect(leaks).toEqual([]);
    expect(run.service.output.length).toBeGreaterThan(0);
  });
});
