import { afterEach, describe, expect, it } from "vitest";
import {
  type GitHubServer,
  type GitHubServerOptions,
  startGitHubServer,
} from "../../../scripts/lib/providers/github-server";
import { createGitHubWriter } from "../../../shared/destinations/github";
import type { GitHubDestination } from "../../../shared/destinations/schema";
import { Redacted } from "../../../shared/redacted";
import {
  expectFailure,
  failureOf,
  fakeHttpDeps,
  KEY,
  parseDestination,
  SECRET,
} from "../../support/destinations";

const TOKEN = "ghp_k3yr0t0rT3stT0k3n0000000000000000000";

const servers: GitHubServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(options: Partial<GitHubServerOptions> = {}): Promise<GitHubServer> {
  const server = await startGitHubServer({ token: TOKEN, repositories: ["org/app"], ...options });
  servers.push(server);
  return server;
}

/** A GitHub destination as the configuration schema reads it, defaults filled in. */
const destination = (fields: Record<string, unknown>): GitHubDestination =>
  parseDestination("github", { tokenSecret: "keyrotor-tokens/github", ...fields });

describe("createGitHubWriter", () => {
  it("seals both secrets of a repository for its public key, fetched once, the secret before the id", async () => {
    // Prepare
    const github = await start();
    const writer = createGitHubWriter(
      destination({ repository: "org/app", apiUrl: github.url }),
      new Redacted(TOKEN),
    );

    // Act
    await writer.deliver(KEY);

    // Assess
    expect(github.secrets({ repository: "org/app" })).toEqual(
      new Map([
        ["AWS_SECRET_ACCESS_KEY", SECRET],
        ["AWS_ACCESS_KEY_ID", KEY.accessKeyId],
      ]),
    );
    expect(github.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      "GET /repos/org/app/actions/secrets/public-key 200",
      "PUT /repos/org/app/actions/secrets/AWS_SECRET_ACCESS_KEY 201",
      "PUT /repos/org/app/actions/secrets/AWS_ACCESS_KEY_ID 201",
    ]);
    const put = github.requests[1];
    expect(put?.headers).toMatchObject({
      accept: "application/vnd.github+json",
      "x-github-api-version": "2022-11-28",
      "user-agent": "keyrotor",
    });
    expect(put?.body).toEqual({
      encrypted_value: expect.any(String),
      key_id: github.publicKey({ repository: "org/app" }).keyId,
    });
    expect(JSON.stringify(github.requests)).not.toContain(SECRET);
  });

  it("writes an environment's secrets, leaving the repository's alone", async () => {
    // Prepare
    const github = await start({ environments: { "org/app": ["prod east"] } });
    const dest = destination({ repository: "org/app", environment: "prod east", apiUrl: github.url });

    // Act
    await createGitHubWriter(dest, new Redacted(TOKEN)).deliver(KEY);

    // Assess
    expect(
      github.secrets({ repository: "org/app", environment: "prod east" }).get("AWS_SECRET_ACCESS_KEY"),
    ).toBe(SECRET);
    expect(github.secrets({ repository: "org/app" }).size).toBe(0);
    expect(github.requests[0]?.path).toBe("/repos/org/app/environments/prod%20east/secrets/public-key");
  });

  it("writes an organization's secrets as private by default, or visible to selected repositories", async () => {
    // Prepare
    const github = await start({ organizations: ["acme", "globex"] });
    const byDefault = destination({ organization: "acme", apiUrl: github.url });
    const selected = destination({
      organization: "globex",
      visibility: "selected",
      selectedRepositoryIds: [7, 9],
      apiUrl: github.url,
    });

    // Act
    await createGitHubWriter(byDefault, new Redacted(TOKEN)).deliver(KEY);
    await createGitHubWriter(selected, new Redacted(TOKEN)).deliver(KEY);

    // Assess
    expect(github.secrets({ organization: "acme" }).get("AWS_ACCESS_KEY_ID")).toBe(KEY.accessKeyId);
    expect(github.secrets({ organization: "globex" }).get("AWS_SECRET_ACCESS_KEY")).toBe(SECRET);
    expect(github.access("acme", "AWS_SECRET_ACCESS_KEY")).toEqual({ visibility: "private" });
    expect(github.access("globex", "AWS_ACCESS_KEY_ID")).toEqual({
      visibility: "selected",
      selectedRepositoryIds: [7, 9],
    });
  });

  it("delivers the same key twice as GitHub's updates (204), leaving the same values", async () => {
    // Prepare
    const github = await start();
    const dest = destination({
      repository: "org/app",
      apiUrl: github.url,
      names: { accessKeyId: "DEPLOY_KEY_ID", secretAccessKey: "DEPLOY_SECRET" },
    });
    const writer = createGitHubWriter(dest, new Redacted(TOKEN));
    await writer.deliver(KEY);
    const first = github.secrets({ repository: "org/app" });

    // Act
    await writer.deliver(KEY);

    // Assess
    expect(github.secrets({ repository: "org/app" })).toEqual(first);
    expect(first.get("DEPLOY_SECRET")).toBe(SECRET);
    expect(github.requests.slice(3).map((r) => r.status)).toEqual([200, 204, 204]);
  });

  it("works with GitHub Enterprise Server's API under /api/v3", async () => {
    // Prepare
    const github = await start({ pathPrefix: "/api/v3" });
    const dest = destination({ repository: "org/app", apiUrl: `${github.url}/` });

    // Act
    await createGitHubWriter(dest, new Redacted(TOKEN)).deliver(KEY);

    // Assess
    expect(github.url).toMatch(/\/api\/v3$/);
    expect(github.secrets({ repository: "org/app" }).get("AWS_ACCESS_KEY_ID")).toBe(KEY.accessKeyId);
    expect(github.requests.every((r) => r.path.startsWith("/api/v3/repos/org/app/"))).toBe(true);
  });

  it("fails as unauthorized on a wrong token, naming the token's secret and showing neither token nor key", async () => {
    // Prepare
    const github = await start();
    const dest = destination({ repository: "org/app", apiUrl: github.url });
    const wrong = `${TOKEN.slice(0, -1)}1`;

    // Act
    const error = await failureOf(createGitHubWriter(dest, new Redacted(wrong)).deliver(KEY));

    // Assess
    expectFailure(error, "unauthorized", [TOKEN, wrong]);
    expect(error.message).toContain("HTTP 401 (the token was refused)");
    expect(error.message).not.toContain("Bad credentials");
    expect(error.fix).toContain("keyrotor-tokens/github");
    expect(error.fix).toContain('"Secrets" repository permission');
    expect(github.requests.filter((r) => r.method === "PUT")).toEqual([]);
  });

  it.each([
    [{ repository: "org/app" }, '"Secrets" repository permission'],
    [{ repository: "org/app", environment: "production" }, '"Environments" repository permissions'],
    [{ organization: "acme" }, "admin:org"],
  ])(
    "fails as forbidden when the token may not write to %o, naming the permission it needs",
    async (scope, needed) => {
      // Prepare
      const github = await start({ environments: { "org/app": ["production"] }, organizations: ["acme"] });
      github.failNext(403);

      // Act
      const error = await failureOf(
        createGitHubWriter(destination({ ...scope, apiUrl: github.url }), new Redacted(TOKEN)).deliver(KEY),
      );

      // Assess
      expect(error.failure).toBe("forbidden");
      expect(error.fix).toContain(needed);
      expect(error.fix).toContain("keyrotor-tokens/github");
    },
  );

  it("fails as not-found for a repository the token cannot see, and for an apiUrl without /api/v3", async () => {
    // Prepare
    const github = await start();
    const ghes = await start({ pathPrefix: "/api/v3" });
    const unknown = destination({ repository: "org/other", apiUrl: github.url });
    const withoutPrefix = destination({ repository: "org/app", apiUrl: ghes.url.replace(/\/api\/v3$/, "") });

    // Act
    const errors = [
      await failureOf(createGitHubWriter(unknown, new Redacted(TOKEN)).deliver(KEY)),
      await failureOf(createGitHubWriter(withoutPrefix, new Redacted(TOKEN)).deliver(KEY)),
    ];

    // Assess
    expect(errors.map((e) => e.failure)).toEqual(["not-found", "not-found"]);
    expect(errors[0]?.message).toContain("repository org/other");
    expect(errors[0]?.fix).toContain("keyrotor-tokens/github");
    expect(errors[1]?.fix).toContain("apiUrl");
  });

  it("fails as unavailable when the apiUrl answers without a public key, or GitHub answers 5xx", async () => {
    // Prepare
    const github = await start();
    const writer = createGitHubWriter(
      destination({ repository: "org/app", apiUrl: github.url }),
      new Redacted(TOKEN),
    );
    github.failNext(200, { "content-type": "text/html" }, "<html>sign in</html>");

    // Act
    const notAnApi = await failureOf(writer.deliver(KEY));
    github.failNext(502);
    const outage = await failureOf(writer.deliver(KEY));

    // Assess
    expect(notAnApi.failure).toBe("unavailable");
    expect(notAnApi.fix).toContain("/api/v3");
    expect(outage.failure).toBe("unavailable");
    expect(outage.message).toContain("HTTP 502");
    expect(github.secrets({ repository: "org/app" }).size).toBe(0);
  });

  it("fails as rejected when GitHub refuses a secret's name", async () => {
    // Prepare
    const github = await start();
    const dest: GitHubDestination = {
      ...destination({ repository: "org/app", apiUrl: github.url }),
      names: { accessKeyId: "GITHUB_KEY_ID", secretAccessKey: "DEPLOY_SECRET" },
    };

    // Act
    const error = await failureOf(createGitHubWriter(dest, new Redacted(TOKEN)).deliver(KEY));

    // Assess
    expect(error.failure).toBe("rejected");
    expect(error.message).toContain("GitHub secret GITHUB_KEY_ID of repository org/app");
    expect(error.fix).toContain("GITHUB_");
    expect(github.secrets({ repository: "org/app" }).has("GITHUB_KEY_ID")).toBe(false);
    // The key was asked for again, found unchanged, and the refused PUT not sent twice.
    expect(github.requests.map((r) => `${r.method} ${r.status}`)).toEqual([
      "GET 200",
      "PUT 201",
      "PUT 422",
      "GET 200",
    ]);
  });

  it("seals again for GitHub's new public key when it rotated the key between the fetch and the PUT", async () => {
    // Prepare: GitHub rotates the repository's key right after handing out the first one.
    const github = await start();
    const deps = fakeHttpDeps();
    let rotated = false;
    const rotating: typeof fetch = async (input, init) => {
      const response = await globalThis.fetch(input, init);
      if (!rotated && String(input).endsWith("/public-key")) {
        rotated = true;
        github.rotateKey({ repository: "org/app" });
      }
      return response;
    };
    const dest = destination({ repository: "org/app", apiUrl: github.url });

    // Act
    await createGitHubWriter(dest, new Redacted(TOKEN), { ...deps, fetch: rotating }).deliver(KEY);

    // Assess
    expect(github.secrets({ repository: "org/app" })).toEqual(
      new Map([
        ["AWS_SECRET_ACCESS_KEY", SECRET],
        ["AWS_ACCESS_KEY_ID", KEY.accessKeyId],
      ]),
    );
    expect(github.requests.map((r) => `${r.method} ${r.status}`)).toEqual([
      "GET 200",
      "PUT 422",
      "GET 200",
      "PUT 201",
      "PUT 201",
    ]);
    const current = github.publicKey({ repository: "org/app" }).keyId;
    expect(github.requests.slice(3).map((r) => (r.body as { key_id: string }).key_id)).toEqual([
      current,
      current,
    ]);
  });

  it("retries a stale key once: a second 422 in the same delivery is a rejection", async () => {
    // Prepare: GitHub rotates the key after every fetch of it.
    const github = await start();
    const rotating: typeof fetch = async (input, init) => {
      const response = await globalThis.fetch(input, init);
      if (String(input).endsWith("/public-key")) github.rotateKey({ repository: "org/app" });
      return response;
    };
    const dest = destination({ repository: "org/app", apiUrl: github.url });

    // Act
    const error = await failureOf(
      createGitHubWriter(dest, new Redacted(TOKEN), { ...fakeHttpDeps(), fetch: rotating }).deliver(KEY),
    );

    // Assess
    expectFailure(error, "rejected", [TOKEN]);
    expect(github.requests.map((r) => `${r.method} ${r.status}`)).toEqual([
      "GET 200",
      "PUT 422",
      "GET 200",
      "PUT 422",
    ]);
    expect(github.secrets({ repository: "org/app" }).size).toBe(0);
  });

  it.each([
    [
      "the primary rate limit (403, x-ratelimit-reset)",
      403,
      () => ({ "x-ratelimit-remaining": "0", "x-ratelimit-reset": `${Math.ceil(Date.now() / 1000) + 3}` }),
    ],
    ["a secondary rate limit (429, retry-after)", 429, () => ({ "retry-after": "2" })],
  ])("waits out %s when it lifts within the wait allowed, then delivers", async (_limit, status, headers) => {
    // Prepare
    const github = await start();
    const deps = fakeHttpDeps();
    github.failNext(status, headers());

    // Act
    await createGitHubWriter(
      destination({ repository: "org/app", apiUrl: github.url }),
      new Redacted(TOKEN),
      deps,
    ).deliver(KEY);

    // Assess
    expect(deps.sleep).toHaveBeenCalledTimes(1);
    const waited = deps.sleep.mock.calls[0]?.[0] as number;
    expect(waited).toBeGreaterThanOrEqual(2_000);
    expect(waited).toBeLessThanOrEqual(4_000);
    expect(github.secrets({ repository: "org/app" }).get("AWS_SECRET_ACCESS_KEY")).toBe(SECRET);
  });

  it("fails as rate-limited, without waiting, when the token's hourly requests are used up", async () => {
    // Prepare
    const github = await start({ rateLimit: 2 });
    const deps = fakeHttpDeps();

    // Act
    const error = await failureOf(
      createGitHubWriter(
        destination({ repository: "org/app", apiUrl: github.url }),
        new Redacted(TOKEN),
        deps,
      ).deliver(KEY),
    );

    // Assess
    expect(error.failure).toBe("rate-limited");
    expect(error.retryAfterSeconds).toBeGreaterThan(3_000);
    expect(deps.sleep).not.toHaveBeenCalled();
    expect(github.requests.map((r) => r.status)).toEqual([200, 201, 403]);
  });

  it("fails as unavailable when GitHub cannot be reached", async () => {
    // Prepare
    const github = await start();
    const dest = destination({ repository: "org/app", apiUrl: github.url });
    await github.close();

    // Act
    const error = await failureOf(createGitHubWriter(dest, new Redacted(TOKEN)).deliver(KEY));

    // Assess
    expectFailure(error, "unavailable", [TOKEN]);
  });
});

