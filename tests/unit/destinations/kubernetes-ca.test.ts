import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Certificate, selfSignedCertificate } from "../../../scripts/lib/providers/certificate";
import {
  type KubernetesServer,
  startKubernetesServer,
} from "../../../scripts/lib/providers/kubernetes-server";
import { kubernetesKind } from "../../../shared/destinations/kinds/kubernetes";
import { fetchTrusting } from "../../../shared/destinations/trusted-fetch";
import { type WriterContext, writerOf } from "../../../shared/destinations/writers";
import { Redacted } from "../../../shared/redacted";
import { failureOf, fakeHttpDeps, KEY, SECRET } from "../../support/destinations";

const TOKEN = "eyJhbGciOiJSUzI1NiJ9.c2VydmljZS1hY2NvdW50.c2lnbmF0dXJl";

let cluster: Certificate;
let other: Certificate;
let k8s: KubernetesServer;

beforeAll(async () => {
  cluster = selfSignedCertificate();
  other = selfSignedCertificate();
  k8s = await startKubernetesServer({ token: TOKEN, namespaces: ["ci"], tls: cluster });
});
afterAll(() => k8s?.close());

/** The registry's writer for a Kubernetes destination on the local https API server. */
function writer(fields: Record<string, unknown>) {
  const d = kubernetesKind.schema.parse({
    type: "kubernetes",
    apiUrl: k8s.url,
    namespace: "ci",
    name: "aws-credentials",
    tokenSecret: "keyrotor-tokens/k8s",
    ...fields,
  });
  const context = {
    token: async () => new Redacted(TOKEN),
    http: fakeHttpDeps(),
    accountId: KEY.accountId,
  } as unknown as WriterContext;
  return writerOf(d, context);
}

describe("Kubernetes API server with its own certificate authority", () => {
  it("writes the Secret through an API server whose certificate the configured caCertificate signed", async () => {
    // Act
    await (await writer({ caCertificate: cluster.cert })).deliver(KEY);

    // Assess
    expect(k8s.secret("ci", "aws-credentials")).toEqual({
      AWS_ACCESS_KEY_ID: KEY.accessKeyId,
      AWS_SECRET_ACCESS_KEY: SECRET,
    });
  });

  it("refuses the API server without caCertificate, and with another authority's, sending nothing", async () => {
    // Prepare
    const before = k8s.requests.length;

    // Act
    const untrusted = await failureOf((await writer({})).deliver(KEY));
    const wrongCa = await failureOf((await writer({ caCertificate: other.cert })).deliver(KEY));

    // Assess
    for (const failure of [untrusted, wrongCa]) {
      expect(failure.message).toContain("TLS certificate was not accepted");
      expect(failure.message).not.toContain(TOKEN);
    }
    expect(k8s.requests.length).toBe(before);
  });

  it("follows no redirect, gives a body-less answer as empty, and speaks https only", async () => {
    // Prepare
    const fetch = fetchTrusting(cluster.cert);
    k8s.answerNext(() => ({ status: 307, body: "", headers: { location: "https://elsewhere.example/" } }));
    k8s.answerNext(() => ({ status: 204, body: "" }));

    // Act
    const redirect = await fetch(`${k8s.url}/api/v1/namespaces/ci/secrets/x`);
    const empty = await fetch(`${k8s.url}/api/v1/namespaces/ci/secrets/x`, { method: "DELETE" });
    const plain = fetch(k8s.url.replace("https:", "http:"));

    // Assess
    expect(redirect.status).toBe(307);
    expect(redirect.headers.get("location")).toBe("https://elsewhere.example/");
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe("");
    await expect(plain).rejects.toThrow(/https only/);
  });

  it("refuses a caCertificate that is not PEM, and one with a plain-http apiUrl, naming the field", () => {
    // Prepare
    const base = {
      type: "kubernetes",
      apiUrl: "https://k8s.example.com",
      namespace: "ci",
      name: "aws-credentials",
      tokenSecret: "keyrotor-tokens/k8s",
    };

    // Act
    const notPem = kubernetesKind.schema.safeParse({ ...base, caCertificate: "MIIBkTCB+wIJAK..." });
    const plainHttp = kubernetesKind.schema.parse({
      ...base,
      apiUrl: "http://127.0.0.1:6443",
      caCertificate: cluster.cert,
    });

    // Assess
    expect(notPem.success).toBe(false);
    expect(JSON.stringify(notPem.error?.issues)).toContain("caCertificate");
    expect(kubernetesKind.problems(plainHttp, { secretPrefix: "keyrotor/" })).toEqual([
      expect.stringContaining("caCertificate goes with an https apiUrl"),
    ]);
  });
});
