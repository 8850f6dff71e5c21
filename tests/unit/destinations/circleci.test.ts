import { afterEach, describe, expect, it } from "vitest";
import { type CircleCiServer, startCircleCiServer } from "../../../scripts/lib/providers/circleci-server";
import { createCircleCiWriter } from "../../../shared/destinations/circleci";
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

const TOKEN = "CCIPAT_localtest_0123456789abcdef";
const CONTEXT = "be8bb2e3-c3d6-4098-89f4-572ff976ba9a";
const APP_SLUG = "circleci/4a8b1c2d-0000-4000-8000-000000000001/7f6e5d4c-0000-4000-8000-000000000002";

let circleci: CircleCiServer;
afterEach(() => circleci?.close());

async function start(prefix?: string): Promise<CircleCiServer> {
  circleci = await startCircleCiServer({
    token: TOKEN,
    projects: ["gh/acme/app", APP_SLUG],
    contexts: [CONTEXT],
    prefix,
  });
  return circleci;
}

/** A writer for a destination as the configuration's schema yields it (defaults filled in), on the local server. */
function writerFor(fields: Record<string, unknown>, options: { token?: string; deps?: HttpDeps } = {}) {
  const dest = parseDestination("circleci", {
    tokenSecret: "keyrotor-tokens/circleci",
    apiUrl: circleci.url,
    ...fields,
  });
  return createCircleCiWriter(dest, new Redacted(options.token ?? TOKEN), options.deps ?? fakeHttpDeps());
}

const DELIVERED = { AWS_ACCESS_KEY_ID: KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: SECRET };

describe("CircleCI destination", () => {
  it("writes both project environment variables", async () => {
    // Prepare
    await start();

    // Act
    await writerFor({ project: "gh/acme/app" }).deliver(KEY);

    // Assess
    expect(circleci.variables({ project: "gh/acme/app" })).toEqual(DELIVERED);
    expect(circleci.requests).toEqual([
      { method: "POST", url: "/api/v2/project/gh/acme/app/envvar" },
      { method: "POST", url: "/api/v2/project/gh/acme/app/envvar" },
    ]);
  });

  it("replaces the values on the next deliveries, under the configured names, adding none", async () => {
    // Prepare
    await start();
    const writer = writerFor({
      project: APP_SLUG,
      names: { accessKeyId: "DEPLOY_ID", secretAccessKey: "DEPLOY_KEY" },
    });
    await writer.deliver(KEY);
    const next = nextKey("AKIANEWKEY0000000002", "n3w/Secret+Value");

    // Act
    await writer.deliver(next);
    await writer.deliver(next);

    // Assess
    expect(circleci.variables({ project: APP_SLUG })).toEqual({
      DEPLOY_ID: "AKIANEWKEY0000000002",
      DEPLOY_KEY: "n3w/Secret+Value",
    });
  });

  it("writes a context's variables, leaving its other variables alone", async () => {
    // Prepare
    await start();
    circleci.seed({ context: CONTEXT }, "OTHER_TOKEN", "keep-me");

    // Act
    await writerFor({ context: CONTEXT }).deliver(KEY);

    // Assess
    expect(circleci.variables({ context: CONTEXT })).toEqual({ OTHER_TOKEN: "keep-me", ...DELIVERED });
    expect(circleci.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      `PUT /api/v2/context/${CONTEXT}/environment-variable/AWS_ACCESS_KEY_ID`,
      `PUT /api/v2/context/${CONTEXT}/environment-variable/AWS_SECRET_ACCESS_KEY`,
    ]);
  });

  it("answers a wrong token with an unauthorized error that holds neither token nor key", async () => {
    // Prepare
    await start();

    // Act
    const error = await failureOf(
      writerFor({ project: "gh/acme/app" }, { token: "CCIPAT_wrong" }).deliver(KEY),
    );

    // Assess
    expectFailure(error, "unauthorized", [TOKEN, "CCIPAT_wrong"]);
    expect(error.message).toContain("HTTP 401 (the token was refused)");
    expect(error.message).not.toContain("You must log in first.");
    expect(error.fix).toContain("personal API token");
    expect(error.fix).toContain("keyrotor-tokens/circleci");
    expect(circleci.variables({ project: "gh/acme/app" })).toEqual({});
  });

  it("says forbidden, naming the context's security group, when the token's user may not write it", async () => {
    // Prepare
    await start();
    circleci.failNext(403, {}, { message: "Permission denied" });

    // Act
    const error = await failureOf(writerFor({ context: CONTEXT }).deliver(KEY));

    // Assess
    expectFailure(error, "forbidden", [TOKEN]);
    expect(error.fix).toContain(`security group of context ${CONTEXT}`);
  });

  it("reports an unknown project or context as not-found", async () => {
    // Prepare
    await start();
    const unknownContext = "00000000-0000-4000-8000-000000000000";

    // Act
    const project = await failureOf(writerFor({ project: "gh/acme/nothing" }).deliver(KEY));
    const context = await failureOf(writerFor({ context: unknownContext }).deliver(KEY));

    // Assess
    expect([project.failure, context.failure]).toEqual(["not-found", "not-found"]);
    expect(project.message).toContain("HTTP 404 (not found, or not visible to the token)");
    expect(project.fix).toContain("project gh/acme/nothing");
    expect(context.fix).toContain(`context ${unknownContext}`);
    expectNothingShown(project, [TOKEN]);
  });

  it("waits out a short rate limit and gives up on a long one", async () => {
    // Prepare: CircleCI's 429 carries Retry-After.
    await start();
    const deps = fakeHttpDeps();
    const writer = writerFor({ project: "gh/acme/app" }, { deps });
    circleci.failNext(429, { "retry-after": "2" }, { message: "Rate limit exceeded" });

    // Act
    await writer.deliver(KEY);
    circleci.failNext(429, { "retry-after": "3600" }, { message: "Rate limit exceeded" });
    const error = await failureOf(writer.deliver(KEY));

    // Assess
    expect(deps.waits).toEqual([2000]);
    expect(circleci.variables({ project: "gh/acme/app" })).toEqual(DELIVERED);
    expect(error.failure).toBe("rate-limited");
    expect(error.retryAfterSeconds).toBe(3600);
  });

  it("reports a 5xx as unavailable", async () => {
    // Prepare
    await start();
    circleci.failNext(502, {}, "<html>Bad Gateway</html>");

    // Act
    const error = await failureOf(writerFor({ project: "gh/acme/app" }).deliver(KEY));

    // Assess
    expectFailure(error, "unavailable", [TOKEN]);
  });

  it("reaches a CircleCI server under a path prefix", async () => {
    // Prepare
    await start("/circleci/api/v2");

    // Act
    await writerFor({ project: "gh/acme/app", apiUrl: `${circleci.url}/` }).deliver(KEY);

    // Assess
    expect(circleci.variables({ project: "gh/acme/app" })).toEqual(DELIVERED);
    expect(circleci.requests.map((r) => r.url)).toEqual([
      "/circleci/api/v2/project/gh/acme/app/envvar",
      "/circleci/api/v2/project/gh/acme/app/envvar",
    ]);
  });
});
