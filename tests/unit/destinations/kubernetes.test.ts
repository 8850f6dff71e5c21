import { afterEach, describe, expect, it } from "vitest";
import {
  type KubernetesServer,
  type Right,
  startKubernetesServer,
} from "../../../scripts/lib/providers/kubernetes-server";
import { type KubernetesDestination, kubernetesKind } from "../../../shared/destinations/kinds/kubernetes";
import { createKubernetesWriter, ROTATED_KEY_ANNOTATION } from "../../../shared/destinations/kubernetes";
import type { HttpDeps } from "../../../shared/destinations/types";
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

const TOKEN = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImxvY2FsLXRlc3QifQ.c2VydmljZS1hY2NvdW50.c2lnbmF0dXJl";
const DELIVERED = { AWS_ACCESS_KEY_ID: KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: SECRET };
const NEXT = nextKey("AKIANEWKEY0000000002", "n3w/Secret+Value");

let k8s: KubernetesServer;
afterEach(() => k8s?.close());

async function start(rights?: readonly Right[]): Promise<KubernetesServer> {
  k8s = await startKubernetesServer({
    token: TOKEN,
    namespaces: ["ci"],
    deployments: ["ci/deployer"],
    rights,
  });
  return k8s;
}

/** A destination as the kind's schema yields it, on the local server. */
function destination(fields: Record<string, unknown> = {}): KubernetesDestination {
  return kubernetesKind.schema.parse({
    type: "kubernetes",
    apiUrl: k8s.url,
    namespace: "ci",
    name: "aws-credentials",
    tokenSecret: "keyrotor-tokens/k8s",
    ...fields,
  });
}

function writerFor(fields: Record<string, unknown> = {}, options: { token?: string; deps?: HttpDeps } = {}) {
  return createKubernetesWriter(
    destination(fields),
    new Redacted(options.token ?? TOKEN),
    options.deps ?? fakeHttpDeps(),
  );
}

const routes = () => k8s.requests.map((r) => `${r.method} ${r.url}`);

