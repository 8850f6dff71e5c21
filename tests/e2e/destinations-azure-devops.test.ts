import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AzureDevOpsServer,
  startAzureDevOpsServer,
} from "../../scripts/lib/providers/azure-devops-server";
import { type OneDestination, startOneDestination } from "../support/one-destination";

/**
 * The Azure DevOps destination end to end: a rotation through the real handlers against moto writes
 * the new key into two secret variables of a variable group of a local Azure DevOps, the group's other
 * variable kept; day 100 retires the old key.
 */

const TOKEN = "e2eazuredevopspersonalaccesstoken0008xxxxxxxxxxxxxx";

let azure: AzureDevOpsServer;
let run: OneDestination;
let groupId: number;

const writes = () => azure.requests.filter((r) => r.method !== "GET").length;

beforeAll(async () => {
  azure = await startAzureDevOpsServer({ token: TOKEN, projects: { acme: ["Deployer"] } });
  groupId = azure.addGroup("acme", "Deployer", {
    name: "aws-prod",
    variables: { DEPLOY_REGION: { value: "eu-west-1" } },
  });
  run = await startOneDestination({
    ledger: "keyrotor-azure-ledger",
    token: { name: "keyrotor-tokens/azure", value: TOKEN },
    destination: () => ({
      type: "azure-devops",
      apiUrl: azure.url,
      organization: "acme",
      project: "Deployer",
      group: "aws-prod",
      tokenSecret: "keyrotor-tokens/azure",
    }),
  });
}, 120_000);

afterAll(async () => {
  await azure?.close();
  await run?.stop();
});

describe("delivering a rotated key to an Azure DevOps variable group", () => {
  let newKey: { AccessKeyId: string; SecretAccessKey: string };
  let writesOnDay90 = 0;

  it("day 90: the group's secret variables hold the new key of the member account's secret, its other variable kept", async () => {
    // Act
    await run.runDay(90);

    // Assess
    newKey = await run.storedKey();
    expect(newKey.AccessKeyId).not.toBe(run.originalKey);
    const group = azure.group("acme", groupId);
    expect(group.name).toBe("aws-prod");
    expect(group.variables).toEqual({
      DEPLOY_REGION: { value: "eu-west-1" },
      AWS_ACCESS_KEY_ID: { value: newKey.AccessKeyId, isSecret: true },
      AWS_SECRET_ACCESS_KEY: { value: newKey.SecretAccessKey, isSecret: true },
    });
    expect(await run.keys()).toEqual(
      expect.arrayContaining([`${run.originalKey}:Active`, `${newKey.AccessKeyId}:Active`]),
    );
    writesOnDay90 = writes();
  });

  it("day 100: the old key is retired, and the group is not written again", async () => {
    // Act
    await run.runDay(100);

    // Assess
    expect(await run.keys()).toEqual(
      expect.arrayContaining([`${run.originalKey}:Inactive`, `${newKey.AccessKeyId}:Active`]),
    );
    expect(writes()).toBe(writesOnDay90);
    expect(azure.group("acme", groupId).variables.AWS_SECRET_ACCESS_KEY?.value).toBe(newKey.SecretAccessKey);
  });

  it("no log line holds the key's secret or the token", () => {
    // Assess
    const leaks = run.service.output.filter((l) => l.includes(TOKEN) || l.includes(newKey.SecretAccessKey));
    expect(leaks).toEqual([]);
    expect(run.service.output.length).toBeGreaterThan(0);
  });
});
