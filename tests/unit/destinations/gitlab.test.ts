import { afterEach, describe, expect, it } from "vitest";
import { type GitLabServer, startGitLabServer } from "../../../scripts/lib/providers/gitlab-server";
import { createGitLabWriter } from "../../../shared/destinations/gitlab";
import type { HttpDeps } from "../../../shared/destinations/types";
import { Redacted } from "../../../shared/redacted";
import {
  expectFailure,
  expectNothingShown,
  failureOf,
  fakeHttpDeps,
  KEY,
  nextKey,
  parseDestination,
  SECRET,
} from "../../support/destinations";

const TOKEN = "glpat-local-test-token-0123456789";

let gitlab: GitLabServer;
afterEach(() => gitlab?.close());

async function start(prefix?: string): Promise<GitLabServer> {
  const projects = [{ id: 42, path: "acme/app" }];
  gitlab = await startGitLabServer({
    token: TOKEN,
    projects,
    groups: [{ id: 7, path: "acme/platform" }],
    prefix,
  });
  return gitlab;
}

/** A writer for a destination as the configuration's schema yields it (defaults filled in), on the local server. */
function writerFor(fields: Record<string, unknown>, options: { token?: string; deps?: HttpDeps } = {}) {
  const dest = parseDestination("gitlab", {
    tokenSecret: "keyrotor-tokens/gitlab",
    apiUrl: gitlab.url,
    ...fields,
  });
  return createGitLabWriter(dest, new Redacted(options.token ?? TOKEN), options.deps ?? fakeHttpDeps());
}

const valuesOf = (owner: { project: number } | { group: number }) =>
  gitlab.variables(owner).map((v) => [v.key, v.value]);

