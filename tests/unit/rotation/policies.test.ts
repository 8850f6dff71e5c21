import { beforeEach, describe, expect, it } from "vitest";
import { FakeAccount } from "../../../scripts/lib/fake-account";
import { parseConfig } from "../../../shared/config";
import { AwsCallError } from "../../../shared/errors";
import { rotateJob } from "../../../shared/jobs/rotate-job";
import type { Notice, RotationJob } from "../../../shared/messages";
import { PolicyScopeError } from "../../../shared/rotation/rotate-account";
import { key, NOW } from "../../support/keys";
import { memoryLog } from "../../support/log";

const ACCOUNT = "111122223333";
const PROD_OU = "ou-ab12-prod0001";
const JOB: RotationJob = {
  version: 1,
  runId: "run-1",
  asOf: NOW.toISOString(),
  account: { id: ACCOUNT, name: "Prod", email: "prod@example.com" },
};

let account: FakeAccount;
let notices: Notice[];
let asked: number;
const ports = (ancestorsOf?: (id: string) => Promise<string[]>) => ({
  openAccount: async () => ({ iam: account, secrets: account }),
  ledger: account.ledger,
  notices: { sendNotice: async (n: Notice) => void notices.push(n) },
  log: memoryLog(),
  ...(ancestorsOf ? { ancestorsOf } : {}),
});

beforeEach(() => {
  account = new FakeAccount();
  account.clock = () => NOW;
  notices = [];
  asked = 0;
});

describe("two user policies matching one user at run time", () => {
  const settings = parseConfig({
    senderEmail: "keyrotor@example.com",
    mode: "enforce",
    policies: [
      { name: "ci", users: ["ci-*"], rotateAfterDays: 30, deactivateAfterDays: 35, deleteAfterDays: 40 },
      { name: "deploy", users: ["*-deploy"], mode: "enforce" },
    ],
  });

  it("block the user, naming both, with no key call, on the first run and on its retry", async () => {
    // Prepare: due under either policy, and under the default
    account.addUser("ci-deploy", [key("OLD", 95)]);
    account.addUser("ci-build", [key("CI", 95)]);

    const untouched = () => {
      const calls = account.mutations.filter((m) => m.endsWith(" ci-deploy") || m.includes("/ci-deploy"));
      expect(calls).toEqual([]);
      expect(account.users.get("ci-deploy")?.keys.map((k) => [k.id, k.status])).toEqual([["OLD", "Active"]]);
    };
    // Act
    const { report } = await rotateJob(ports(), settings, JOB, { attempt: 1 });
    // Assess
    const user = report.users.find((u) => u.userName === "ci-deploy");
    expect(user).toMatchObject({
      status: "blocked",
      reason: expect.stringContaining('policies "ci" and "deploy" both match this user'),
      actions: [],
    });
    expect(user).not.toHaveProperty("policy");
    untouched();

    // Act: the job delivered again (its answer lost): the blocked user stays quiet, its keys untouched
    const retried = await rotateJob(ports(), settings, JOB, { attempt: 2 });
    // Assess
    expect(retried.report.users.find((u) => u.userName === "ci-deploy")?.status ?? "quiet").toMatch(
      /^(blocked|quiet)$/,
    );
    untouched();
    // The other user is rotated under its one policy, and the notice names both policies of the tie.
    expect(account.users.get("ci-build")?.keys).toHaveLength(2);
    expect(JSON.stringify(notices)).toContain('policies \\"ci\\" and \\"deploy\\" both match this user');
  });
});

describe("an exposed key's response under policies", () => {
  const settings = parseConfig({
    senderEmail: "keyrotor@example.com",
    // The default is audit: only the production policy lets keyrotor act.
    mode: "audit",
    policies: [{ name: "production", ous: [PROD_OU], mode: "enforce" }],
  });
  const incidentJob: RotationJob = {
    ...JOB,
    incident: { trigger: "health", keyId: "EXPOSED", source: "arn:aws:health:global::event/RISK/1" },
  };
  const ancestorsOf = async (id: string) => {
    asked++;
    return id === ACCOUNT ? [PROD_OU] : [];
  };

  it("answers the user under the policy of its account's OU, as Organizations tells keyrotor", async () => {
    // Prepare: a young key, so only the incident makes anything due
    account.addUser("app", [key("EXPOSED", 5)], { "keyrotor:policy": "default" });
    // Act
    const { report } = await rotateJob(ports(ancestorsOf), settings, incidentJob);
    // Assess
    expect(report.policy?.name).toBe("production");
    expect(report.users).toEqual([expect.objectContaining({ userName: "app", policy: "production" })]);
    expect(account.users.get("app")?.keys.map((k) => k.status)).toEqual(["Inactive", "Active"]);
    expect(asked).toBe(1);
  });

  it("fails the job rather than guess when the OUs cannot be read, and its retry answers it once", async () => {
    // Prepare
    account.addUser("app", [key("EXPOSED", 5)]);
    let reads = 0;
    const flaky = async (id: string) => {
      if (reads++ === 0)
        throw new AwsCallError("Organizations", "ListParents", "TooManyRequestsException", "slow down");
      return ancestorsOf(id);
    };
    // Act
    const first = rotateJob(ports(flaky), settings, incidentJob, { attempt: 1 });
    const without = rotateJob(ports(), settings, incidentJob, { attempt: 1 });
    // Assess: nothing was done to the key either time
    await expect(first).rejects.toThrow("slow down");
    await expect(without).rejects.toBeInstanceOf(PolicyScopeError);
    expect(account.users.get("app")?.keys.map((k) => k.status)).toEqual(["Active"]);

    // Act: the retry
    const { report } = await rotateJob(ports(flaky), settings, incidentJob, { attempt: 2 });
    // Assess: one replacement, the exposed key revoked, one incident
    expect(report.users[0]).toMatchObject({ policy: "production" });
    expect(account.users.get("app")?.keys.map((k) => k.status)).toEqual(["Inactive", "Active"]);
    expect(account.mutations.filter((m) => m.startsWith("CreateAccessKey"))).toHaveLength(1);
    expect(account.ledger.user(ACCOUNT, "app")?.incidents).toHaveLength(1);
  });
});
