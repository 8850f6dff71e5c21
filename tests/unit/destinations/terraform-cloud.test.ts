import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  startTerraformCloudServer,
  type TerraformCloudServer,
} from "../../../scripts/lib/providers/terraform-cloud-server";
import type { TerraformCloudDestination } from "../../../shared/destinations/schema";
import { createTerraformCloudWriter } from "../../../shared/destinations/terraform-cloud";
import { Redacted } from "../../../shared/redacted";
import {
  expectFailure,
  type FakeHttpDeps,
  failureOf,
  fakeHttpDeps,
  KEY,
  nextKey,
  parseDestination,
  SECRET,
} from "../../support/destinations";

const TOKEN = "tfc-team-token.atlasv1.right0123456789";

let server: TerraformCloudServer;
let deps: FakeHttpDeps;

/** A destination as keyrotor's configuration yields it (schema defaults applied). */
const destination = (fields: Record<string, unknown> = {}): TerraformCloudDestination =>
  parseDestination("terraform-cloud", {
    organization: "acme",
    workspace: "prod",
    apiUrl: server.url,
    tokenSecret: "keyrotor-tokens/terraform-cloud",
    ...fields,
  });

const writer = (fields: Record<string, unknown> = {}, token = TOKEN) =>
  createTerraformCloudWriter(destination(fields), new Redacted(token), deps);

/** The key and value pairs of a workspace's variables of one category. */
const stored = (category: string) =>
  Object.fromEntries(
    server
      .variables("acme", "prod")
      .filter((v) => v.category === category)
      .map((v) => [v.key, v.value]),
  );

beforeEach(async () => {
  server = await startTerraformCloudServer({ token: TOKEN, organizations: { acme: ["prod", "staging"] } });
  deps = fakeHttpDeps();
});

afterEach(async () => {
  await server.close();
});

