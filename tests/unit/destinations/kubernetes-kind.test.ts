import { describe, expect, it } from "vitest";
import { kubernetesKind } from "../../../shared/destinations/kinds/kubernetes";
import { bindingSchema, type Destination } from "../../../shared/destinations/schema";
import { deliveryProblems } from "../../../shared/destinations/validate";
import { type WriterContext, writerOf } from "../../../shared/destinations/writers";
import { Redacted } from "../../../shared/redacted";

const BASE = {
  type: "kubernetes",
  apiUrl: "https://k8s.example.com:6443",
  namespace: "ci",
  name: "aws-credentials",
  tokenSecret: "keyrotor-tokens/k8s",
};

/** The messages the kind's schema gives `fields`, each after the field it names. */
function refusals(fields: Record<string, unknown>): string[] {
  const result = kubernetesKind.schema.safeParse({ ...BASE, ...fields });
  if (result.success) return [];
  return result.error.issues.map((i) =>
    i.code === "unrecognized_keys" ? `unknown: ${i.keys.join(",")}` : `${i.path.join(".")}: ${i.message}`,
  );
}

describe("Kubernetes destination: configuration", () => {
  it("takes a Secret, data key names and a Deployment to restart", () => {
    // Act
    const parsed = kubernetesKind.schema.parse({
      ...BASE,
      names: { accessKeyId: "aws-access-key-id", secretAccessKey: "aws_secret.key" },
      restart: { deployment: "deployer.v2" },
    });

    // Assess
    expect(parsed.restart).toEqual({ deployment: "deployer.v2" });
    expect(kubernetesKind.problems(parsed, { secretPrefix: "keyrotor/" })).toEqual([]);
  });

  it("refuses names the API server would refuse, naming the field", () => {
    // Act
    const found = [
      ...refusals({ namespace: "CI" }),
      ...refusals({ namespace: "a".repeat(64) }),
      ...refusals({ name: "aws_credentials" }),
      ...refusals({ names: { accessKeyId: "..", secretAccessKey: "key" } }),
      ...refusals({ names: { accessKeyId: "id", secretAccessKey: "a/b" } }),
      ...refusals({ restart: { deployment: "Deployer" } }),
      ...refusals({ restart: { deployment: "deployer", kind: "StatefulSet" } }),
    ];

    // Assess
    expect(found).toEqual([
      "namespace: must be a namespace: lower-case letters, digits and - (a DNS label)",
      expect.stringMatching(/^namespace: /),
      "name: must be a Secret name: lower-case letters, digits, - and . (a DNS subdomain)",
      "names.accessKeyId: must be letters, digits and -._ (a Secret's data key)",
      "names.secretAccessKey: must be letters, digits and -._ (a Secret's data key)",
      "restart.deployment: must be a Deployment name: lower-case letters, digits, - and . (a DNS subdomain)",
      "unknown: kind",
    ]);
  });

  it("refuses an API server over plain http, a certificate it cannot use, and a missing namespace", () => {
    // Act
    const found = [
      ...refusals({ apiUrl: "http://k8s.example.com" }),
      ...refusals({ caCertificate: "-----BEGIN CERTIFICATE-----" }),
      ...refusals({ namespace: undefined }),
    ];

    // Assess
    expect(found[0]).toMatch(/^apiUrl: must be an https:\/\/ URL/);
    expect(found[1]).toMatch(/^caCertificate: must be PEM/);
    expect(found[2]).toMatch(/^namespace: /);
  });
});

describe("Kubernetes destination: its place", () => {
  it("tells Secrets apart by cluster, namespace and name, and reads as the Secret and its restart", () => {
    // Prepare
    const d = kubernetesKind.schema.parse(BASE);

    // Act
    const same = kubernetesKind.placeId({
      ...d,
      tokenSecret: "keyrotor-tokens/other",
      restart: { deployment: "x" },
    });
    const other = kubernetesKind.placeId({ ...d, namespace: "prod" });

    // Assess
    expect(kubernetesKind.placeId(d)).toBe("kubernetes:https://k8s.example.com:6443:ci/aws-credentials");
    expect(same).toBe(kubernetesKind.placeId(d));
    expect(other).not.toBe(same);
    expect(kubernetesKind.describe({ ...d, restart: { deployment: "deployer" } })).toBe(
      "Kubernetes Secret ci/aws-credentials at k8s.example.com:6443 (restarting Deployment deployer)",
    );
    expect(kubernetesKind.template).toBeUndefined();
  });

  it("writes two places, one per data key, compared as spelt", () => {
    // Prepare
    const d = kubernetesKind.schema.parse({ ...BASE, names: { accessKeyId: "key", secretAccessKey: "KEY" } });

    // Act
    const places = kubernetesKind.places(d);
    const labels = places.map((p) =>
      p.label(p.fields.map((f) => f.parts.map((part) => (part.kind === "text" ? part.text : "")).join(""))),
    );

    // Assess
    expect(labels).toEqual([
      "Kubernetes Secret ci/aws-credentials key key at https://k8s.example.com:6443",
      "Kubernetes Secret ci/aws-credentials key KEY at https://k8s.example.com:6443",
    ]);
    expect(places.every((p) => p.fields.at(-1)?.fold === "exact")).toBe(true);
  });

  it("is one of the configuration's kinds: one user's key only, its writer built with its tokenSecret's token", async () => {
    // Prepare
    const asked: string[] = [];
    const context = {
      token: async (name: string) => {
        asked.push(name);
        return new Redacted("token");
      },
    } as unknown as WriterContext;
    const binding = (account: string) =>
      bindingSchema.parse({
        account,
        user: "ci",
        destinations: [{ ...BASE, restart: { deployment: "deployer" } }],
      });

    // Act
    const problems = deliveryProblems([binding("*")], "keyrotor/").map((p) => p.message);
    const writer = await writerOf(binding("111122223333").destinations[0] as Destination, context);

    // Assess
    expect(deliveryProblems([binding("111122223333")], "keyrotor/")).toEqual([]);
    expect(problems).toEqual([
      "kubernetes: a CI destination takes one user's key: name one account and one user (no *)",
    ]);
    expect(asked).toEqual(["keyrotor-tokens/k8s"]);
    expect(typeof writer.deliver).toBe("function");
  });
});
