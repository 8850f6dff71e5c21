import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type AzureDevOpsServer,
  startAzureDevOpsServer,
} from "../../../scripts/lib/providers/azure-devops-server";
import { echoEverything } from "../../../scripts/lib/providers/echo";
import { parseConfig } from "../../../shared/config";
import { createAzureDevOpsWriter } from "../../../shared/destinations/azure-devops";
import {
  type AzureDevOpsDestination,
  azureDevOpsKind,
} from "../../../shared/destinations/kinds/azure-devops";
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

const TOKEN = "azdo-pat-0123456789abcdefghijklmnopqrstuvwxyz01234";

let server: AzureDevOpsServer;
let deps: FakeHttpDeps;
let groupId: number;

const destination = (fields: Record<string, unknown> = {}): AzureDevOpsDestination =>
  azureDevOpsKind.schema.parse({
    type: "azure-devops",
    organization: "acme",
    project: "Platform",
    group: "aws-deploy",
    apiUrl: server.url,
    tokenSecret: "keyrotor-tokens/azure-devops",
    ...fields,
  });

const writer = (fields: Record<string, unknown> = {}, token = TOKEN) =>
  createAzureDevOpsWriter(destination(fields), new Redacted(token), deps);

const variables = () => server.group("acme", groupId).variables;

beforeEach(async () => {
  server = await startAzureDevOpsServer({ token: TOKEN, projects: { acme: ["Platform", "Web"] } });
  groupId = server.addGroup("acme", "Platform", {
    name: "aws-deploy",
    variables: { REGION: { value: "eu-west-1" }, STACK: { value: "prod", isReadOnly: true } },
    alsoIn: ["Web"],
  });
  deps = fakeHttpDeps();
});

afterEach(async () => {
  await server.close();
});

