import { afterEach, describe, expect, it } from "vitest";
import { startVaultServer, type VaultServer } from "../../../scripts/lib/providers/vault-server";
import { type VaultDestination, vaultKind } from "../../../shared/destinations/kinds/vault";
import type { HttpDeps } from "../../../shared/destinations/types";
import { createVaultWriter } from "../../../shared/destinations/vault";
import { Redacted } from "../../../shared/redacted";
import {
  expectFailure,
  expectNothingShown,
  failureOf,
  fakeHttpDeps,
  KEY,
  nextKey,
  SECRET,
} from "../../support/destinations";

const TOKEN = "hvs.CAESIlocalTestToken0123456789abcdef";
const DELIVERED = { AWS_ACCESS_KEY_ID: KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: SECRET };
const CI = { path: "ci/deployer" };

let vault: VaultServer;
afterEach(() => vault?.close());

async function start(options: Partial<Parameters<typeof startVaultServer>[0]> = {}): Promise<VaultServer> {
  vault = await startVaultServer({
    token: TOKEN,
    mounts: ["secret", "kv/ci"],
    namespaces: ["admin/ci"],
    ...options,
  });
  return vault;
}

/** A destination as the kind's schema yields it (defaults filled in), on the local server. */
function destination(fields: Record<string, unknown> = {}): VaultDestination {
  return vaultKind.schema.parse({
    type: "vault",
    apiUrl: vault.url,
    path: "ci/deployer",
    tokenSecret: "keyrotor-tokens/vault",
    ...fields,
  });
}

function writerFor(fields: Record<string, unknown> = {}, options: { token?: string; deps?: HttpDeps } = {}) {
  return createVaultWriter(
    destination(fields),
    new Redacted(options.token ?? TOKEN),
    options.deps ?? fakeHttpDeps(),
  );
}

const routes = () =>
  vault.requests.map((r) => `${r.method} ${r.url}${r.cas === undefined ? "" : ` cas=${r.cas}`}`);
const isWrite = (r: { method: string }) => r.method === "POST" || r.method === "PUT";

