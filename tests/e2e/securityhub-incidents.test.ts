import {
  type AwsSecurityFinding,
  EnableSecurityHubCommand,
  GetFindingsCommand,
  SecurityHubClient,
} from "@aws-sdk/client-securityhub";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { MOTO_CREDENTIALS, type Moto, startMoto } from "../../scripts/lib/moto";
import { SecurityHubAdapter } from "../../shared/aws/securityhub";
import { syncFindings } from "../../shared/findings/sync-findings";
import type { AccountLedger, IncidentRecord } from "../../shared/ledger/records";
import type { AccountReport, UserReport } from "../../shared/rotation/report";
import { type SecurityHubRules, startSecurityHubRules } from "../support/security-hub-rules";

/**
 * An exposed key's finding through the real Security Hub adapter and moto, with Security Hub's workflow
 * rules in front of it (`security-hub-rules.ts`: an import keeps a held finding's workflow, only
 * BatchUpdateFindings changes it): imported NEW and CRITICAL while the key can sign; once handled,
 * imported HIGH and its workflow resolved, a resolve that failed (moto's missing operation) caught up by
 * the retry; left as it is, not archived, by a later run with nothing to say about it.
 */

const KEYROTOR_ACCOUNT = "123456789012";
const MEMBER = "111122223333";
const EXPOSED = "AKIAEXPOSED000000001";
const NEW_KEY = "AKIAREPLACEMENT00001";
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const DAY_1 = "2026-06-01T06:00:00.000Z";
const DAY_2 = "2026-06-02T06:00:00.000Z";
const DAY_3 = "2026-06-03T06:00:00.000Z";

let moto: Moto;
let rules: SecurityHubRules;
let port: SecurityHubAdapter;
let hub: SecurityHubClient;

const opened: IncidentRecord = {
  keyId: EXPOSED,
  trigger: "cli",
  source: "cli-20260601T055500Z",
  reason: `pasted with its secret ${SECRET} in a chat`,
  response: "revoke",
  openedAt: "2026-06-01T05:55:00.000Z",
};
const done: IncidentRecord = {
  ...opened,
  replacedBy: NEW_KEY,
  revokedAt: "2026-06-02T05:59:00.000Z",
  handledAt: "2026-06-02T05:59:00.000Z",
};

function deploy(over: Partial<UserReport> = {}): UserReport {
  return {
    userName: "deploy",
    status: "ok",
    keys: [{ id: EXPOSED, status: "Active", createdAt: "2026-03-01T06:00:00.000Z" }],
    actions: [],
    warnings: [],
    upcoming: [],
    secretName: "keyrotor/deploy",
    findings: [],
    ...over,
  };
}

const report = (now: string, users: UserReport[]): AccountReport => ({
  accountId: MEMBER,
  runId: `run-${now.slice(0, 10)}`,
  mode: "enforce",
  now,
  previousRunAt: now,
  users,
  unexaminedUsers: 0,
  failedUsers: 0,
  deferredUsers: 0,
});

const ledger = (incident: IncidentRecord): AccountLedger => ({
  users: new Map([["deploy", { userName: "deploy", incidents: [incident] }]]),
  account: null,
});

async function findings(): Promise<AwsSecurityFinding[]> {
  return (await hub.send(new GetFindingsCommand({}))).Findings ?? [];
}

beforeAll(async () => {
  moto = await startMoto();
  vi.stubEnv("AWS_ENDPOINT_URL", moto.endpoint);
  vi.stubEnv("AWS_REGION", "us-east-1");
  hub = new SecurityHubClient({ region: "us-east-1", credentials: MOTO_CREDENTIALS });
  await hub.send(new EnableSecurityHubCommand({}));
  rules = await startSecurityHubRules(moto.endpoint, hub);
  vi.stubEnv("AWS_ENDPOINT_URL_SECURITYHUB", rules.endpoint);
  port = SecurityHubAdapter.create(async () => ({ accountId: KEYROTOR_ACCOUNT, partition: "aws" }), {
    region: "us-east-1",
    credentials: MOTO_CREDENTIALS,
  });
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await rules?.stop();
  await moto?.stop();
});