describe("createTerraformCloudWriter", () => {
  it("creates both variables as sensitive env variables of the workspace, with a JSON:API body and the bearer token", async () => {
    // Prepare
    const w = writer();

    // Act
    await w.deliver(KEY);

    // Assess
    expect(stored("env")).toEqual({ AWS_ACCESS_KEY_ID: KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: SECRET });
    for (const v of server.variables("acme", "prod")) {
      expect(v).toMatchObject({ sensitive: true, hcl: false });
      expect(v.id).toMatch(/^var-/);
      expect(v.description).toContain("ci-deployer");
    }
    const writes = server.requests.filter((r) => r.method === "POST");
    expect(writes).toHaveLength(2);
    expect(writes[0]?.contentType).toBe("application/vnd.api+json");
    expect(server.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(server.requests.map((r) => r.path)).toContain("/api/v2/organizations/acme/workspaces/prod");
  });

  it("updates the same variables on a second delivery: no duplicates, ids unchanged", async () => {
    // Prepare
    const w = writer();
    await w.deliver(KEY);
    const before = server.variables("acme", "prod").map((v) => v.id);
    const next = nextKey("AKIAI44QH8DHBEXAMPLE", "je7MtGbClwBF/2Zp9Utk");

    // Act
    await w.deliver(next);
    await w.deliver(next);

    // Assess
    expect(server.variables("acme", "prod").map((v) => v.id)).toEqual(before);
    expect(stored("env")).toEqual({
      AWS_ACCESS_KEY_ID: next.accessKeyId,
      AWS_SECRET_ACCESS_KEY: "je7MtGbClwBF/2Zp9Utk",
    });
    expect(server.requests.filter((r) => r.method === "POST")).toHaveLength(2);
    expect(server.requests.filter((r) => r.method === "PATCH")).toHaveLength(4);
  });

  it("keeps terraform and env variables of the same name apart", async () => {
    // Prepare
    const terraform = server.addVariable("acme", "prod", {
      key: "AWS_ACCESS_KEY_ID",
      value: "left alone",
      category: "terraform",
    });

    // Act
    await writer({ category: "env" }).deliver(KEY);

    // Assess
    expect(stored("terraform")).toEqual({ AWS_ACCESS_KEY_ID: "left alone" });
    expect(stored("env")).toEqual({ AWS_ACCESS_KEY_ID: KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: SECRET });

    // Act
    await writer({ category: "terraform" }).deliver(KEY);

    // Assess
    expect(stored("terraform")).toEqual({
      AWS_ACCESS_KEY_ID: KEY.accessKeyId,
      AWS_SECRET_ACCESS_KEY: SECRET,
    });
    expect(server.variables("acme", "prod").find((v) => v.id === terraform.id)?.value).toBe(KEY.accessKeyId);
    expect(server.variables("acme", "prod")).toHaveLength(4);
  });

  it("writes under the configured variable names", async () => {
    // Prepare
    const w = writer({ names: { accessKeyId: "DEPLOY_KEY_ID", secretAccessKey: "DEPLOY_SECRET" } });

    // Act
    await w.deliver(KEY);

    // Assess
    expect(stored("env")).toEqual({ DEPLOY_KEY_ID: KEY.accessKeyId, DEPLOY_SECRET: SECRET });
  });

  it("finds the variables to update on a later page of the listing", async () => {
    // Prepare
    await server.close();
    server = await startTerraformCloudServer({
      token: TOKEN,
      organizations: { acme: ["prod"] },
      maxPageSize: 2,
    });
    for (const key of ["A", "B", "C", "D"]) {
      server.addVariable("acme", "prod", { key, value: key, category: "env" });
    }
    await writer().deliver(KEY);
    const ids = server.variables("acme", "prod").map((v) => v.id);

    // Act
    await writer().deliver(KEY);

    // Assess
    expect(server.variables("acme", "prod").map((v) => v.id)).toEqual(ids);
    expect(ids).toHaveLength(6);
  });

  it("updates a variable that a concurrent delivery created after the listing", async () => {
    // Prepare
    let raced = false;
    deps = {
      ...deps,
      fetch: async (input, init) => {
        if (init?.method === "POST" && !raced) {
          raced = true;
          server.addVariable("acme", "prod", { key: "AWS_ACCESS_KEY_ID", value: "other", category: "env" });
        }
        return globalThis.fetch(input, init);
      },
    };

    // Act
    await writer().deliver(KEY);

    // Assess
    expect(stored("env")).toEqual({ AWS_ACCESS_KEY_ID: KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: SECRET });
    expect(server.variables("acme", "prod")).toHaveLength(2);
  });

  it("fails as unauthorized with a wrong token, naming the token's secret but never the token or the key", async () => {
    // Prepare
    const wrong = "tfc-team-token.atlasv1.WRONG9876543210";

    // Act
    const error = await failureOf(writer({}, wrong).deliver(KEY));

    // Assess
    expectFailure(error, "unauthorized", [wrong, TOKEN]);
    expect(error.fix).toContain("keyrotor-tokens/terraform-cloud");
    expect(server.variables("acme", "prod")).toEqual([]);
  });

  it("fails as not-found for a workspace that does not exist or that the token cannot see", async () => {
    // Act
    const error = await failureOf(writer({ workspace: "nope" }).deliver(KEY));

    // Assess
    expect(error.failure).toBe("not-found");
    expect(error.message).toContain("acme/nope");
    expect(error.fix).toContain("write variables");
    expect(server.requests).toHaveLength(1);
  });

  it("fails as rejected when the API refuses the variable, in keyrotor's words rather than the API's", async () => {
    // Prepare
    const refusal = { errors: [{ status: "422", title: "invalid attribute", detail: "Key is invalid" }] };
    deps = {
      ...deps,
      fetch: async (input, init) => {
        if (init?.method === "POST") server.failNext(422, {}, refusal);
        return globalThis.fetch(input, init);
      },
    };
    const w = writer();

    // Act
    const error = await failureOf(w.deliver(KEY));

    // Assess
    expectFailure(error, "rejected", [TOKEN]);
    expect(error.message).toContain("HTTP 422 (the request was refused as invalid)");
    expect(error.message).not.toContain("Key is invalid");
    expect(server.variables("acme", "prod")).toEqual([]);
  });

  it("waits out a short rate limit (X-RateLimit-Reset in seconds from now) and delivers", async () => {
    // Prepare
    server.failNext(429, { "x-ratelimit-reset": "0.25" });

    // Act
    await writer().deliver(KEY);

    // Assess
    expect(deps.waits).toEqual([250]);
    expect(stored("env")).toEqual({ AWS_ACCESS_KEY_ID: KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: SECRET });
  });

  it("gives up as rate-limited when the limit lifts later than keyrotor waits", async () => {
    // Prepare
    server.failNext(429, { "x-ratelimit-reset": "30" });

    // Act
    const error = await failureOf(writer().deliver(KEY));

    // Assess
    expect(error.failure).toBe("rate-limited");
    expect(error.retryAfterSeconds).toBe(30);
    expect(deps.waits).toEqual([]);
  });

  it("fails as unavailable on a 5xx answer", async () => {
    // Prepare
    server.failNext(503);

    // Act
    const error = await failureOf(writer().deliver(KEY));

    // Assess
    expect(error.failure).toBe("unavailable");
    expect(server.variables("acme", "prod")).toEqual([]);
  });

  it("never reads a sensitive value back: the listing shows it as null", async () => {
    // Prepare
    await writer().deliver(KEY);

    // Act
    const listing = await fetch(`${server.url}/organizations/acme/workspaces/prod`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    })
      .then((r) => r.json() as Promise<{ data: { id: string } }>)
      .then(({ data }) =>
        fetch(`${server.url}/workspaces/${data.id}/vars`, { headers: { authorization: `Bearer ${TOKEN}` } }),
      )
      .then((r) => r.text());

    // Assess
    expect(listing).not.toContain(SECRET);
    expect(listing).not.toContain(KEY.accessKeyId);
    expect(JSON.parse(listing).data[0].attributes.value).toBeNull();
  });
});

describe("Terraform Enterprise", () => {
  it("talks to the instance named by apiUrl, trailing slash or not", async () => {
    // Prepare
    await server.close();
    server = await startTerraformCloudServer({
      token: TOKEN,
      organizations: { platform: ["ci"] },
      basePath: "/tfe/api/v2",
    });
    const w = writer({ organization: "platform", workspace: "ci", apiUrl: `${server.url}/` });

    // Act
    await w.deliver(KEY);

    // Assess
    expect(server.url).toMatch(/\/tfe\/api\/v2$/);
    expect(server.variables("platform", "ci").map((v) => v.key)).toEqual([
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
    ]);
  });

  it("defaults to app.terraform.io", async () => {
    // Prepare
    const urls: string[] = [];
    deps = {
      ...deps,
      fetch: async (input) => {
        urls.push(String(input));
        return new Response(JSON.stringify({ errors: [{ status: "401", title: "unauthorized" }] }), {
          status: 401,
        });
      },
    };
    const { apiUrl: _, ...fields } = destination();
    const d = parseDestination("terraform-cloud", fields);

    // Act
    const error = await failureOf(createTerraformCloudWriter(d, new Redacted(TOKEN), deps).deliver(KEY));

    // Assess
    expect(urls).toEqual(["https://app.terraform.io/api/v2/organizations/acme/workspaces/prod"]);
    expect(error.message).toContain("app.terraform.io");
  });
});