describe("createAzureDevOpsWriter", () => {
  it("writes both variables as secrets in one replace, keeping the group's other variables and projects, with the PAT as Basic auth", async () => {
    // Act
    await writer().deliver(KEY);

    // Assess
    expect(variables()).toEqual({
      REGION: { value: "eu-west-1" },
      STACK: { value: "prod", isReadOnly: true },
      AWS_ACCESS_KEY_ID: { value: KEY.accessKeyId, isSecret: true },
      AWS_SECRET_ACCESS_KEY: { value: SECRET, isSecret: true },
    });
    expect(server.group("acme", groupId).projects).toHaveLength(2);
    expect(server.requests.map((r) => r.method)).toEqual(["GET", "PUT", "GET"]);
    expect(server.requests[0]?.url).toBe(
      "/acme/Platform/_apis/distributedtask/variablegroups?groupName=aws-deploy&api-version=7.1",
    );
    expect(server.requests[1]?.url).toBe(
      `/acme/_apis/distributedtask/variablegroups/${groupId}?api-version=7.1`,
    );
    const basic = `Basic ${Buffer.from(`:${TOKEN}`).toString("base64")}`;
    expect(server.requests.every((r) => r.authorization === basic)).toBe(true);
  });

  it("replaces its own secrets on later deliveries, the same key twice leaving the same group", async () => {
    // Prepare
    await writer().deliver(KEY);
    const next = nextKey("AKIAI44QH8DHBEXAMPLE", "je7MtGbClwBF/2Zp9Utk");

    // Act
    await writer().deliver(next);
    const once = variables();
    await writer().deliver(next);

    // Assess
    expect(variables()).toEqual(once);
    expect(once.AWS_SECRET_ACCESS_KEY).toEqual({ value: "je7MtGbClwBF/2Zp9Utk", isSecret: true });
    expect(Object.keys(once)).toHaveLength(4);
  });

  it("takes over its variables spelled in another case rather than adding a second of the same name", async () => {
    // Prepare
    await server.close();
    server = await startAzureDevOpsServer({ token: TOKEN, projects: { acme: ["Platform"] } });
    groupId = server.addGroup("acme", "Platform", {
      name: "AWS-Deploy",
      variables: {
        aws_access_key_id: { value: "old" },
        aws_secret_access_key: { value: null, isSecret: true },
      },
    });

    // Act
    await writer().deliver(KEY);

    // Assess
    expect(Object.keys(variables()).sort()).toEqual(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
  });

  it("refuses a group holding another secret, saying why and what to do, and leaves the group untouched", async () => {
    // Prepare
    await server.close();
    server = await startAzureDevOpsServer({ token: TOKEN, projects: { acme: ["Platform"] } });
    groupId = server.addGroup("acme", "Platform", {
      name: "aws-deploy",
      variables: {
        DB_PASSWORD: { value: "hunter2-not-readable", isSecret: true },
        REGION: { value: "eu-west-1" },
      },
    });
    const before = variables();

    // Act
    const error = await failureOf(writer().deliver(KEY));

    // Assess
    expectFailure(error, "rejected", [TOKEN]);
    expect(error.message).toContain("holds 1 other secret variable");
    expect(error.message).toContain("writing would erase it");
    expect(error.fix).toContain("variable group of their own");
    expect(error.message).not.toContain("DB_PASSWORD");
    expect(variables()).toEqual(before);
    expect(server.requests.map((r) => r.method)).toEqual(["GET"]);
  });

  it("refuses a group that does not exist, saying to create it", async () => {
    // Act
    const error = await failureOf(writer({ group: "nope" }).deliver(KEY));

    // Assess
    expectFailure(error, "not-found", [TOKEN]);
    expect(error.message).toContain("variable group nope of project acme/Platform");
    expect(error.fix).toContain("create the variable group nope");
  });

  it("refuses a group linked to a key vault", async () => {
    // Prepare
    server.addGroup("acme", "Platform", { name: "vault", type: "AzureKeyVault" });

    // Act
    const error = await failureOf(writer({ group: "vault" }).deliver(KEY));

    // Assess
    expectFailure(error, "rejected", [TOKEN]);
    expect(error.message).toContain("key vault");
  });

  it("fails as not-found for a project that does not exist", async () => {
    // Act
    const error = await failureOf(writer({ project: "Nope" }).deliver(KEY));

    // Assess
    expectFailure(error, "not-found", [TOKEN]);
    expect(error.fix).toContain("project Nope");
  });

  it("fails as unauthorized with a wrong PAT, never showing either token or the key", async () => {
    // Prepare
    const wrong = "azdo-pat-WRONG-9876543210zyxwvutsrqponmlkjihgfedcba";

    // Act
    const error = await failureOf(writer({}, wrong).deliver(KEY));

    // Assess
    expectFailure(error, "unauthorized", [wrong, TOKEN, Buffer.from(`:${TOKEN}`).toString("base64")]);
    expect(error.message).toContain("HTTP 401");
    expect(error.fix).toContain("keyrotor-tokens/azure-devops");
    expect(error.fix).toContain("Variable Groups (Read, create & manage)");
  });

  it("takes a 203 sign-in page for a refused token, not for a group listing", async () => {
    // Prepare
    server.answerNext(() => ({ status: 203, body: "<html>Sign In</html>" }));

    // Act
    const error = await failureOf(writer().deliver(KEY));

    // Assess
    expectFailure(error, "unauthorized", [TOKEN]);
    expect(server.requests.map((r) => r.method)).toEqual(["GET"]);
  });

  it("fails as forbidden when the token's user may not edit the group", async () => {
    // Prepare
    server.failWhen((r) => r.method === "PUT", 403);

    // Act
    const error = await failureOf(writer().deliver(KEY));

    // Assess
    expectFailure(error, "forbidden", [TOKEN]);
    expect(error.fix).toContain("Administrator role on variable group aws-deploy");
  });

  it("waits out a short rate limit (Retry-After) and delivers; gives up on a long one", async () => {
    // Prepare
    server.failNext(429, { "retry-after": "2" });

    // Act
    await writer().deliver(KEY);

    // Assess
    expect(deps.waits).toEqual([2000]);
    expect(variables().AWS_ACCESS_KEY_ID?.value).toBe(KEY.accessKeyId);

    // Prepare
    server.failNext(429, { "retry-after": "60" });

    // Act
    const error = await failureOf(writer().deliver(KEY));

    // Assess
    expect(error.failure).toBe("rate-limited");
    expect(error.retryAfterSeconds).toBe(60);
  });

  it("fails as unavailable on a 5xx answer", async () => {
    // Prepare
    server.failWhen((r) => r.method === "PUT", 503);

    // Act
    const error = await failureOf(writer().deliver(KEY));

    // Assess
    expectFailure(error, "unavailable", [TOKEN]);
    expect(variables().AWS_ACCESS_KEY_ID).toBeUndefined();
  });

  it("fails the read-back when the group after writing does not hold the variables as secrets", async () => {
    // Prepare: the second read shows the secret as a plain variable.
    let gets = 0;
    server.answerWhen(
      (r) => r.method === "GET" && ++gets === 2,
      () => ({
        status: 200,
        body: {
          count: 1,
          value: [
            {
              id: groupId,
              name: "aws-deploy",
              type: "Vsts",
              variables: {
                ...variables(),
                AWS_SECRET_ACCESS_KEY: { value: "something else" },
              },
              variableGroupProjectReferences: [{ projectReference: { id: "x" } }],
            },
          ],
        },
      }),
    );

    // Act
    const error = await failureOf(writer().deliver(KEY));

    // Assess
    expectFailure(error, "unavailable", [TOKEN]);
    expect(error.message).toContain("could not be confirmed");
  });

  it("fails the read-back when another variable of the group changed in the write", async () => {
    // Prepare
    let gets = 0;
    server.answerWhen(
      (r) => r.method === "GET" && ++gets === 2,
      (r) => {
        const shown = {
          id: groupId,
          name: "aws-deploy",
          type: "Vsts",
          variables: {
            REGION: { value: "us-east-1" },
            STACK: { value: "prod", isReadOnly: true },
            AWS_ACCESS_KEY_ID: { value: null, isSecret: true },
            AWS_SECRET_ACCESS_KEY: { value: null, isSecret: true },
          },
          variableGroupProjectReferences: [{ projectReference: { id: r.url } }],
        };
        return { status: 200, body: { count: 1, value: [shown] } };
      },
    );

    // Act
    const error = await failureOf(writer().deliver(KEY));

    // Assess
    expect(error.failure).toBe("unavailable");
    expect(error.message).toContain("as they were");
  });

  it("never repeats what an answer echoes: the PAT and the secret stay out of the error", async () => {
    // Prepare
    server.answerWhen((r) => r.text.includes(SECRET), echoEverything(400, [SECRET, TOKEN]));

    // Act
    const error = await failureOf(writer().deliver(KEY));

    // Assess
    expectFailure(error, "rejected", [TOKEN]);
    expectNothingShown(error, [TOKEN, Buffer.from(`:${TOKEN}`).toString("base64")]);
  });

  it("never shows a secret's value when the group is read", async () => {
    // Prepare
    await writer().deliver(KEY);
    const basic = `Basic ${Buffer.from(`:${TOKEN}`).toString("base64")}`;

    // Act
    const listing = await fetch(
      `${server.url}/acme/Platform/_apis/distributedtask/variablegroups?groupName=aws-deploy&api-version=7.1`,
      { headers: { authorization: basic } },
    ).then((r) => r.text());

    // Assess
    expect(listing).not.toContain(SECRET);
    expect(listing).not.toContain(KEY.accessKeyId);
    expect(listing).toContain("eu-west-1");
  });
});

describe("azure-devops destinations in the configuration", () => {
  const parse = (fields: Record<string, unknown>) =>
    azureDevOpsKind.schema.safeParse({
      type: "azure-devops",
      organization: "acme",
      project: "Platform",
      group: "aws-deploy",
      tokenSecret: "keyrotor-tokens/azure-devops",
      ...fields,
    });
  const messages = (fields: Record<string, unknown>) =>
    (parse(fields).error?.issues ?? []).map((i) => `${i.path.join(".")}: ${i.message}`);

  it("defaults apiUrl to dev.azure.com", () => {
    // Act & Assess
    expect(parse({}).data?.apiUrl).toBe("https://dev.azure.com");
  });

  it("refuses a bad organization, project, group, token secret or apiUrl, naming the field", () => {
    // Act & Assess
    expect(messages({ organization: "acme/x" })[0]).toMatch(/^organization: /);
    expect(messages({ project: "a/b" })[0]).toMatch(/^project: /);
    expect(messages({ project: " Platform" })[0]).toMatch(/^project: /);
    expect(messages({ group: "aws-*" })[0]).toMatch(/^group: .*no \*/);
    expect(messages({ tokenSecret: "pat" })[0]).toMatch(/^tokenSecret: /);
    expect(messages({ apiUrl: "http://dev.azure.com" })[0]).toMatch(/^apiUrl: must be an https/);
    expect(messages({ project: "Platform Team", group: "AWS keys (prod)" })).toEqual([]);
  });

  it("refuses variable names Azure Pipelines reserves", () => {
    // Prepare
    const d = parse({ names: { accessKeyId: "SECRET_ID", secretAccessKey: "AWS_KEY" } })
      .data as AzureDevOpsDestination;
    const usual = parse({}).data as AzureDevOpsDestination;

    // Act & Assess
    expect(azureDevOpsKind.problems(d, { secretPrefix: "keyrotor/" })).toEqual([
      "azure-devops: variable names may not start with endpoint, input, secret, path or securefile (Azure Pipelines reserves them)",
    ]);
    expect(azureDevOpsKind.problems(usual, { secretPrefix: "keyrotor/" })).toEqual([]);
  });

  it("describes the group and labels its places", () => {
    // Prepare
    const d = parse({}).data as AzureDevOpsDestination;

    // Act
    const [place] = azureDevOpsKind.places(d);
    const values = (place?.fields ?? []).map((f) =>
      f.parts.map((p) => (p.kind === "text" ? p.text : "")).join(""),
    );

    // Assess
    expect(azureDevOpsKind.describe(d)).toBe(
      "Azure DevOps variable group aws-deploy of project acme/Platform",
    );
    expect(place?.label(values)).toBe(
      "Azure DevOps variable AWS_ACCESS_KEY_ID of group aws-deploy of project acme/Platform",
    );
    expect(azureDevOpsKind.placeId(d)).toBe(
      "azure-devops:https://dev.azure.com:acme/Platform:group:aws-deploy",
    );
  });
});

describe("azure-devops destinations in keyrotor's configuration", () => {
  const DEST = {
    type: "azure-devops",
    organization: "acme",
    project: "Platform",
    group: "aws-deploy",
    tokenSecret: "keyrotor-tokens/azure-devops",
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
        "deliveries[0].destinations[0]: azure-devops: a CI destination takes one user's key",
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

  it("is refused by the configuration with names Azure Pipelines reserves, at the destination", () => {
    // Prepare
    const d = { ...DEST, names: { accessKeyId: "ID", secretAccessKey: "secureFileKey" } };

    // Act & Assess
    expect(() => parseConfig(withDestination(d))).toThrow(
      "deliveries[0].destinations[0]: azure-devops: variable names may not start with endpoint",
    );
  });
});