describe("GitLab destination", () => {
  it("creates both variables of a project, masked, protected, raw, in the configured scope", async () => {
    // Prepare
    await start();

    // Act
    await writerFor({ project: "acme/app" }).deliver(KEY);

    // Assess
    const flags = {
      environment_scope: "*",
      masked: true,
      protected: true,
      raw: true,
      variable_type: "env_var",
    };
    expect(gitlab.variables({ project: 42 })).toEqual([
      { key: "AWS_ACCESS_KEY_ID", value: KEY.accessKeyId, ...flags },
      { key: "AWS_SECRET_ACCESS_KEY", value: SECRET, ...flags },
    ]);
    expect(gitlab.requests.map((r) => r.method)).toEqual(["PUT", "POST", "PUT", "POST"]);
    expect(gitlab.requests[0]?.url).toBe(
      "/api/v4/projects/acme%2Fapp/variables/AWS_ACCESS_KEY_ID?filter%5Benvironment_scope%5D=*",
    );
  });

  it("updates the variables in place on the next deliveries, creating no duplicate", async () => {
    // Prepare
    await start();
    const writer = writerFor({
      project: "42",
      masked: false,
      protected: false,
      names: { accessKeyId: "ID", secretAccessKey: "KEY" },
    });
    await writer.deliver(KEY);
    const next = nextKey("AKIANEWKEY0000000002", "n3w/Secret+Value");
    gitlab.requests.length = 0;

    // Act
    await writer.deliver(next);
    await writer.deliver(next);

    // Assess
    expect(gitlab.variables({ project: 42 }).map((v) => [v.key, v.value, v.masked, v.protected])).toEqual([
      ["ID", "AKIANEWKEY0000000002", false, false],
      ["KEY", "n3w/Secret+Value", false, false],
    ]);
    expect(gitlab.requests.map((r) => r.method)).toEqual(["PUT", "PUT", "PUT", "PUT"]);
  });

  it("writes only the variables of its environment scope, leaving the same keys of other scopes alone", async () => {
    // Prepare: with two scopes of one key, GitLab refuses (409) an update that no filter narrows.
    await start();
    gitlab.seed(
      { project: 42 },
      { key: "AWS_ACCESS_KEY_ID", value: "AKIASTAGING000000000", environment_scope: "staging" },
    );
    gitlab.seed(
      { project: 42 },
      { key: "AWS_ACCESS_KEY_ID", value: "AKIAPRODOLD000000000", environment_scope: "production" },
    );

    // Act
    await writerFor({ project: "acme/app", environmentScope: "production" }).deliver(KEY);

    // Assess
    expect(gitlab.variables({ project: 42 }).map((v) => [v.key, v.environment_scope, v.value])).toEqual([
      ["AWS_ACCESS_KEY_ID", "staging", "AKIASTAGING000000000"],
      ["AWS_ACCESS_KEY_ID", "production", KEY.accessKeyId],
      ["AWS_SECRET_ACCESS_KEY", "production", SECRET],
    ]);
  });

  it("writes group variables of a group named by its full path", async () => {
    // Prepare
    await start();

    // Act
    await writerFor({ group: "acme/platform" }).deliver(KEY);

    // Assess
    expect(valuesOf({ group: 7 })).toEqual([
      ["AWS_ACCESS_KEY_ID", KEY.accessKeyId],
      ["AWS_SECRET_ACCESS_KEY", SECRET],
    ]);
    expect(valuesOf({ project: 42 })).toEqual([]);
    expect(gitlab.requests[0]?.url).toMatch(/^\/api\/v4\/groups\/acme%2Fplatform\/variables\//);
  });

  it("updates a variable another delivery created between its update and its create", async () => {
    // Prepare: the update misses (as if just before the other delivery's create); the create is refused as taken.
    await start();
    gitlab.seed({ project: 42 }, { key: "AWS_ACCESS_KEY_ID", value: "AKIAOTHER00000000000" });
    gitlab.failNext(404, {}, { message: "404 Variable Not Found" });

    // Act
    await writerFor({ project: "42" }).deliver(KEY);

    // Assess
    expect(valuesOf({ project: 42 })).toEqual([
      ["AWS_ACCESS_KEY_ID", KEY.accessKeyId],
      ["AWS_SECRET_ACCESS_KEY", SECRET],
    ]);
    expect(gitlab.requests.slice(0, 3).map((r) => r.method)).toEqual(["PUT", "POST", "PUT"]);
  });

  it("names the refused fields of a 400 in keyrotor's words, never in GitLab's", async () => {
    // Prepare: a masked value under 8 characters; a key taken whose update still misses; a body echoing the secret.
    await start();
    const writer = writerFor({ project: "42" });
    const echo = { message: { value: [`${SECRET} is not allowed`] } };
    gitlab.failWhen((r) => r.url.includes("/variables/AWS_SECRET_ACCESS_KEY?"), 400, {}, echo);

    // Act
    const masking = await failureOf(writer.deliver({ ...KEY, accessKeyId: "AKIA" }));
    const echoed = await failureOf(writer.deliver(KEY));
    gitlab.failNext(404, {}, { message: "404 Variable Not Found" });
    gitlab.failWhen((r) => r.method === "PUT", 404, {}, { message: "404 Variable Not Found" });
    const taken = await failureOf(writer.deliver(KEY));

    // Assess
    expect([masking.failure, echoed.failure, taken.failure]).toEqual(["rejected", "rejected", "rejected"]);
    expect(masking.message).toContain(
      "HTTP 400 (the request was refused as malformed; refused fields: value)",
    );
    expect(masking.fix).toContain("8 characters");
    expect(echoed.message).toContain(
      "HTTP 400 (the request was refused as malformed; refused fields: value)",
    );
    expectNothingShown(echoed, [TOKEN]);
    expect(taken.message).toContain(
      "HTTP 400 (the request was refused as malformed; refused fields: key (already taken in this scope))",
    );
    expect(taken.message).not.toContain("has already been taken");
  });

  it("answers a wrong token with an unauthorized error that holds neither token nor key", async () => {
    // Prepare
    await start();

    // Act
    const error = await failureOf(writerFor({ project: "42" }, { token: "glpat-wrong" }).deliver(KEY));

    // Assess
    expectFailure(error, "unauthorized", [TOKEN, "glpat-wrong"]);
    expect(error.message).toContain("HTTP 401 (the token was refused)");
    expect(error.fix).toContain("keyrotor-tokens/gitlab");
    expect(error.fix).toContain("api scope");
    expect(valuesOf({ project: 42 })).toEqual([]);
  });

  it("says forbidden, naming the role, when the token may not write the group's variables", async () => {
    // Prepare
    await start();
    gitlab.failNext(403, {}, { message: "403 Forbidden" });

    // Act
    const error = await failureOf(writerFor({ group: "7" }).deliver(KEY));

    // Assess
    expectFailure(error, "forbidden", [TOKEN]);
    expect(error.fix).toContain("Owner role on group 7");
  });

  it("reports an unknown project as not-found", async () => {
    // Prepare
    await start();

    // Act
    const error = await failureOf(writerFor({ project: "acme/nothing" }).deliver(KEY));

    // Assess
    expectFailure(error, "not-found", [TOKEN]);
    expect(error.message).toContain("HTTP 404 (not found, or not visible to the token)");
    expect(error.fix).toContain("project acme/nothing");
  });

  it("waits out a short rate limit and gives up on a long one", async () => {
    // Prepare: GitLab's 429 carries Retry-After (seconds) and RateLimit-Reset (epoch seconds).
    await start();
    const deps = fakeHttpDeps();
    const writer = writerFor({ project: "42" }, { deps });
    gitlab.failNext(429, { "retry-after": "3", "ratelimit-reset": String(Math.ceil(Date.now() / 1000) + 3) });

    // Act
    await writer.deliver(KEY);
    gitlab.failNext(429, { "retry-after": "600" });
    const error = await failureOf(writer.deliver(KEY));

    // Assess
    expect(deps.waits).toEqual([3000]);
    expect(valuesOf({ project: 42 })).toHaveLength(2);
    expect(error.failure).toBe("rate-limited");
    expect(error.retryAfterSeconds).toBe(600);
  });

  it("reports a 5xx as unavailable", async () => {
    // Prepare
    await start();
    gitlab.failNext(503, {}, { message: "503 Service Unavailable" });

    // Act
    const error = await failureOf(writerFor({ project: "42" }).deliver(KEY));

    // Assess
    expectFailure(error, "unavailable", [TOKEN]);
  });

  it("reaches a self-managed instance under a path prefix", async () => {
    // Prepare
    await start("/gitlab/api/v4");

    // Act
    await writerFor({ project: "acme/app", apiUrl: `${gitlab.url}/` }).deliver(KEY);

    // Assess
    expect(valuesOf({ project: 42 })).toHaveLength(2);
    expect(gitlab.requests.map((r) => r.url.split("?")[0])).toEqual([
      "/gitlab/api/v4/projects/acme%2Fapp/variables/AWS_ACCESS_KEY_ID",
      "/gitlab/api/v4/projects/acme%2Fapp/variables",
      "/gitlab/api/v4/projects/acme%2Fapp/variables/AWS_SECRET_ACCESS_KEY",
      "/gitlab/api/v4/projects/acme%2Fapp/variables",
    ]);
  });
});
