import { CreateAccessKeyCommand, CreateUserCommand, type IAMClient } from "@aws-sdk/client-iam";
import type { SQSRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { clientsIn, createOrganization, type Organization } from "../../scripts/lib/emulator";
import { drain, lambdaContext, scheduledEvent } from "../support/org-fixture";
import { deployService, type Service, startEmulators, stopService } from "../support/service";

// The rotator's EMF records, as CloudWatch Logs would read them from its stdout, over one daily run in
// audit mode against moto. Old:   ci with a key of day 0, the run on day 95 (rotation 5 days overdue).
// Fresh: app with a key of day 85 (10 days old, nothing due). Then a job no admission lets through: an account
// outside the organization.

const LEDGER = "keyrotor-metrics-ledger";

interface EmfRecord {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [key: string]: unknown;
}

let service: Service;
let org: Organization;
let emf: EmfRecord[] = [];
const keyIds: string[] = [];
const runDay = 95;
let runAt: Date;

const idOf = (name: string) => org.accounts[name]?.id ?? "";
const emfLines = () => service.output.filter((line) => line.includes('"_aws"'));

async function userWithKey(iam: IAMClient, UserName: string) {
  await iam.send(new CreateUserCommand({ UserName }));
  const out = await iam.send(new CreateAccessKeyCommand({ UserName }));
  keyIds.push(out.AccessKey?.AccessKeyId ?? "", out.AccessKey?.SecretAccessKey ?? "");
}

beforeAll(async () => {
  const emulators = await startEmulators();
  org = await createOrganization([{ name: "Old" }, { name: "Fresh" }]);
  await userWithKey((await clientsIn(idOf("Old"))).iam, "ci");
  service = await deployService(emulators, LEDGER, {
    KEYROTOR_MODE: "audit",
    METRICS_ACCOUNT_DIMENSION: "true",
    POWERTOOLS_METRICS_NAMESPACE: "keyrotor-e2e",
    // POWERTOOLS_DEV (the harness sets it, for the global console) turns metrics off unless told otherwise.
    POWERTOOLS_METRICS_DISABLED: "false",
  });
  emulators.moto.setClockOffsetDays(85);
  await userWithKey((await clientsIn(idOf("Fresh"))).iam, "app");
  emulators.moto.setClockOffsetDays(runDay);
  runAt = emulators.moto.now();
  vi.setSystemTime(runAt);
  await service.handlers.scheduler(scheduledEvent(runAt), lambdaContext("keyrotor-scheduler"));
  for (const record of await drain(service.queues.jobs.url)) {
    const response = await service.handlers.rotator({ Records: [record] }, lambdaContext("keyrotor-rotator"));
    expect(response.batchItemFailures).toEqual([]);
  }
  emf = emfLines().map((line) => JSON.parse(line) as EmfRecord);
}, 180_000);

afterAll(() => stopService(service));

const recordOf = (account: string) => emf.find((r) => r.accountId === idOf(account));

describe("the rotator's metrics in embedded metric format", () => {
  it("writes one EMF record per account, in the deployment's namespace, split by service and by account", () => {
    // Assess
    expect(emf).toHaveLength(Object.keys(org.accounts).length);
    for (const record of emf) {
      const [directive] = record._aws.CloudWatchMetrics;
      expect(directive?.Namespace).toBe("keyrotor-e2e");
      expect(directive?.Dimensions).toEqual([["service"], ["service", "accountId"]]);
      expect(record.service).toBe("keyrotor");
      expect(typeof record.runId).toBe("string");
    }
    expect(emf.map((r) => r.accountId)).toEqual(expect.arrayContaining([idOf("Old"), idOf("Fresh")]));
  });

  it("names each metric with its unit", () => {
    // Assess
    const units = Object.fromEntries(
      (emf[0]?._aws.CloudWatchMetrics[0]?.Metrics ?? []).map((m) => [m.Name, m.Unit] as const),
    );
    expect(units).toEqual({
      OldestActiveKeyAgeDays: "Count",
      KeysPastRotation: "Count",
      MostDaysPastRotation: "Count",
      KeysPastDeactivationActive: "Count",
      HeldUsers: "Count",
      BlockedUsers: "Count",
      FailedDeliveries: "Count",
      FailedUsers: "Count",
      AccountsRotated: "Count",
      JobDuration: "Seconds",
      RunDuration: "Seconds",
    });
  });

  it("carries each account's figures: the overdue key in audit mode, the fresh one not due", () => {
    // Assess
    expect(recordOf("Old")).toMatchObject({
      OldestActiveKeyAgeDays: runDay,
      KeysPastRotation: 1,
      MostDaysPastRotation: runDay - 90,
      KeysPastDeactivationActive: 0,
      HeldUsers: 0,
      BlockedUsers: 0,
      FailedDeliveries: 0,
      FailedUsers: 0,
      AccountsRotated: 1,
    });
    // Fresh's user has nothing due: the credential report leaves it unexamined, so no key of it is counted.
    expect(recordOf("Fresh")).toMatchObject({
      OldestActiveKeyAgeDays: 0,
      KeysPastRotation: 0,
      MostDaysPastRotation: 0,
      AccountsRotated: 1,
    });
    for (const record of emf) {
      expect(record.RunDuration).toBeGreaterThanOrEqual(0);
      expect(record.JobDuration).toBeGreaterThanOrEqual(0);
    }
  });

  it("holds no key id and no secret", () => {
    // Assess
    for (const line of emfLines()) {
      for (const value of keyIds) expect(line).not.toContain(value);
    }
  });
});

describe("a job that fails", () => {
  it("counts as a failed job, and on its last delivery as an unreadable account, never under the account its message names", async () => {
    // Prepare: a message for an account outside the organization, on its third delivery
    const before = emfLines().length;
    const forged: SQSRecord = {
      messageId: "forged-1",
      receiptHandle: "r",
      body: JSON.stringify({
        version: 1,
        runId: "forged-run",
        asOf: runAt.toISOString(),
        account: { id: "999999999999", name: "Forged", email: "forged@example.com" },
      }),
      attributes: { ApproximateReceiveCount: "3" } as SQSRecord["attributes"],
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:rotation-jobs.fifo",
      awsRegion: "us-east-1",
    };
    // Act
    const response = await service.handlers.rotator({ Records: [forged] }, lambdaContext("keyrotor-rotator"));
    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: "forged-1" }]);
    const added = emfLines()
      .slice(before)
      .map((line) => JSON.parse(line) as EmfRecord);
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ FailedJobs: 1, UnreadableAccounts: 1, accountId: "unadmitted" });
    expect(JSON.stringify(added[0])).not.toContain("999999999999");
  });
});
