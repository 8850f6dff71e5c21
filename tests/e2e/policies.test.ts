import { OrganizationsClient, TagResourceCommand } from "@aws-sdk/client-organizations";
import type { SQSRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { clientsIn, createOrganization, createUsers, type Organization } from "../../scripts/lib/emulator";
import type { FaultProxy } from "../../scripts/lib/fault-proxy";
import type { Moto } from "../../scripts/lib/moto";
import { keyStatuses } from "../support/account-fixture";
import { drain, lambdaContext, scheduledEvent } from "../support/org-fixture";
import { deployService, type Service, startEmulators, stopService } from "../support/service";

const LEDGER = "keyrotor-policies-ledger";

let moto: Moto;
let proxy: FaultProxy;
let org: Organization;
let queues: Service["queues"];
let handlers: Service["handlers"];
const original = new Map<string, string>();

/** One daily run through the real handlers (scheduler, then the rotator per job), on moto's clock. */
async function runDay(day: number, forged: (jobs: string[]) => string[] = (jobs) => jobs) {
  moto.setClockOffsetDays(day);
  vi.setSystemTime(moto.now());
  proxy.calls.length = 0;
  await handlers.scheduler(scheduledEvent(moto.now()), lambdaContext("keyrotor-scheduler"));
  const jobs = await drain(queues.jobs.url);
  const failures: string[] = [];
  const bodies = forged(jobs.map((r) => r.body));
  for (const [i, body] of bodies.entries()) {
    const record: SQSRecord = { ...(jobs[0] as SQSRecord), messageId: `m-${i}`, body };
    const response = await handlers.rotator({ Records: [record] }, lambdaContext("keyrotor-rotator"));
    failures.push(...response.batchItemFailures.map((f: { itemIdentifier: string }) => f.itemIdentifier));
  }
  await drain(queues.notices.url);
  const listParents = proxy.calls.filter((c) => c.operation === "ListParents").length;
  return { jobs: bodies, failures, listParents };
}

const keysOf = async (account: string) =>
  keyStatuses((await clientsIn(org.accounts[account]?.id ?? "")).iam, "app");

beforeAll(async () => {
  const emulators = await startEmulators();
  ({ moto, proxy } = emulators);
  org = await createOrganization([
    { name: "Prod", ouPath: ["Workloads", "Production"] },
    { name: "Sandbox", ouPath: ["Sandbox"] },
  ]);
  for (const name of ["Prod", "Sandbox"]) {
    const clients = await clientsIn(org.accounts[name]?.id ?? "");
    // The member account's people tag their user and ask for the production policy: it changes nothing.
    const ids = await createUsers(clients.iam, [
      { name: "app", keys: ["Active"], tags: { "keyrotor:policy": "production", policy: "production" } },
    ]);
    original.set(name, ids.get("app")?.[0] ?? "");
  }
  // The sandbox account itself is tagged for the production policy too: it changes nothing either.
  await new OrganizationsClient({ endpoint: moto.endpoint, region: "us-east-1" }).send(
    new TagResourceCommand({
      ResourceId: org.accounts.Sandbox?.id ?? "",
      Tags: [{ Key: "keyrotor:policy", Value: "production" }],
    }),
  );
  const service = await deployService(emulators, LEDGER, {
    KEYROTOR_MODE: "enforce",
    KEYROTOR_POLICIES: JSON.stringify([
      {
        name: "production",
        ous: [org.ous.Production],
        mode: "enforce",
        rotateAfterDays: 30,
        deactivateAfterDays: 35,
        deleteAfterDays: 40,
      },
      { name: "sandbox", ous: [org.ous.Sandbox], mode: "audit" },
    ]),
  });
  ({ queues, handlers } = service);
});

afterAll(() => stopService({ moto, proxy }));

describe("policies per OU, driven through the deployed handlers on moto", () => {
  it("day 29: nothing is due under either policy", async () => {
    // Act
    const { failures } = await runDay(29);

    // Assess
    expect(failures).toEqual([]);
    expect(await keysOf("Prod")).toEqual([`${original.get("Prod")}:Active`]);
    expect(await keysOf("Sandbox")).toEqual([`${original.get("Sandbox")}:Active`]);
  });

  it("day 30: the production account's key is rotated at 30 days, the sandbox's is not touched", async () => {
    // Act
    const { failures, listParents } = await runDay(30);

    // Assess
    expect(failures).toEqual([]);
    const prod = await keysOf("Prod");
    expect(prod).toHaveLength(2);
    expect(prod).toContain(`${original.get("Prod")}:Active`);
    expect(await keysOf("Sandbox")).toEqual([`${original.get("Sandbox")}:Active`]);
    // One ListParents per OU level per account and run: management (root), Prod (Production, Workloads,
    // root), Sandbox (Sandbox, root); the rotator's admission check and the policies share each read.
    expect(listParents).toBe(6);
  });

  it("day 35: the superseded production key is deactivated", async () => {
    // Act
    await runDay(35);

    // Assess
    expect(await keysOf("Prod")).toContain(`${original.get("Prod")}:Inactive`);
    expect(await keysOf("Sandbox")).toEqual([`${original.get("Sandbox")}:Active`]);
  });

  it("day 40: the superseded production key is deleted; a forged job cannot choose the sandbox's policy", async () => {
    // Prepare: whoever may send to the queue asks for the production policy for the sandbox account
    const sandboxId = org.accounts.Sandbox?.id ?? "";
    const forge = (jobs: string[]) => {
      const sandbox = jobs.find((b) => JSON.parse(b).account.id === sandboxId) ?? "";
      const job = JSON.parse(sandbox);
      return [
        ...jobs,
        JSON.stringify({ ...job, policy: "production" }),
        JSON.stringify({
          ...job,
          runId: `${job.runId}-forged`,
          account: { ...job.account, name: "production" },
        }),
      ];
    };

    // Act
    const { failures, jobs } = await runDay(40, forge);

    // Assess: the job with a policy field is refused outright; the other is run under the sandbox's policy
    expect(failures).toEqual([`m-${jobs.length - 2}`]);
    const prod = await keysOf("Prod");
    expect(prod).toHaveLength(1);
    expect(prod[0]).not.toContain(original.get("Prod") ?? "?");
    expect(await keysOf("Sandbox")).toEqual([`${original.get("Sandbox")}:Active`]);
  });

  it("day 120: the sandbox, in audit under its policy, still has its first key, far past the default's 90 days", async () => {
    // Act
    await runDay(120);

    // Assess
    expect(await keysOf("Sandbox")).toEqual([`${original.get("Sandbox")}:Active`]);
  });
});