describe("Kubernetes Secret destination", () => {
  it("creates an Opaque Secret holding both keys in base64, and reads it back", async () => {
    // Prepare
    await start();

    // Act
    await writerFor().deliver(KEY);

    // Assess
    expect(k8s.secret("ci", "aws-credentials")).toEqual(DELIVERED);
    const stored = k8s.stored("ci", "aws-credentials");
    expect(stored?.type).toBe("Opaque");
    expect(stored?.metadata.labels).toEqual({ "app.kubernetes.io/managed-by": "keyrotor" });
    expect(stored?.data.AWS_SECRET_ACCESS_KEY).toBe(Buffer.from(SECRET).toString("base64"));
    expect(routes()).toEqual([
      "GET /api/v1/namespaces/ci/secrets/aws-credentials",
      "POST /api/v1/namespaces/ci/secrets",
      "GET /api/v1/namespaces/ci/secrets/aws-credentials",
    ]);
  });

  it("merge-patches the two keys of an existing Secret, keeping its other keys", async () => {
    // Prepare
    await start();
    k8s.seed("ci", "aws-credentials", {
      DATABASE_URL: "postgres://db",
      AWS_ACCESS_KEY_ID: "AKIAOLD0000000000000",
    });

    // Act
    await writerFor().deliver(KEY);

    // Assess
    expect(k8s.secret("ci", "aws-credentials")).toEqual({ DATABASE_URL: "postgres://db", ...DELIVERED });
    expect(k8s.requests.map((r) => `${r.method} ${r.contentType}`)).toEqual([
      "GET ",
      "PATCH application/merge-patch+json",
      "GET ",
    ]);
  });

  it("leaves a Secret that holds the key as it is, and patches it for the next key under the configured names", async () => {
    // Prepare
    await start();
    const writer = writerFor({ names: { accessKeyId: "aws-access-key-id", secretAccessKey: "aws.secret" } });
    await writer.deliver(KEY);
    const version = k8s.stored("ci", "aws-credentials")?.metadata.resourceVersion;

    // Act
    await writer.deliver(KEY);
    const unchanged = k8s.stored("ci", "aws-credentials")?.metadata.resourceVersion;
    await writer.deliver(NEXT);
    await writer.deliver(NEXT);

    // Assess
    expect(unchanged).toBe(version);
    expect(k8s.secret("ci", "aws-credentials")).toEqual({
      "aws-access-key-id": "AKIANEWKEY0000000002",
      "aws.secret": "n3w/Secret+Value",
    });
    expect(k8s.requests.filter((r) => r.method !== "GET").map((r) => r.method)).toEqual(["POST", "PATCH"]);
  });

  it("patches a Secret another delivery created between its read and its create", async () => {
    // Prepare: the read misses (as if just before the other delivery's create), the create is refused (409).
    await start();
    k8s.seed("ci", "aws-credentials", { AWS_ACCESS_KEY_ID: "AKIAOTHER00000000000" });
    k8s.failNext(404);

    // Act
    await writerFor().deliver(KEY);

    // Assess
    expect(k8s.secret("ci", "aws-credentials")).toEqual(DELIVERED);
    expect(k8s.requests.map((r) => r.method)).toEqual(["GET", "POST", "PATCH", "GET"]);
  });

  it("restarts the Deployment once per new key, annotating its pod template with the key's id, never its secret", async () => {
    // Prepare
    await start();
    const writer = writerFor({ restart: { deployment: "deployer" } });

    // Act
    await writer.deliver(KEY);
    const first = k8s.deployment("ci", "deployer");
    await writer.deliver(KEY);
    const repeated = k8s.deployment("ci", "deployer");
    await writer.deliver(NEXT);

    // Assess
    expect(first).toEqual({ generation: 2, annotations: { [ROTATED_KEY_ANNOTATION]: KEY.accessKeyId } });
    expect(repeated.generation).toBe(2);
    expect(k8s.deployment("ci", "deployer")).toEqual({
      generation: 3,
      annotations: { [ROTATED_KEY_ANNOTATION]: "AKIANEWKEY0000000002" },
    });
    expect(routes().at(-1)).toBe("PATCH /apis/apps/v1/namespaces/ci/deployments/deployer");
  });

  it("names the Deployment when the restart fails, after the Secret was written", async () => {
    // Prepare
    await start(["get secrets", "create secrets", "patch secrets"]);

    // Act
    const missing = await failureOf(writerFor({ restart: { deployment: "nothing" } }).deliver(KEY));
    const denied = await failureOf(writerFor({ restart: { deployment: "deployer" } }).deliver(KEY));

    // Assess
    expect(k8s.secret("ci", "aws-credentials")).toEqual(DELIVERED);
    expectFailure(missing, "forbidden", [TOKEN]);
    expectFailure(denied, "forbidden", [TOKEN]);
    expect(denied.message).toContain("the restart of Kubernetes Deployment ci/deployer");
    expect(denied.fix).toContain("get, create and patch on secrets and patch on deployments (group apps)");
  });

  it("reports an unknown Deployment or namespace as not-found, naming it", async () => {
    // Prepare
    await start();

    // Act
    const deployment = await failureOf(writerFor({ restart: { deployment: "nothing" } }).deliver(KEY));
    const namespace = await failureOf(writerFor({ namespace: "other" }).deliver(KEY));

    // Assess
    expectFailure(deployment, "not-found", [TOKEN]);
    expect(deployment.fix).toContain("restart.deployment (nothing)");
    expectFailure(namespace, "not-found", [TOKEN]);
    expect(namespace.message).toContain("HTTP 404 (not found, or not visible to the token)");
    expect(namespace.fix).toContain("namespace other");
  });

  it("answers a wrong token with an unauthorized error holding neither token nor key", async () => {
    // Prepare
    await start();

    // Act
    const error = await failureOf(writerFor({}, { token: "wrong-token" }).deliver(KEY));

    // Assess
    expectFailure(error, "unauthorized", [TOKEN, "wrong-token"]);
    expect(error.message).toContain("HTTP 401 (the token was refused)");
    expect(error.fix).toContain("keyrotor-tokens/k8s");
    expect(k8s.secret("ci", "aws-credentials")).toBeUndefined();
  });

  it("says forbidden, naming the Role, when the service account may not patch secrets", async () => {
    // Prepare
    await start(["get secrets", "create secrets"]);
    k8s.seed("ci", "aws-credentials", { AWS_ACCESS_KEY_ID: "AKIAOLD0000000000000" });

    // Act
    const error = await failureOf(writerFor().deliver(KEY));

    // Assess
    expectFailure(error, "forbidden", [TOKEN]);
    expect(error.message).not.toContain("system:serviceaccount");
    expect(error.fix).toBe(
      "give the token in keyrotor-tokens/k8s a Role in namespace ci allowing get, create and patch on secrets, bound to the token's service account",
    );
  });

  it("refuses to write an immutable Secret, saying so in keyrotor's words", async () => {
    // Prepare
    await start();
    k8s.seed("ci", "aws-credentials", { AWS_ACCESS_KEY_ID: "AKIAOLD0000000000000" }, { immutable: true });

    // Act
    const error = await failureOf(writerFor().deliver(KEY));

    // Assess
    expectFailure(error, "rejected", [TOKEN]);
    expect(error.message).toContain(
      "HTTP 422 (the request was refused as invalid; refused fields: data (the Secret is immutable))",
    );
    expect(error.message).not.toContain("`immutable`");
    expect(k8s.secret("ci", "aws-credentials")).toEqual({ AWS_ACCESS_KEY_ID: "AKIAOLD0000000000000" });
  });

  it("fails when the Secret reads back with another value, showing neither", async () => {
    // Prepare: something (a sync controller) puts its own value back before the read-back.
    await start();
    let reads = 0;
    k8s.answerWhen(
      (r) => r.method === "GET" && ++reads === 2,
      () => ({
        status: 200,
        body: {
          kind: "Secret",
          data: { AWS_ACCESS_KEY_ID: Buffer.from(KEY.accessKeyId).toString("base64") },
        },
      }),
    );

    // Act
    const error = await failureOf(writerFor().deliver(KEY));

    // Assess
    expectFailure(error, "rejected", [TOKEN]);
    expect(error.message).toBe(
      `Kubernetes Secret ci/aws-credentials at ${new URL(k8s.url).host} was written but does not read back as written (another value is there)`,
    );
  });

  it("tells a refusal in keyrotor's words even when its body repeats the key, and waits out a short rate limit", async () => {
    // Prepare
    await start();
    const deps = fakeHttpDeps();
    k8s.failWhen(
      (r) => r.method === "POST",
      400,
      {},
      { kind: "Status", message: `bad ${SECRET} ${TOKEN}`, code: 400 },
    );

    // Act
    const echoed = await failureOf(writerFor({}, { deps }).deliver(KEY));
    k8s.failNext(429, { "retry-after": "1" });
    await writerFor({}, { deps }).deliver(KEY);
    k8s.failNext(429, { "retry-after": "600" });
    const limited = await failureOf(writerFor({}, { deps }).deliver(NEXT));
    k8s.failNext(503);
    const down = await failureOf(writerFor({}, { deps }).deliver(NEXT));

    // Assess
    expectFailure(echoed, "rejected", [TOKEN]);
    expectNothingShown(echoed, [TOKEN]);
    expect(deps.waits).toEqual([1000]);
    expect(k8s.secret("ci", "aws-credentials")).toEqual(DELIVERED);
    expect(limited.failure).toBe("rate-limited");
    expectFailure(down, "unavailable", [TOKEN]);
  });
});
