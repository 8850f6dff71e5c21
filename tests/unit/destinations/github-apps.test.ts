import { afterEach, describe, expect, it } from "vitest";
import {
  type GitHubServer,
  type GitHubServerOptions,
  startGitHubServer,
} from "../../../scripts/lib/providers/github-server";
import { createGitHubWriter } from "../../../shared/destinations/github";
import type { GitHubDestination } from "../../../shared/destinations/kinds/github";
import { sealBox } from "../../../shared/destinations/sealed-box";
import { Redacted } from "../../../shared/redacted";
import { expectFailure, failureOf, KEY, nextKey, parseDestination, SECRET } from "../../support/destinations";

/**
 * Dependabot and Codespaces keep secrets of their own, sealed as Actions' are, each app behind its
 * own endpoints and public keys: a key written for one is not seen by the others.
 */

const TOKEN = "ghp_k3yr0t0rAppsT0k3n000000000000000000";
const APPS = ["dependabot", "codespaces"] as const;

const servers: GitHubServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(options: Partial<GitHubServerOptions> = {}): Promise<GitHubServer> {
  const server = await startGitHubServer({
    token: TOKEN,
    repositories: ["org/app"],
    organizations: ["acme"],
    ...options,
  });
  servers.push(server);
  return server;
}

const destination = (fields: Record<string, unknown>): GitHubDestination =>
  parseDestination("github", { tokenSecret: "keyrotor-tokens/github", ...fields });