describe("Vault KV v2 destination", () => {
  it("creates the secret with a check-and-set of 0 and reads the version written back", async () => {
    // Prepare
    await start();

    // Act
    await writerFor().deliver(KEY);

    // Assess
    expect(vault.read(CI)).toEqual(DELIVERED);
    expect(routes()).toEqual([
      "GET /v1/secret/metadata/ci/deployer",
      "POST /v1/secret/data/ci/deployer cas=0",
      "GET /v1/secret/data/ci/deployer?version=1",
    ]);
  });

  it("keeps the secret's other fields and writes over the version it read", async () => {
    // Prepare
    await start();
    vault.seed(CI, { DATABASE_URL: "postgres://db", AWS_ACCESS_KEY_ID: "AKIAOLD0000000000000" });
    vault.seed(CI, { DATABASE_URL: "postgres://db2", AWS_ACCESS_KEY_ID: "AKIAOLD0000000000000" });

    // Act
    await writerFor().deliver(KEY);

    // Assess
    expect(vault.read(CI)).toEqual({ DATABASE_URL: "postgres://db2", ...DELIVERED });
    expect(vault.versions(CI)).toBe(3);
    expect(routes()).toEqual([
      "GET /v1/secret/metadata/ci/deployer",
      "GET /v1/secret/data/ci/deployer?version=2",
      "POST /v1/secret/data/ci/deployer cas=2",
      "GET /v1/secret/data/ci/deployer?version=3",
    ]);
  });

  it("writes no new version when the secret already holds the key, and one for the next key", async () => {
    // Prepare
    await start();
    const writer = writerFor({ names: { accessKeyId: "id", secretAccessKey: "secret" } });
    await writer.deliver(KEY);
    const next = nextKey("AKIANEWKEY0000000002", "n3w/Secret+Value");

    // Act
    await writer.deliver(KEY);
    const afterRepeat = vault.versions(CI);
    await writer.deliver(next);
    await writer.deliver(next);

    // Assess
    expect(afterRepeat).toBe(1);
    expect(vault.versions(CI)).toBe(2);
    expect(vault.read(CI)).toEqual({ id: "AKIANEWKEY0000000002", secret: "n3w/Secret+Value" });
    expect(vault.requests.filter(isWrite)).toHaveLength(2);
  });

  it("writes in the configured namespace and mount, escaping the path's segments", async () => {
    // Prepare
    await start();

    // Act
    await writerFor({ namespace: "admin/ci", mount: "kv/ci", path: "team@a/deployer" }).deliver(KEY);

    // Assess
    expect(vault.read({ namespace: "admin/ci", mount: "kv/ci", path: "team@a/deployer" })).toEqual(DELIVERED);
    expect(vault.read({ mount: "kv/ci", path: "team@a/deployer" })).toBeUndefined();
    expect(vault.requests.every((r) => r.namespace === "admin/ci")).toBe(true);
    expect(vault.requests[0]?.url).toBe("/v1/kv/ci/metadata/team%40a/deployer");
  });

  it("reads again and retries once when another writer got in between its read and its write, keeping that writer's field", async () => {
    // Prepare: just before keyrotor's write lands, someone adds a field (version 2): the check-and-set of 1 fails.
    await start();
    vault.seed(CI, { OTHER: "one" });
    let raced = false;
    vault.answerWhen(isWrite, () => {
      raced = true;
      vault.seed(CI, { OTHER: "two" });
      return { status: 400, body: { errors: ["check-and-set parameter did not match the current version"] } };
    });

    // Act
    await writerFor().deliver(KEY);

    // Assess
    expect(raced).toBe(true);
    expect(vault.read(CI)).toEqual({ OTHER: "two", ...DELIVERED });
    expect(vault.requests.filter(isWrite).map((r) => r.cas)).toEqual([1, 2]);
  });

  it("says so when the check-and-set keeps failing, and overwrites nothing", async () => {
    // Prepare: another writer lands before each of keyrotor's two writes.
    await start();
    for (const other of ["two", "three"]) {
      vault.answerWhen(isWrite, () => {
        vault.seed(CI, { OTHER: other });
        return {
          status: 400,
          body: { errors: ["check-and-set parameter did not match the current version"] },
        };
      });
    }

    // Act
    const error = await failureOf(writerFor().deliver(KEY));

    // Assess
    expectFailure(error, "rejected", [TOKEN]);
    expect(error.message).toBe(
      `Vault secret secret/ci/deployer at ${new URL(vault.url).host} could not be written: another writer changed it between keyrotor's read and its write, twice (check-and-set refused)`,
    );
    expect(error.fix).toContain("next run");
    expect(vault.read(CI)).toEqual({ OTHER: "three" });
  });

  it("writes to a mount that requires a check-and-set", async () => {
    // Prepare
    await start({ casRequired: ["secret"] });

    // Act
    await writerFor().deliver(KEY);
    await writerFor().deliver(nextKey("AKIANEWKEY0000000002", "n3w/Secret+Value"));

    // Assess
    expect(vault.versions(CI)).toBe(2);
  });

  it("writes over a deleted latest version with that version as check-and-set, nothing of it to keep", async () => {
    // Prepare
    await start();
    vault.seed(CI, { OTHER: "deleted with its version" });
    vault.deleteLatest(CI);

    // Act
    await writerFor().deliver(KEY);

    // Assess
    expect(vault.read(CI)).toEqual(DELIVERED);
    expect(vault.requests.filter(isWrite).map((r) => r.cas)).toEqual([1]);
  });

  it("answers a wrong token (Vault's 403 permission denied) with a forbidden error naming the policy, holding neither token", async () => {
    // Prepare
    await start();

    // Act
    const error = await failureOf(writerFor({}, { token: "hvs.wrong-token" }).deliver(KEY));

    // Assess
    expectFailure(error, "forbidden", [TOKEN, "hvs.wrong-token"]);
    expect(error.message).toContain("HTTP 403 (the token may not do this)");
    expect(error.message).not.toContain("permission denied");
    expect(error.fix).toContain(
      "create, update and read on secret/data/ci/deployer and read on secret/metadata/ci/deployer",
    );
    expect(error.fix).toContain("keyrotor-tokens/vault");
    expect(vault.read(CI)).toBeUndefined();
  });

  it("reports an unknown mount as not-found, and a namespace the token has no rights in as forbidden", async () => {
    // Prepare
    await start();

    // Act
    const mount = await failureOf(writerFor({ mount: "nothing" }).deliver(KEY));
    const namespace = await failureOf(writerFor({ namespace: "admin/other" }).deliver(KEY));

    // Assess
    expectFailure(mount, "not-found", [TOKEN]);
    expect(mount.message).toContain("HTTP 404 (not found, or not visible to the token)");
    expect(mount.fix).toContain("nothing is a KV version 2 secrets engine");
    expectFailure(namespace, "forbidden", [TOKEN]);
    expect(namespace.fix).toContain("in namespace admin/other");
  });

  it("refuses a version 1 mount, whose write lands elsewhere and answers no version", async () => {
    // Prepare
    await start({ v1Mounts: ["legacy"] });

    // Act
    const error = await failureOf(writerFor({ mount: "legacy" }).deliver(KEY));

    // Assess
    expectFailure(error, "rejected", [TOKEN]);
    expect(error.message).toContain("Vault's answer to the write has no version (not a KV version 2 answer)");
    expect(error.fix).toContain("KV version 2");
  });

  it("fails when the version written reads back with other values, showing neither", async () => {
    // Prepare: a proxy (or a broken replica) answers the read-back with another key.
    await start();
    vault.answerWhen(
      (r) => r.method === "GET" && r.url.includes("?version=1"),
      () => ({
        status: 200,
        body: { data: { data: { AWS_ACCESS_KEY_ID: KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: "other" } } },
      }),
    );

    // Act
    const error = await failureOf(writerFor().deliver(KEY));

    // Assess
    expectFailure(error, "rejected", [TOKEN]);
    expect(error.message).toContain("was written but does not read back as written");
    expect(error.message).not.toContain(KEY.accessKeyId);
  });

  it("tells a refused write in keyrotor's words, never in Vault's, even when its body repeats the key", async () => {
    // Prepare
    await start();
    vault.failWhen(isWrite, 400, {}, { errors: [`invalid value ${SECRET} with token ${TOKEN}`] });

    // Act
    const error = await failureOf(writerFor().deliver(KEY));

    // Assess
    expectFailure(error, "rejected", [TOKEN]);
    expect(error.message).toContain("HTTP 400 (the request was refused as malformed)");
    expectNothingShown(error, [TOKEN]);
  });

  it("waits out a short rate limit, gives up on a long one, and reports a sealed Vault as unavailable", async () => {
    // Prepare: Vault's rate limit quotas answer 429 with Retry-After.
    await start();
    const deps = fakeHttpDeps();
    const writer = writerFor({}, { deps });
    vault.failNext(429, { "retry-after": "2" });

    // Act
    await writer.deliver(KEY);
    vault.failNext(429, { "retry-after": "600" });
    const limited = await failureOf(writer.deliver(nextKey("AKIANEWKEY0000000002", "n3w/Secret+Value")));
    vault.failNext(503);
    const sealed = await failureOf(writer.deliver(nextKey("AKIANEWKEY0000000002", "n3w/Secret+Value")));

    // Assess
    expect(deps.waits).toEqual([2000]);
    expect(vault.read(CI)).toEqual(DELIVERED);
    expect(limited.failure).toBe("rate-limited");
    expect(limited.retryAfterSeconds).toBe(600);
    expectFailure(sealed, "unavailable", [TOKEN]);
  });
});
