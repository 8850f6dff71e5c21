import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BitbucketServer, startBitbucketServer } from "../../scripts/lib/providers/bitbucket-server";
import { type OneDestination, startOneDestination } from "../support/one-destination";

/**
 * The Bitbucket destination end to end: a rotation through the real handlers against moto writes the
 * new key into secured Pipelines variables of a local Bitbucket, a repository's pair and a deployment
 * environment's pair, the repository's other variable kept; day 100 retires the old key.
 */

const TOKEN = "ATCTT3xFfGN0e2e-bitbucket-access-token-0007";
const REPOSITORY = { workspace: "acme", slug: "deployer" };
const PRODUCTION = { ...REPOSITORY, environment: "Production" };

let bitbucket: BitbucketServer;
let run: OneDestination;

const writes = () => bitbucket.requests.filter((r) => r.method !== "GET").length;
const stored = (ref: typeof REPOSITORY | typeof PRODUCTION) =>
  bitbucket.variables(ref).map(({ key, value, secured }) => ({ key, value, secured }));

beforeAll(async () => {
  bitbucket = await startBitbucketServer({
    token: TOKEN,
    repositories: [{ ...REPOSITORY, environments: ["Test", "Production"] }],
  });
  bitbucket.seed(REPOSITORY, { key: "DEPLOY_REGION", value: "eu-west-1" });
  const destination = { type: "bitbucket", apiUrl: bitbucket.url, tokenSecret: "keyrotor-tokens/bitbucket" };
  run = await startOneDestination({
    ledger: "keyrotor-bitbucket-ledger",
    token: { name: "keyrotor-tokens/bitbucket", value: TOKEN },
    destination: () => [
      { ...destination, workspace: "acme", repository: "deployer" },
      { ...destination, workspace: "acme", repository: "deployer", environment: "Production" },
    ],
  });
}, 120_000);

afterAll(async () => {
  await bitbucket?.close();
  await run?.stop();
});

describe("delivering a rotated key to Bitbucket Pipelines variables", () => {
  let newKey: { AccessKeyId: string; SecretAccessKey: string };
  let writesOnDay90 = 0;

  it("day 90: the repository's and the environment's secured variables hold the new key of the member account's secret", async () => {
    // Act
    await run.runDay(90);

    // Assess
    newKey = await run.storedKey();
    expect(newKey.AccessKeyId).not.toBe(run.originalKey);
    const pair = [
      { key: "AWS_SECRET_ACCESS_KEY", value: newKey.SecretAccessKey, secured: true },
      { key: "AWS_ACCESS_KEY_ID", value: newKey.AccessKeyId, secured: true },
    ];
    expect(stored(REPOSITORY)).toEqual([
      { key: "DEPLOY_REGION", value: "eu-west-1", secured: false },
      ...pair,
    ]);
    expect(stored(PRODUCTION)).toEqual(pair);
    expect(stored({ ...REPOSITORY, environment: "Test" })).toEqual([]);
    expect(await run.keys()).toEqual(
      expect.arrayContaining([`${run.originalKey}:Active`, `${newKey.AccessKeyId}:Active`]),
    );
    writesOnDay90 = writes();
  });

  it("day 100: the old key is retired, and Bitbucket is not written again", async () => {
    // Act
    await run.runDay(100);

    // Assess
    expect(await run.keys()).toEqual(
      expect.arrayContaining([`${run.originalKey}:Inactive`, `${newKey.AccessKeyId}:Active`]),
    );
    expect(writes()).toBe(writesOnDay90);
    expect(stored(PRODUCTION).map((v) => v.value)).toEqual([newKey.SecretAccessKey, newKey.AccessKeyId]);
  });

  it("no log line holds the key's secret or the token", () => {
    // Assess
    const leaks = run.service.output.filter((l) => l.includes(TOKEN) || l.includes(newKey.SecretAccessKey));
    expect(leaks).toEqual([]);
    expect(run.service.output.length).toBeGreaterThan(0);
  });
});
