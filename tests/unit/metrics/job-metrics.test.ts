import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { RotationJob } from "../../../shared/messages";
import { createMetrics } from "../../../shared/metrics/emit";
import { JOB_DELIVERIES, recordJobDone, recordJobFailed } from "../../../shared/metrics/job-metrics";
import type { AccountReport } from "../../../shared/rotation/report";
import { TimeBudgetError } from "../../../shared/rotation/rotate-account";

const ASOF = "2026-06-30T06:00:00.000Z";
const job: RotationJob = {
  version: 1,
  runId: "run-1",
  asOf: ASOF,
  account: { id: "111111111111", name: "One", email: "one@example.com" },
};
const report: AccountReport = {
  accountId: "111111111111",
  runId: "run-1",
  mode: "enforce",
  now: ASOF,
  previousRunAt: ASOF,
  users: [],
  unexaminedUsers: 4,
  failedUsers: 0,
  deferredUsers: 0,
};
const off = { accountDimension: false };

let printed: Record<string, unknown>[];

beforeEach(() => {
  vi.stubEnv("POWERTOOLS_DEV", "true");
  vi.stubEnv("POWERTOOLS_METRICS_DISABLED", "false");
  printed = [];
  vi.spyOn(console, "log").mockImplementation((line: string) => {
    printed.push(JSON.parse(line) as Record<string, unknown>);
  });
  vi.spyOn(console, "warn").mockImplementation(() => undefined);
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe("recordJobDone", () => {
  it("without the account dimension, keeps the account id a property: one dimension set, [service]", () => {
    // Prepare
    const metrics = createMetrics({});
    // Act
    recordJobDone(metrics, off, job, report, Date.parse(ASOF));
    // Assess
    expect(printed).toHaveLength(1);
    const [record] = printed as {
      _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] };
    }[];
    expect(record?._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: "keyrotor",
      Dimensions: [["service"]],
    });
    expect(record).toMatchObject({ accountId: "111111111111", runId: "run-1", AccountsRotated: 1 });
  });

  it("leaves out an incident's job: its report holds one user", () => {
    // Prepare
    const metrics = createMetrics({ POWERTOOLS_METRICS_NAMESPACE: "keyrotor-test" });
    const incident = {
      ...job,
      incident: { trigger: "health" as const, keyId: "AKIAEXPOSED", source: "arn" },
    };
    // Act
    recordJobDone(metrics, off, incident, report, Date.parse(ASOF));
    // Assess
    expect(printed).toEqual([]);
  });
});

describe("recordJobFailed", () => {
  it("counts a failed attempt, and the account unreadable only on the last delivery", () => {
    // Prepare
    const metrics = createMetrics({});
    // Act
    recordJobFailed(metrics, off, job, 1, new Error("AccessDenied"));
    recordJobFailed(metrics, off, job, JOB_DELIVERIES, new Error("AccessDenied"));
    // Assess
    expect(printed.map((r) => [r.FailedJobs, r.UnreadableAccounts])).toEqual([
      [1, 0],
      [1, 1],
    ]);
  });

  it("does not count running out of time: the job comes back for the users left", () => {
    // Prepare
    const metrics = createMetrics({});
    // Act
    recordJobFailed(metrics, off, job, JOB_DELIVERIES, new TimeBudgetError("stopped"));
    // Assess
    expect(printed).toEqual([]);
  });

  it("never puts an unadmitted message's account in a dimension", () => {
    // Prepare
    const metrics = createMetrics({});
    // Act
    recordJobFailed(metrics, { accountDimension: true }, undefined, 1, new Error("refused"));
    // Assess
    expect(printed[0]).toMatchObject({ accountId: "unadmitted", runId: "unadmitted" });
  });
});
