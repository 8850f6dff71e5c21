import { describe, expect, it } from "vitest";
import { webhookKind } from "../../../shared/destinations/kinds/webhook";
import { bindingSchema, type Destination } from "../../../shared/destinations/schema";
import { deliveryProblems, destinationsOf } from "../../../shared/destinations/validate";
import { type WriterContext, writerOf } from "../../../shared/destinations/writers";
import { Redacted } from "../../../shared/redacted";

const BASE = {
  type: "webhook",
  url: "https://hooks.example.com/keyrotor",
  tokenSecret: "keyrotor-tokens/webhook",
};

function refusals(fields: Record<string, unknown>): string[] {
  const result = webhookKind.schema.safeParse({ ...BASE, ...fields });
  if (result.success) return [];
  return result.error.issues.map((i) =>
    i.code === "unrecognized_keys" ? `unknown: ${i.keys.join(",")}` : `${i.path.join(".")}: ${i.message}`,
  );
}

const binding = (account: string, user: string, destination: Record<string, unknown> = BASE) =>
  bindingSchema.parse({ account, user, destinations: [destination] });
const messages = (bindings: Parameters<typeof deliveryProblems>[0]) =>
  deliveryProblems(bindings, "keyrotor/").map((p) => p.message);

describe("webhook destination: configuration", () => {
  it("takes an https url, plain http to this machine, and names for the key's two fields", () => {
    // Act
    const plain = webhookKind.schema.parse(BASE);
    const local = webhookKind.schema.parse({ ...BASE, url: "http://127.0.0.1:8080/hook" });
    const named = webhookKind.schema.parse({
      ...BASE,
      names: { accessKeyId: "id", secretAccessKey: "secret" },
    });

    // Assess
    expect(plain).toEqual(BASE);
    expect(local.url).toBe("http://127.0.0.1:8080/hook");
    expect(webhookKind.problems(named, { secretPrefix: "keyrotor/" })).toEqual([]);
  });

  it("refuses plain http elsewhere, a credential or query in the url, a token outside keyrotor-tokens/ and an unknown field", () => {
    // Act
    const found = [
      ...refusals({ url: "http://hooks.example.com/keyrotor" }),
      ...refusals({ url: "https://user:pass@hooks.example.com/keyrotor" }),
      ...refusals({ url: "https://hooks.example.com/keyrotor?token=abc" }),
      ...refusals({ tokenSecret: "webhook-secret" }),
      ...refusals({ method: "PUT" }),
    ];

    // Assess
    expect(found).toHaveLength(5);
    expect(found[0]).toMatch(/^url: must be an https:\/\/ URL/);
    expect(found[1]).toMatch(/^url: must not hold a user name or password/);
    expect(found[2]).toMatch(/^url: must not have a query/);
    expect(found[3]).toMatch(/^tokenSecret: must be the name of a secret under keyrotor-tokens\//);
    expect(found[4]).toBe("unknown: method");
  });

  it("refuses names that would overwrite the body's own fields, naming them", () => {
    // Act
    const problems = messages([
      binding("111122223333", "ci", {
        ...BASE,
        names: { accessKeyId: "userName", secretAccessKey: "secret" },
      }),
    ]);

    // Assess
    expect(problems).toEqual([
      "webhook: names may not be userName: the body's own fields are type, version, eventId, accountId, userName",
    ]);
  });
});

describe("webhook destination: its place", () => {
  it("is told apart by its url, never by its signing secret, and says it is not read back", () => {
    // Prepare
    const d = webhookKind.schema.parse(BASE);

    // Act
    const ids = [
      webhookKind.placeId(d),
      webhookKind.placeId({ ...d, tokenSecret: "keyrotor-tokens/other" }),
      webhookKind.placeId({ ...d, url: "https://HOOKS.example.com/keyrotor/" }),
      webhookKind.placeId({ ...d, url: "https://hooks.example.com/other" }),
    ];

    // Assess
    expect(ids[0]).toBe("webhook:https://hooks.example.com/keyrotor");
    expect(ids[1]).toBe(ids[0]);
    expect(ids[2]).toBe(ids[0]);
    expect(ids[3]).not.toBe(ids[0]);
    expect(webhookKind.describe(d)).toBe(
      "webhook https://hooks.example.com/keyrotor (signed, not read back)",
    );
  });

  it("takes several users' keys, from every account: the body names each, so no two meet", () => {
    // Act
    const wide = messages([binding("*", "*")]);
    const two = messages([binding("111122223333", "ci-*"), binding("444455556666", "ci-*")]);
    const bound = destinationsOf([binding("*", "ci-*")], "111122223333", "ci-app");

    // Assess
    expect(wide).toEqual([]);
    expect(two).toEqual([]);
    expect(bound.map((b) => b.label)).toEqual([
      "webhook https://hooks.example.com/keyrotor (signed, not read back)",
    ]);
    expect(webhookKind.places(webhookKind.schema.parse(BASE)).map((p) => p.half)).toEqual(["both"]);
  });

  it("is one of the configuration's kinds, its writer built with its tokenSecret's signing secret", async () => {
    // Prepare
    const asked: string[] = [];
    const context = {
      token: async (name: string) => {
        asked.push(name);
        return new Redacted("s".repeat(40));
      },
      now: () => 0,
    } as unknown as WriterContext;

    // Act
    const writer = await writerOf(binding("111122223333", "ci").destinations[0] as Destination, context);

    // Assess
    expect(asked).toEqual(["keyrotor-tokens/webhook"]);
    expect(typeof writer.deliver).toBe("function");
  });
});
