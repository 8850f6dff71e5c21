import { describe, expect, it } from "vitest";
import { vaultKind } from "../../../shared/destinations/kinds/vault";
import { bindingSchema, type Destination } from "../../../shared/destinations/schema";
import { deliveryProblems } from "../../../shared/destinations/validate";
import { type WriterContext, writerOf } from "../../../shared/destinations/writers";
import { Redacted } from "../../../shared/redacted";

const BASE = {
  type: "vault",
  apiUrl: "https://vault.example.com:8200",
  path: "ci/deployer",
  tokenSecret: "keyrotor-tokens/vault",
};

/** The messages the kind's schema gives `fields`, each after the field it names. */
function refusals(fields: Record<string, unknown>): string[] {
  const result = vaultKind.schema.safeParse({ ...BASE, ...fields });
  if (result.success) return [];
  return result.error.issues.map((i) =>
    i.code === "unrecognized_keys" ? `unknown: ${i.keys.join(",")}` : `${i.path.join(".")}: ${i.message}`,
  );
}

describe("Vault destination: configuration", () => {
  it("fills the mount's default and takes a namespace and names", () => {
    // Act
    const plain = vaultKind.schema.parse(BASE);
    const full = vaultKind.schema.parse({
      ...BASE,
      mount: "kv/ci",
      namespace: "admin/ci",
      names: { accessKeyId: "access_key", secretAccessKey: "secret_key" },
    });

    // Assess
    expect(plain).toEqual({ ...BASE, mount: "secret" });
    expect(full.namespace).toBe("admin/ci");
    expect(vaultKind.problems(full, { secretPrefix: "keyrotor/" })).toEqual([]);
  });

  it("refuses a path, mount or namespace Vault would read otherwise, naming the field", () => {
    // Act
    const found = [
      ...refusals({ path: "/ci/deployer" }),
      ...refusals({ path: "ci/deployer/" }),
      ...refusals({ path: "ci/../other" }),
      ...refusals({ path: "ci deployer" }),
      ...refusals({ mount: "secret/" }),
      ...refusals({ namespace: "admin ci" }),
    ];

    // Assess
    expect(found).toHaveLength(6);
    expect(found.slice(0, 4).every((m) => m.startsWith("path: must be a path such as ci/deployer"))).toBe(
      true,
    );
    expect(found[4]).toMatch(/^mount: must be a mount path/);
    expect(found[5]).toMatch(/^namespace: must be a namespace path/);
  });

  it("refuses plain http to another host, a token outside keyrotor-tokens/, an unknown field and a missing path", () => {
    // Act
    const found = [
      ...refusals({ apiUrl: "http://vault.example.com:8200" }),
      ...refusals({ tokenSecret: "vault-token" }),
      ...refusals({ cas: 3 }),
      ...refusals({ path: undefined }),
    ];

    // Assess
    expect(found[0]).toMatch(/^apiUrl: must be an https:\/\/ URL/);
    expect(found[1]).toMatch(/^tokenSecret: must be the name of a secret under keyrotor-tokens\//);
    expect(found[2]).toBe("unknown: cas");
    expect(found[3]).toMatch(/^path: /);
  });
});

describe("Vault destination: its place", () => {
  it("tells secrets apart by server, namespace, mount and path, never by token", () => {
    // Prepare
    const d = vaultKind.schema.parse(BASE);

    // Act
    const ids = [
      vaultKind.placeId(d),
      vaultKind.placeId({ ...d, tokenSecret: "keyrotor-tokens/other" }),
      vaultKind.placeId({ ...d, namespace: "admin" }),
      vaultKind.placeId({ ...d, mount: "kv" }),
      vaultKind.placeId({ ...d, apiUrl: "https://VAULT.example.com:8200/" }),
    ];

    // Assess
    expect(ids[0]).toBe("vault:https://vault.example.com:8200::secret/ci/deployer");
    expect(ids[1]).toBe(ids[0]);
    expect(new Set([ids[0], ids[2], ids[3]]).size).toBe(3);
    expect(ids[4]).toBe(ids[0]);
    expect(vaultKind.describe({ ...d, namespace: "admin" })).toBe(
      "Vault secret secret/ci/deployer (namespace admin) at vault.example.com:8200",
    );
  });

  it("writes two places, one per half of the key, labelled by the field", () => {
    // Prepare
    const d = vaultKind.schema.parse({ ...BASE, names: { accessKeyId: "id", secretAccessKey: "key" } });

    // Act
    const places = vaultKind.places(d);
    const labels = places.map((p) =>
      p.label(p.fields.map((f) => f.parts.map((part) => (part.kind === "text" ? part.text : "")).join(""))),
    );

    // Assess
    expect(places.map((p) => p.half)).toEqual(["accessKeyId", "secretAccessKey"]);
    expect(labels).toEqual([
      "Vault secret secret/ci/deployer field id at https://vault.example.com:8200",
      "Vault secret secret/ci/deployer field key at https://vault.example.com:8200",
    ]);
    expect(vaultKind.template).toBeUndefined();
  });

  it("is one of the configuration's kinds: one user's key only, its writer built with its tokenSecret's token", async () => {
    // Prepare
    const asked: string[] = [];
    const context = {
      token: async (name: string) => {
        asked.push(name);
        return new Redacted("hvs.token");
      },
    } as unknown as WriterContext;
    const binding = (user: string) =>
      bindingSchema.parse({ account: "111122223333", user, destinations: [BASE] });

    // Act
    const problems = deliveryProblems([binding("ci-*")], "keyrotor/").map((p) => p.message);
    const writer = await writerOf(binding("ci").destinations[0] as Destination, context);

    // Assess
    expect(deliveryProblems([binding("ci")], "keyrotor/")).toEqual([]);
    expect(problems).toEqual([
      "vault: a CI destination takes one user's key: name one account and one user (no *)",
    ]);
    expect(asked).toEqual(["keyrotor-tokens/vault"]);
    expect(typeof writer.deliver).toBe("function");
  });
});