describe("createGitHubWriter for Dependabot and Codespaces", () => {
  it.each(APPS)(
    "writes a repository's %s secrets through that app's public key, leaving Actions' alone",
    async (app) => {
      // Prepare
      const github = await start();
      const writer = createGitHubWriter(
        destination({ app, repository: "org/app", apiUrl: github.url }),
        new Redacted(TOKEN),
      );

      // Act
      await writer.deliver(KEY);

      // Assess
      expect(github.secrets({ repository: "org/app", app })).toEqual(
        new Map([
          ["AWS_SECRET_ACCESS_KEY", SECRET],
          ["AWS_ACCESS_KEY_ID", KEY.accessKeyId],
        ]),
      );
      expect(github.secrets({ repository: "org/app" }).size).toBe(0);
      expect(github.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
        `GET /repos/org/app/${app}/secrets/public-key 200`,
        `PUT /repos/org/app/${app}/secrets/AWS_SECRET_ACCESS_KEY 201`,
        `PUT /repos/org/app/${app}/secrets/AWS_ACCESS_KEY_ID 201`,
      ]);
      expect(github.requests[1]?.body).toEqual({
        encrypted_value: expect.any(String),
        key_id: github.publicKey({ repository: "org/app", app }).keyId,
      });
      expect(JSON.stringify(github.requests)).not.toContain(SECRET);
    },
  );

  it("writes an organization's Dependabot secrets for selected repositories, their ids as strings", async () => {
    // Prepare
    const github = await start();
    const dest = destination({
      app: "dependabot",
      organization: "acme",
      visibility: "selected",
      selectedRepositoryIds: [1296269, 7],
      apiUrl: github.url,
    });

    // Act
    await createGitHubWriter(dest, new Redacted(TOKEN)).deliver(KEY);

    // Assess
    expect(github.secrets({ organization: "acme", app: "dependabot" }).get("AWS_SECRET_ACCESS_KEY")).toBe(
      SECRET,
    );
    expect(github.requests[1]?.path).toBe("/orgs/acme/dependabot/secrets/AWS_SECRET_ACCESS_KEY");
    expect(github.requests[1]?.body).toMatchObject({
      visibility: "selected",
      selected_repository_ids: ["1296269", "7"],
    });
    expect(github.access("acme", "AWS_ACCESS_KEY_ID", "dependabot")).toEqual({
      visibility: "selected",
      selectedRepositoryIds: [1296269, 7],
    });
    expect(github.secrets({ organization: "acme" }).size).toBe(0);
  });

  it("writes an organization's Codespaces secrets as private by default, or for selected repositories as integers", async () => {
    // Prepare
    const github = await start();
    const byDefault = destination({ app: "codespaces", organization: "acme", apiUrl: github.url });
    const selected = destination({
      app: "codespaces",
      organization: "acme",
      visibility: "selected",
      selectedRepositoryIds: [42],
      apiUrl: github.url,
      names: { accessKeyId: "OTHER_ID", secretAccessKey: "OTHER_SECRET" },
    });

    // Act
    await createGitHubWriter(byDefault, new Redacted(TOKEN)).deliver(KEY);
    await createGitHubWriter(selected, new Redacted(TOKEN)).deliver(KEY);

    // Assess
    expect(github.requests[1]?.path).toBe("/orgs/acme/codespaces/secrets/AWS_SECRET_ACCESS_KEY");
    expect(github.access("acme", "AWS_ACCESS_KEY_ID", "codespaces")).toEqual({ visibility: "private" });
    expect(github.access("acme", "OTHER_SECRET", "codespaces")).toEqual({
      visibility: "selected",
      selectedRepositoryIds: [42],
    });
    expect(github.requests.at(-1)?.body).toMatchObject({ selected_repository_ids: [42] });
    expect(github.secrets({ organization: "acme", app: "codespaces" }).get("OTHER_SECRET")).toBe(SECRET);
    expect(github.secrets({ organization: "acme" }).size).toBe(0);
  });

  it.each(APPS)(
    "delivers the same key twice to %s as updates (204) with the same values, and a later key replaces it",
    async (app) => {
      // Prepare
      const github = await start();
      const writer = createGitHubWriter(
        destination({ app, repository: "org/app", apiUrl: github.url }),
        new Redacted(TOKEN),
      );
      await writer.deliver(KEY);
      const first = github.secrets({ repository: "org/app", app });

      // Act
      await writer.deliver(KEY);
      const again = github.secrets({ repository: "org/app", app });
      await writer.deliver(nextKey("AKIANEXTKEY000000001", "next/secret/value"));

      // Assess
      expect(again).toEqual(first);
      expect(github.requests.slice(3, 6).map((r) => r.status)).toEqual([200, 204, 204]);
      expect(github.secrets({ repository: "org/app", app })).toEqual(
        new Map([
          ["AWS_SECRET_ACCESS_KEY", "next/secret/value"],
          ["AWS_ACCESS_KEY_ID", "AKIANEXTKEY000000001"],
        ]),
      );
    },
  );

  it.each([
    ["dependabot", { repository: "org/app" }, '"Dependabot secrets" repository permission'],
    ["dependabot", { organization: "acme" }, '"Organization dependabot secrets" organization permission'],
    ["codespaces", { repository: "org/app" }, '"Codespaces secrets" repository permission'],
    ["codespaces", { organization: "acme" }, '"Organization codespaces secrets" organization permission'],
  ])(
    "fails as unauthorized on a wrong %s token for %o, naming the app's permission, showing neither token nor key",
    async (app, scope, needed) => {
      // Prepare
      const github = await start();
      const wrong = `${TOKEN.slice(0, -1)}1`;
      const dest = destination({ app, ...scope, apiUrl: github.url });

      // Act
      const error = await failureOf(createGitHubWriter(dest, new Redacted(wrong)).deliver(KEY));

      // Assess
      expectFailure(error, "unauthorized", [TOKEN, wrong]);
      expect(error.message).toContain("HTTP 401 (the token was refused)");
      expect(error.message).toContain(`GitHub ${app === "dependabot" ? "Dependabot" : "Codespaces"} secrets`);
      expect(error.fix).toContain(needed);
      expect(error.fix).toContain("(read and write)");
      expect(error.fix).toContain("keyrotor-tokens/github");
      expect(github.requests.filter((r) => r.method === "PUT")).toEqual([]);
    },
  );

  it("fails as forbidden when the token may not write Dependabot secrets, naming that permission", async () => {
    // Prepare
    const github = await start();
    github.failNext(403);
    const dest = destination({ app: "dependabot", repository: "org/app", apiUrl: github.url });

    // Act
    const error = await failureOf(createGitHubWriter(dest, new Redacted(TOKEN)).deliver(KEY));

    // Assess
    expectFailure(error, "forbidden", [TOKEN]);
    expect(error.fix).toContain('"Dependabot secrets" repository permission (read and write)');
    expect(error.fix).not.toContain('"Secrets" repository permission');
  });

  it.each(APPS)(
    "fails as not-found for a repository the token cannot see, naming the %s secrets",
    async (app) => {
      // Prepare
      const github = await start();
      const dest = destination({ app, repository: "org/other", apiUrl: github.url });

      // Act
      const error = await failureOf(createGitHubWriter(dest, new Redacted(TOKEN)).deliver(KEY));

      // Assess
      expectFailure(error, "not-found", [TOKEN]);
      expect(error.message).toContain("repository org/other");
      expect(error.fix).toContain("keyrotor-tokens/github");
      expect(github.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
        `GET /repos/org/other/${app}/secrets/public-key 404`,
      ]);
    },
  );

  it("fails as rejected when GitHub refuses a Dependabot secret's name, naming it", async () => {
    // Prepare
    const github = await start();
    const dest = destination({
      app: "dependabot",
      repository: "org/app",
      apiUrl: github.url,
      names: { accessKeyId: "GITHUB_KEY_ID", secretAccessKey: "DEPLOY_SECRET" },
    });

    // Act
    const error = await failureOf(createGitHubWriter(dest, new Redacted(TOKEN)).deliver(KEY));

    // Assess
    expectFailure(error, "rejected", [TOKEN]);
    expect(error.message).toContain("GitHub Dependabot secret GITHUB_KEY_ID of repository org/app");
  });
});

