import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type BitbucketServer, startBitbucketServer } from "../../../scripts/lib/providers/bitbucket-server";
import { echoEverything } from "../../../scripts/lib/providers/echo";
import { parseConfig } from "../../../shared/config";
import { createBitbucketWriter } from "../../../shared/destinations/bitbucket";
import { type BitbucketDestination, bitbucketKind } from "../../../shared/destinations/kinds/bitbucket";
import { Redacted } from "../../../shared/redacted";
import {
  expectFailure,
  expectNothingShown,
  type FakeHttpDeps,
  failureOf,
  fakeHttpDeps,
  KEY,
  nextKey,
  SECRET,
} from "../../support/destinations";

const TOKEN = "ATCTT3xFfGN0-repository-access-token-0123";
const REPO = { workspace: "acme", slug: "app" };

let server: BitbucketServer;
let deps: FakeHttpDeps;

const destination = (fields: Record<string, unknown> = {}): BitbucketDestination =>
  bitbucketKind.schema.parse({
    type: "bitbucket",
    workspace: "acme",
    repository: "app",
    apiUrl: server.url,
    tokenSecret: "keyrotor-tokens/bitbucket",
    ...fields,
  });

const writer = (fields: Record<string, unknown> = {}, token = TOKEN) =>
  createBitbucketWriter(destination(fields), new Redacted(token), deps);

/** The key, value and secured flag of each variable, as the server stores them. */
const stored = (environment?: string) =>
  server.variables({ ...REPO, environment }).map((v) => [v.key, v.value, v.secured]);

beforeEach(async () => {
  server = await startBitbucketServer({
    token: TOKEN,
    repositories: [{ ...REPO, environments: ["Production", "Staging"] }],
  });
  deps = fakeHttpDeps();
});

afterEach(async () => {
  await server.close();
});