describe("an exposed key's finding in Security Hub", () => {
  const id = `keyrotor/${MEMBER}/deploy/incident/${EXPOSED}`;
  const handled = deploy({
    incident: { ...done, state: "handled" },
    keys: [
      { id: EXPOSED, status: "Inactive", createdAt: "2026-03-01T06:00:00.000Z" },
      { id: NEW_KEY, status: "Active", createdAt: "2026-06-02T05:58:00.000Z" },
    ],
  });

  it("day 1: opened and not yet replaced, the key still Active: imported NEW and CRITICAL", async () => {
    // Act
    const sync = await syncFindings(
      port,
      report(DAY_1, [deploy({ incident: { ...opened, state: "open" } })]),
    );

    // Assess
    expect(sync).toMatchObject({ imported: 1, refused: [] });
    const all = await findings();
    expect(all.map((f) => f.Id)).toEqual([id]);
    expect(all[0]).toMatchObject({
      GeneratorId: "keyrotor/incident",
      AwsAccountId: KEYROTOR_ACCOUNT,
      Severity: { Label: "CRITICAL" },
      Workflow: { Status: "NEW" },
      RecordState: "ACTIVE",
      FirstObservedAt: opened.openedAt,
    });
  });

  it("day 2: handled, the resolve failing (moto has no BatchUpdateFindings): imported HIGH, the workflow still NEW, nothing thrown", async () => {
    // Prepare
    rules.batchUpdate = false;

    // Act
    const sync = await syncFindings(port, report(DAY_2, [handled]));

    // Assess
    expect(sync).toMatchObject({ imported: 0, updated: 1, refused: [], workflowResolved: 0 });
    expect(sync.unresolved).toEqual([
      { id, code: "Http404", message: expect.stringContaining("BatchUpdateFindings") },
    ]);
    const [finding] = await findings();
    expect(finding).toMatchObject({
      Severity: { Label: "HIGH" },
      Workflow: { Status: "NEW" },
      UpdatedAt: DAY_2,
    });
  });

  it("day 2, the run retried: the same finding, RESOLVED with keyrotor's note, HIGH, created on day 1", async () => {
    // Prepare
    rules.batchUpdate = true;

    // Act
    const retry = await syncFindings(port, report(DAY_2, [handled]));
    const again = await syncFindings(port, report(DAY_2, [handled]));

    // Assess
    expect(retry).toMatchObject({ imported: 0, updated: 1, resolved: 0, refused: [], workflowResolved: 1 });
    expect(again).toMatchObject({ updated: 1, workflowResolved: 0, unresolved: [] });
    const all = await findings();
    expect(all.map((f) => f.Id)).toEqual([id]);
    expect(all[0]).toMatchObject({
      Severity: { Label: "HIGH" },
      Workflow: { Status: "RESOLVED" },
      Note: {
        UpdatedBy: "keyrotor",
        Text: expect.stringMatching(/^keyrotor handled this exposed key in run run-2026-06-02/),
      },
      RecordState: "ACTIVE",
      CreatedAt: DAY_1,
      UpdatedAt: DAY_2,
    });
    expect(all[0]?.Description).toContain(`keyrotor replaced it with ${NEW_KEY} and deactivated it`);
    expect(rules.updates).toEqual([
      {
        FindingIdentifiers: [{ Id: id, ProductArn: all[0]?.ProductArn }],
        Workflow: { Status: "RESOLVED" },
        Note: { Text: all[0]?.Note?.Text, UpdatedBy: "keyrotor" },
      },
      {
        FindingIdentifiers: [{ Id: id, ProductArn: all[0]?.ProductArn }],
        Workflow: { Status: "RESOLVED" },
        Note: { Text: all[0]?.Note?.Text, UpdatedBy: "keyrotor" },
      },
    ]);
  });

  it("day 3: a run with nothing to say about it leaves it RESOLVED and ACTIVE, and no finding holds the secret", async () => {
    // Act
    const sync = await syncFindings(port, report(DAY_3, [deploy({ keys: [] })]), ledger(done));

    // Assess
    expect(sync).toMatchObject({ imported: 0, updated: 0, resolved: 0, kept: 1, workflowResolved: 0 });
    const all = await findings();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({
      RecordState: "ACTIVE",
      Workflow: { Status: "RESOLVED" },
      UpdatedAt: DAY_2,
    });
    expect(JSON.stringify(all)).not.toContain(SECRET);
  });
});