describe("the local GitHub server's Dependabot and Codespaces secrets", () => {
  /** One raw request, as a client other than keyrotor's writer would send it. */
  async function call(url: string, method: string, body?: unknown) {
    const response = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, "user-agent": "test" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: await response.json().catch(() => null) };
  }

  /** A body sealed for `scope`'s current key, as the API takes it. */
  function sealedFor(github: GitHubServer, scope: Parameters<GitHubServer["publicKey"]>[0]) {
    const { keyId, key } = github.publicKey(scope);
    const sealed = sealBox(new TextEncoder().encode("value"), new Uint8Array(Buffer.from(key, "base64")));
    return { encrypted_value: Buffer.from(sealed).toString("base64"), key_id: keyId };
  }

  it("keeps a key pair per app: a value sealed for Actions' key is refused by Dependabot's endpoint", async () => {
    // Prepare
    const github = await start();
    const actions = sealedFor(github, { repository: "org/app" });

    // Act
    const answer = await call(`${github.url}/repos/org/app/dependabot/secrets/X`, "PUT", actions);

    // Assess
    expect(github.publicKey({ repository: "org/app", app: "dependabot" }).keyId).not.toBe(actions.key_id);
    expect(github.publicKey({ repository: "org/app", app: "codespaces" }).key).not.toBe(
      github.publicKey({ repository: "org/app" }).key,
    );
    expect(answer.status).toBe(422);
    expect(github.secrets({ repository: "org/app", app: "dependabot" }).size).toBe(0);
  });

  it("takes Dependabot's repository ids only as strings and Codespaces' only as integers, visibility required", async () => {
    // Prepare
    const github = await start();
    const dependabot = sealedFor(github, { organization: "acme", app: "dependabot" });
    const codespaces = sealedFor(github, { organization: "acme", app: "codespaces" });
    const orgs = `${github.url}/orgs/acme`;

    // Act
    const answers = [
      await call(`${orgs}/dependabot/secrets/A`, "PUT", {
        ...dependabot,
        visibility: "selected",
        selected_repository_ids: [7],
      }),
      await call(`${orgs}/codespaces/secrets/A`, "PUT", {
        ...codespaces,
        visibility: "selected",
        selected_repository_ids: ["7"],
      }),
      await call(`${orgs}/codespaces/secrets/A`, "PUT", codespaces),
      await call(`${orgs}/dependabot/secrets/B`, "PUT", {
        ...dependabot,
        visibility: "selected",
        selected_repository_ids: ["7"],
      }),
      await call(`${orgs}/codespaces/secrets/B`, "PUT", {
        ...codespaces,
        visibility: "selected",
        selected_repository_ids: [7],
      }),
    ];

    // Assess
    expect(answers.map((a) => a.status)).toEqual([422, 422, 422, 201, 201]);
    expect(github.access("acme", "B", "dependabot")).toEqual({
      visibility: "selected",
      selectedRepositoryIds: [7],
    });
    expect(github.access("acme", "B", "codespaces")).toEqual({
      visibility: "selected",
      selectedRepositoryIds: [7],
    });
  });

  it("has no environment secrets for Dependabot or Codespaces, and answers 404", async () => {
    // Prepare
    const github = await start({ environments: { "org/app": ["production"] } });

    // Act
    const answers = [
      await call(`${github.url}/repos/org/app/environments/production/dependabot/secrets/public-key`, "GET"),
      await call(`${github.url}/repos/org/app/environments/production/codespaces/secrets/public-key`, "GET"),
      await call(`${github.url}/repos/org/app/packages/secrets/public-key`, "GET"),
    ];

    // Assess
    expect(answers.map((a) => a.status)).toEqual([404, 404, 404]);
  });
});