describe("the local GitHub server", () => {
  /** One raw request, as a client other than keyrotor's writer would send it. */
  async function call(url: string, method: string, body?: unknown, token: string | null = TOKEN) {
    const response = await fetch(url, {
      method,
      headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), "user-agent": "test" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: await response.json().catch(() => null) };
  }

  it("answers what GitHub documents for requests the writer never sends", async () => {
    // Prepare
    const github = await start({ environments: { "org/app": ["production"] }, organizations: ["acme"] });
    const { keyId } = github.publicKey({ organization: "acme" });
    const repoKey = github.publicKey({ repository: "org/app" }).keyId;
    const sealedElsewhere = Buffer.from(new Uint8Array(64)).toString("base64");

    // Act
    const answers = [
      await call(`${github.url}/repos/org/app/actions/secrets/public-key`, "GET", undefined, null),
      await call(`${github.url}/repos/org/app/environments/staging/secrets/public-key`, "GET"),
      await call(`${github.url}/repos/org/app/actions/secrets/X`, "PUT", {
        encrypted_value: sealedElsewhere,
        key_id: "1",
      }),
      await call(`${github.url}/repos/org/app/actions/secrets/X`, "PUT", {
        encrypted_value: sealedElsewhere,
        key_id: repoKey,
      }),
      await call(`${github.url}/orgs/acme/actions/secrets/X`, "PUT", {
        encrypted_value: sealedElsewhere,
        key_id: keyId,
      }),
    ];

    // Assess
    expect(answers.map((a) => [a.status, (a.body as { message?: string } | null)?.message])).toEqual([
      [401, "Requires authentication"],
      [404, "Not Found"],
      [422, "Validation Failed"],
      [422, "Validation Failed"],
      [422, "Validation Failed"],
    ]);
    expect(
      answers.slice(2).map((a) => (a.body as { errors: { message: string }[] }).errors[0]?.message),
    ).toEqual([
      "key_id does not match the current public key",
      "encrypted_value could not be decrypted with the public key",
      "encrypted_value could not be decrypted with the public key",
    ]);
    expect(github.requests.every((r) => !("authorization" in r.headers))).toBe(true);
  });

  it("stores names as GitHub shows them (upper case), and checks an organization secret's visibility", async () => {
    // Prepare
    const github = await start({ organizations: ["acme"] });
    const writer = createGitHubWriter(
      destination({
        organization: "acme",
        apiUrl: github.url,
        names: { accessKeyId: "key_id", secretAccessKey: "secret" },
      }),
      new Redacted(TOKEN),
    );
    await writer.deliver(KEY);
    const put = github.requests[1]?.body as Record<string, unknown>;

    // Act
    const noVisibility = await call(`${github.url}/orgs/acme/actions/secrets/OTHER`, "PUT", {
      ...put,
      visibility: undefined,
    });
    const idsWithoutSelected = await call(`${github.url}/orgs/acme/actions/secrets/OTHER`, "PUT", {
      ...put,
      selected_repository_ids: [1],
    });

    // Assess
    expect([...github.secrets({ organization: "acme" }).keys()]).toEqual(["SECRET", "KEY_ID"]);
    expect([noVisibility.status, idsWithoutSelected.status]).toEqual([422, 422]);
    expect(github.secrets({ organization: "acme" }).has("OTHER")).toBe(false);
  });
});