describe("createBitbucketWriter", () => {
  it("creates both repository variables secured, the secret first, with the access token as Bearer", async () => {
    // Act
    await writer().deliver(KEY);

    // Assess
    expect(stored()).toEqual([
      ["AWS_SECRET_ACCESS_KEY", SECRET, true],
      ["AWS_ACCESS_KEY_ID", KEY.accessKeyId, true],
    ]);
    expect(server.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(server.requests.map((r) => r.method)).toEqual(["GET", "POST", "POST", "GET"]);
    expect(server.requests[0]?.url).toBe("/2.0/repositories/acme/app/pipelines_config/variables?pagelen=100");
  });

  it("updates the same variables by uuid on later deliveries: no duplicates, uuids unchanged", async () => {
    // Prepare
    await writer().deliver(KEY);
    const uuids = server.variables(REPO).map((v) => v.uuid);
    const next = nextKey("AKIAI44QH8DHBEXAMPLE", "je7MtGbClwBF/2Zp9Utk");
    const sent = server.requests.length;

    // Act
    await writer().deliver(next);
    await writer().deliver(next);

    // Assess
    expect(server.variables(REPO).map((v) => v.uuid)).toEqual(uuids);
    expect(stored()).toEqual([
      ["AWS_SECRET_ACCESS_KEY", "je7MtGbClwBF/2Zp9Utk", true],
      ["AWS_ACCESS_KEY_ID", next.accessKeyId, true],
    ]);
    const later = server.requests.slice(sent);
    expect(later.filter((r) => r.method === "POST")).toEqual([]);
    expect(later.filter((r) => r.method === "PUT").map((r) => r.url)).toContain(
      `/2.0/repositories/acme/app/pipelines_config/variables/${encodeURIComponent(uuids[0] ?? "")}`,
    );
  });

  it("takes over a plain variable of that name someone created, making it secured", async () => {
    // Prepare
    const plain = server.seed(REPO, { key: "AWS_ACCESS_KEY_ID", value: "typed in by hand" });
    server.seed(REPO, { key: "OTHER", value: "left alone" });

    // Act
    await writer().deliver(KEY);

    // Assess
    const byKey = new Map(server.variables(REPO).map((v) => [v.key, v]));
    expect(byKey.get("AWS_ACCESS_KEY_ID")).toEqual({ ...plain, value: KEY.accessKeyId, secured: true });
    expect(byKey.get("OTHER")).toMatchObject({ value: "left alone", secured: false });
    expect(server.variables(REPO)).toHaveLength(3);
  });

  it("writes a deployment environment's variables, found by the environment's name, leaving the repository's alone", async () => {
    // Prepare
    const uuid = server.environmentUuid({ ...REPO, environment: "Production" });

    // Act
    await writer({ environment: "Production" }).deliver(KEY);

    // Assess
    expect(stored("Production")).toEqual([
      ["AWS_SECRET_ACCESS_KEY", SECRET, true],
      ["AWS_ACCESS_KEY_ID", KEY.accessKeyId, true],
    ]);
    expect(stored()).toEqual([]);
    expect(stored("Staging")).toEqual([]);
    expect(server.requests[0]?.url).toBe("/2.0/repositories/acme/app/environments?pagelen=100");
    expect(server.requests[1]?.url).toBe(
      `/2.0/repositories/acme/app/deployments_config/environments/${encodeURIComponent(uuid)}/variables?pagelen=100`,
    );
  });

  it("fails as not-found for an environment the repository does not have, writing nothing", async () => {
    // Act
    const error = await failureOf(writer({ environment: "production" }).deliver(KEY));

    // Assess
    expectFailure(error, "not-found", [TOKEN]);
    expect(error.message).toContain("environment production of repository acme/app");
    expect(error.fix).toContain("case-sensitive");
    expect(server.requests.map((r) => r.method)).toEqual(["GET"]);
  });

  it("finds the variables to update on a later page of the listing", async () => {
    // Prepare
    await server.close();
    server = await startBitbucketServer({ token: TOKEN, repositories: [REPO], maxPageLen: 2 });
    for (const key of ["A", "B", "C"]) server.seed(REPO, { key, value: key });
    await writer().deliver(KEY);
    const uuids = server.variables(REPO).map((v) => v.uuid);

    // Act
    await writer().deliver(KEY);

    // Assess
    expect(server.variables(REPO).map((v) => v.uuid)).toEqual(uuids);
    expect(uuids).toHaveLength(5);
    expect(server.requests.some((r) => r.url.includes("page=3"))).toBe(true);
  });

  it("refuses a listing whose next page is on another origin: the token never goes there", async () => {
    // Prepare
    const elsewhere = await startBitbucketServer({ token: TOKEN, repositories: [REPO] });
    server.answerNext(() => ({
      status: 200,
      body: {
        values: [],
        page: 1,
        pagelen: 100,
        next: `${elsewhere.url}/repositories/acme/app/pipelines_config/variables?page=2`,
      },
    }));

    // Act
    const error = await failureOf(writer().deliver(KEY));

    // Assess
    expectFailure(error, "not-found", [TOKEN]);
    expect(error.message).toContain("next page is on another origin (refused)");
    expect(elsewhere.requests).toEqual([]);
    expect(stored()).toEqual([]);
    await elsewhere.close();
  });

  it("updates a variable that a concurrent delivery created after the listing (409 on create)", async () => {
    // Prepare
    let raced = false;
    deps = {
      ...deps,
      fetch: async (input, init) => {
        if (init?.method === "POST" && !raced) {
          raced = true;
          server.seed(REPO, { key: "AWS_SECRET_ACCESS_KEY", value: "other", secured: true });
        }
        return globalThis.fetch(input, init);
      },
    };

    // Act
    await createBitbucketWriter(destination(), new Redacted(TOKEN), deps).deliver(KEY);

    // Assess
    expect(stored()).toEqual([
      ["AWS_SECRET_ACCESS_KEY", SECRET, true],
      ["AWS_ACCESS_KEY_ID", KEY.accessKeyId, true],
    ]);
  });

  it("fails as unauthorized with a wrong token, naming the token's secret but never the token or the key", async () => {
    // Prepare
    const wrong = "ATCTT3xFfGN0-WRONG-token-9876543210";

    // Act
    const error = await failureOf(writer({}, wrong).deliver(KEY));

    // Assess
    expectFailure(error, "unauthorized", [wrong, TOKEN]);
    expect(error.message).toContain("HTTP 401");
    expect(error.fix).toContain("keyrotor-tokens/bitbucket");
    expect(error.fix).toContain("Edit variables");
    expect(stored()).toEqual([]);
  });

  it("fails as not-found for a repository that does not exist or that the token cannot see", async () => {
    // Act
    const error = await failureOf(writer({ repository: "nope" }).deliver(KEY));

    // Assess
    expectFailure(error, "not-found", [TOKEN]);
    expect(error.message).toContain("repository acme/nope");
  });

  it("fails as forbidden when the token lacks the variables scope", async () => {
    // Prepare
    server.failWhen((r) => r.method === "POST", 403);

    // Act
    const error = await failureOf(writer().deliver(KEY));

    // Assess
    expectFailure(error, "forbidden", [TOKEN]);
    expect(error.fix).toContain("pipeline:variable");
  });

  it("waits out a short rate limit and delivers; gives up as rate-limited on a long one", async () => {
    // Prepare
    server.failNext(429, { "retry-after": "1" });

    // Act
    await writer().deliver(KEY);

    // Assess
    expect(deps.waits).toEqual([1000]);
    expect(stored()).toHaveLength(2);

    // Prepare
    server.failNext(429);

    // Act
    const error = await failureOf(writer().deliver(KEY));

    // Assess
    expect(error.failure).toBe("rate-limited");
  });

  it("fails as unavailable on a 5xx answer", async () => {
    // Prepare
    server.failNext(503);

    // Act
    const error = await failureOf(writer().deliver(KEY));

    // Assess
    expectFailure(error, "unavailable", [TOKEN]);
    expect(stored()).toEqual([]);
  });

  it("fails the read-back when the listing after writing shows a variable not secured", async () => {
    // Prepare: the listing after both writes shows the secret as plain.
    let gets = 0;
    server.answerWhen(
      (r) => r.method === "GET" && ++gets === 2,
      () => ({
        status: 200,
        body: {
          values: server
            .variables(REPO)
            .map((v) => ({ uuid: v.uuid, key: v.key, secured: v.key !== "AWS_SECRET_ACCESS_KEY" })),
        },
      }),
    );

    // Act
    const error = await failureOf(writer().deliver(KEY));

    // Assess
    expectFailure(error, "rejected", [TOKEN]);
    expect(error.message).toContain("AWS_SECRET_ACCESS_KEY");
    expect(error.message).toContain("not secured");
  });

  it("fails the read-back when the listing after writing does not show a variable", async () => {
    // Prepare
    let gets = 0;
    server.answerWhen(
      (r) => r.method === "GET" && ++gets === 2,
      () => ({ status: 200, body: { values: [] } }),
    );

    // Act
    const error = await failureOf(writer().deliver(KEY));

    // Assess
    expectFailure(error, "unavailable", [TOKEN]);
    expect(error.message).toContain("does not show it");
  });

  it("never repeats what an answer echoes: the token and the secret stay out of the error", async () => {
    // Prepare
    server.answerWhen((r) => r.text.includes(SECRET), echoEverything(400, [SECRET, TOKEN]));

    // Act
    const error = await failureOf(writer().deliver(KEY));

    // Assess
    expectFailure(error, "rejected", [TOKEN]);
    expectNothingShown(error, [TOKEN]);
    expect(error.message).toContain("HTTP 400 (the request was refused as malformed)");
  });

  it("never shows a secured value in a listing", async () => {
    // Prepare
    await writer().deliver(KEY);

    // Act
    const listing = await fetch(`${server.url}/repositories/acme/app/pipelines_config/variables`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    }).then((r) => r.text());

    // Assess
    expect(listing).not.toContain(SECRET);
    expect(listing).not.toContain(KEY.accessKeyId);
  });
});

