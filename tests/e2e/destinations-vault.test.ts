import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startVaultServer, type VaultServer } from "../../scripts/lib/providers/vault-server";
import { type OneDestination, startOneDestination } from "../support/one-destination";

/**
 * The Vault destination end to end: a rotation through the real handlers against moto writes the new
 * key into a KV version 2 secret of a local Vault, keeping the secret's other fields; day 100 retires
 * the old key once Vault has confirmed.
 */

const TOKEN = "hvs.e2e-vault-token-0005";
const SECRET_REF = { namespace: "admin", mount: "kv", path: "ci/prod" };

let vault: VaultServer;
let run: OneDestination;

beforeAll(async () => {
  vault = await startVaultServer({ token: TOKEN, mounts: ["kv"], namespaces: ["admin"] });
  vault.seed(SECRET_REF, { DEPLOY_ENV: "prod" });
  run = await startOneDestination({
    ledger: "keyrotor-vault-ledger",
    token: { name: "keyrotor-tokens/vault", value: TOKEN },
    destination: () => ({
      type: "vault",
      apiUrl: vault.url,
      namespace: "admin",
      mount: "kv",
      path: "ci/prod",
      tokenSecret: "keyrotor-tokens/vault",
    }),
  });
}, 120_000);

afterAll(async () => {
  await vault?.close();
  await run?.stop();
});

describe("delivering a rotated key to Vault", () => {
  let newKey: { AccessKeyId: string; SecretAccessKey: string };

  it("day 90: the secret in Vault holds the new key of the member account's secret, its other field kept", async () => {
    // Act
    await run.runDay(90);

    // Assess
    newKey = await run.storedKey();
    expect(newKey.AccessKeyId).not.toBe(run.originalKey);
    expect(vault.read(SECRET_REF)).toEqual({
      DEPLOY_ENV: "prod",
      AWS_ACCESS_KEY_ID: newKey.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: newKey.SecretAccessKey,
    });
    expect(vault.versions(SECRET_REF)).toBe(2);
    expect(await run.keys()).toEqual(
      expect.arrayContaining([`${run.originalKey}:Active`, `${newKey.AccessKeyId}:Active`]),
    );
  });

  it("day 100: the old key is retired, and Vault gets no new version", async () => {
    // Act
    await run.runDay(100);

    // Assess
    expect(await run.keys()).toEqual(
      expect.arrayContaining([`${run.originalKey}:Inactive`, `${newKey.AccessKeyId}:Active`]),
    );
    expect(vault.versions(SECRET_REF)).toBe(2);
  });

  it("no log line holds the key's secret or the token", () => {
    // Assess
    const leaks = run.service.output.filter((l) => l.includes(TOKEN) || l.includes(newKey.SecretAccessKey));
    expect(leaks).toEqual([]);
    expect(run.service.output.length).toBeGreaterThan(0);
  });
});
