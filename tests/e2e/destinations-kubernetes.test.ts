import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KubernetesServer, startKubernetesServer } from "../../scripts/lib/providers/kubernetes-server";
import { ROTATED_KEY_ANNOTATION } from "../../shared/destinations/kubernetes";
import { type OneDestination, startOneDestination } from "../support/one-destination";

/**
 * The Kubernetes destination end to end: a rotation through the real handlers against moto writes the
 * new key into a Secret of a local API server, keeping its other keys, and rolls the Deployment that
 * reads it; day 100 retires the old key once the Secret has confirmed.
 */

const TOKEN = "eyJhbGciOiJSUzI1NiJ9.e2e-service-account-0006.c2ln";

let k8s: KubernetesServer;
let run: OneDestination;

beforeAll(async () => {
  k8s = await startKubernetesServer({ token: TOKEN, namespaces: ["ci"], deployments: ["ci/deployer"] });
  k8s.seed("ci", "aws-credentials", { REGION: "eu-west-1" });
  run = await startOneDestination({
    ledger: "keyrotor-k8s-ledger",
    token: { name: "keyrotor-tokens/k8s", value: TOKEN },
    destination: () => ({
      type: "kubernetes",
      apiUrl: k8s.url,
      namespace: "ci",
      name: "aws-credentials",
      tokenSecret: "keyrotor-tokens/k8s",
      restart: { deployment: "deployer" },
    }),
  });
}, 120_000);

afterAll(async () => {
  await k8s?.close();
  await run?.stop();
});

describe("delivering a rotated key to a Kubernetes Secret", () => {
  let newKey: { AccessKeyId: string; SecretAccessKey: string };

  it("day 90: the Secret holds the new key of the member account's secret, its other key kept, and the Deployment rolls", async () => {
    // Act
    await run.runDay(90);

    // Assess
    newKey = await run.storedKey();
    expect(newKey.AccessKeyId).not.toBe(run.originalKey);
    expect(k8s.secret("ci", "aws-credentials")).toEqual({
      REGION: "eu-west-1",
      AWS_ACCESS_KEY_ID: newKey.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: newKey.SecretAccessKey,
    });
    expect(k8s.deployment("ci", "deployer")).toEqual({
      generation: 2,
      annotations: { [ROTATED_KEY_ANNOTATION]: newKey.AccessKeyId },
    });
  });

  it("day 100: the old key is retired and the Deployment does not roll again", async () => {
    // Act
    await run.runDay(100);

    // Assess
    expect(await run.keys()).toEqual(
      expect.arrayContaining([`${run.originalKey}:Inactive`, `${newKey.AccessKeyId}:Active`]),
    );
    expect(k8s.deployment("ci", "deployer").generation).toBe(2);
  });

  it("no log line holds the key's secret or the token", () => {
    // Assess
    const leaks = run.service.output.filter((l) => l.includes(TOKEN) || l.includes(newKey.SecretAccessKey));
    expect(leaks).toEqual([]);
    expect(run.service.output.length).toBeGreaterThan(0);
  });
});