describe("bitbucket destinations in the configuration", () => {
  const parse = (fields: Record<string, unknown>) =>
    bitbucketKind.schema.safeParse({
      type: "bitbucket",
      workspace: "acme",
      repository: "app",
      tokenSecret: "keyrotor-tokens/bitbucket",
      ...fields,
    });
  const messages = (fields: Record<string, unknown>) =>
    (parse(fields).error?.issues ?? []).map((i) => `${i.path.join(".")}: ${i.message}`);

  it("defaults apiUrl to Bitbucket Cloud's API", () => {
    // Act
    const d = parse({}).data;

    // Assess
    expect(d?.apiUrl).toBe("https://api.bitbucket.org/2.0");
  });

  it("refuses a bad workspace, repository, environment, token secret or apiUrl, naming the field", () => {
    // Act & Assess
    expect(messages({ workspace: "acme/app" })).toEqual([
      "workspace: must be the workspace's slug (letters, digits, -, _ and .) or its {uuid}",
    ]);
    expect(messages({ repository: "" })[0]).toMatch(/^repository: /);
    expect(messages({ environment: " Production" })[0]).toMatch(/^environment: /);
    expect(messages({ tokenSecret: "bitbucket" })[0]).toMatch(/^tokenSecret: .*keyrotor-tokens\//);
    expect(messages({ apiUrl: "http://api.bitbucket.org/2.0" })[0]).toMatch(/^apiUrl: must be an https/);
    expect(messages({ branch: "main" })).toHaveLength(1);
    expect(messages({ workspace: "{6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d}", environment: "Test 2" })).toEqual(
      [],
    );
  });

  it("tells a repository's variables from an environment's, and describes each", () => {
    // Prepare
    const repo = parse({}).data as BitbucketDestination;
    const env = parse({ environment: "Production" }).data as BitbucketDestination;

    // Act & Assess
    expect(bitbucketKind.placeId(repo)).not.toBe(bitbucketKind.placeId(env));
    expect(bitbucketKind.describe(repo)).toBe(
      "Bitbucket Pipelines repository variables of repository acme/app",
    );
    expect(bitbucketKind.describe(env)).toBe(
      "Bitbucket Pipelines deployment variables of environment Production of repository acme/app",
    );
    const [place] = bitbucketKind.places(env);
    const values = (place?.fields ?? []).map((f) =>
      f.parts.map((p) => (p.kind === "text" ? p.text : "")).join(""),
    );
    expect(place?.label(values)).toBe(
      "Bitbucket variable AWS_ACCESS_KEY_ID of environment Production of repository acme/app",
    );
    expect(bitbucketKind.template).toBeUndefined();
  });
});

describe("bitbucket destinations in keyrotor's configuration", () => {
  const DEST = {
    type: "bitbucket",
    workspace: "acme",
    repository: "app",
    tokenSecret: "keyrotor-tokens/bitbucket",
  };
  const withDestination = (destination: object, account = "123456789012", user = "ci-deploy") => ({
    senderEmail: "keyrotor@example.com",
    deliveryKmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    deliveries: [{ account, user, destinations: [destination] }],
  });

  it("is accepted with its defaults filled in", () => {
    // Act
    const config = parseConfig(withDestination(DEST));

    // Assess
    expect(config.deliveries?.[0]?.destinations[0]).toMatchObject({
      ...DEST,
      apiUrl: expect.stringMatching(/^https:/),
    });
  });

  it("takes one user's key: a wildcard user or account * is refused", () => {
    // Act & Assess
    for (const [account, user] of [
      ["123456789012", "ci-*"],
      ["*", "ci-deploy"],
    ] as const) {
      expect(() => parseConfig(withDestination(DEST, account, user))).toThrow(
        "deliveries[0].destinations[0]: bitbucket: a CI destination takes one user's key",
      );
    }
  });

  it("refuses two bindings sending two users' keys to one place", () => {
    // Prepare
    const config = {
      ...withDestination(DEST),
      deliveries: [
        { account: "123456789012", user: "a", destinations: [DEST] },
        { account: "123456789012", user: "b", destinations: [DEST] },
      ],
    };

    // Act & Assess
    expect(() => parseConfig(config)).toThrow(/deliveries\[1\]\.destinations\[0\]/);
  });
});
