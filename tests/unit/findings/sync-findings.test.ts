import { describe, expect, it } from "vitest";
import { FakeAccount } from "../../../scripts/lib/fake-account";
import { parseConfig } from "../../../shared/config";
import { AwsCallError } from "../../../shared/errors";
import type { AsffFinding, FindingProduct } from "../../../shared/findings/asff";
import {
  type FindingIdentifier,
  type FindingsPort,
  FindingsResolveError,
  INCIDENT_FINDING_DAYS,
  NOTE_AUTHOR,
  publishFindings,
  type RefusedFinding,
  syncFindings,
} from "../../../shared/findings/sync-findings";
import { rotateJob } from "../../../shared/jobs/rotate-job";
import type { AccountLedger, IncidentRecord, UserRecord } from "../../../shared/ledger/records";
import type { AccountReport, UserReport } from "../../../shared/rotation/report";
import { key, NOW } from "../../support/keys";
import { memoryLog } from "../../support/log";

const MEMBER = "111122223333";
const PRODUCT: FindingProduct = {
  productArn: "arn:aws:securityhub:us-east-1:999988887777:product/999988887777/default",
  accountId: "999988887777",
  partition: "aws",
  region: "us-east-1",
};
const DAY_1 = "2026-06-01T06:00:00.000Z";
const DAY_2 = "2026-06-02T06:00:00.000Z";

/**
 * Security Hub in memory, as it treats a finding provider: findings by Id, imports upsert them, but an
 * import over an existing finding keeps its workflow and note (only BatchUpdateFindings changes those);
 * reads return the ACTIVE ones of the account; `resolve` sets the workflow and note of those it holds.
 */
function memoryHub(refuse: (f: AsffFinding) => string | null = () => null) {
  const findings = new Map<string, AsffFinding>();
  const imports: AsffFinding[][] = [];
  const resolves: { findings: FindingIdentifier[]; note: string }[] = [];
  const port: FindingsPort = {
    product: async () => PRODUCT,
    activeFindings: async (accountId) =>
      [...findings.values()].filter(
        (f) => f.Id.startsWith(`keyrotor/${accountId}/`) && f.RecordState === "ACTIVE",
      ),
    importFindings: async (batch) => {
      imports.push([...batch]);
      const refused: RefusedFinding[] = [];
      for (const f of batch) {
        const why = refuse(f);
        const held = findings.get(f.Id);
        if (why) refused.push({ id: f.Id, code: "InvalidInput", message: why });
        else if (held) findings.set(f.Id, { ...f, Workflow: held.Workflow, Note: held.Note });
        else findings.set(f.Id, { ...f, Workflow: f.Workflow ?? { Status: "NEW" } });
      }
      return refused;
    },
    resolve: async (batch, note) => {
      resolves.push({ findings: [...batch], note });
      const missing = batch.filter((f) => !findings.has(f.id));
      for (const f of batch) {
        const held = findings.get(f.id);
        if (held) findings.set(f.id, { ...held, Workflow: { Status: "RESOLVED" }, Note: setBy(note) });
      }
      if (missing.length > 0) {
        const unresolved = missing.map((f) => ({ id: f.id, code: "FindingNotFound", message: "not found" }));
        throw new FindingsResolveError(unresolved);
      }
    },
  };
  return { port, findings, imports, resolves };
}
const setBy = (text: string) => ({ Text: text, UpdatedBy: NOTE_AUTHOR });

function user(userName: string, extra: Partial<UserReport> = {}): UserReport {
  return {
    userName,
    status: "ok",
    keys: [],
    actions: [],
    warnings: [],
    upcoming: [],
    secretName: `keyrotor/${userName}`,
    findings: [],
    ...extra,
  };
}
const blocked = (name: string) => user(name, { status: "blocked", reason: "two keys, neither deletable" });

function report(now: string, users: UserReport[], unexaminedUsers = 0): AccountReport {
  return {
    accountId: MEMBER,
    runId: `run-${now.slice(0, 10)}`,
    mode: "enforce",
    now,
    previousRunAt: now,
    users,
    unexaminedUsers,
    failedUsers: 0,
    deferredUsers: 0,
  };
}

const id = (name: string, problem = "blocked") => `keyrotor/${MEMBER}/${name}/${problem}`;

function ledgerWith(quiet: Record<string, string>): AccountLedger {
  const users = new Map<string, UserRecord>(
    Object.entries(quiet).map(([name, until]) => [
      name,
      { quiet: { since: DAY_1, until, fingerprint: "f", reason: "blocked" } } as UserRecord,
    ]),
  );
  return { users, account: null };
}

describe("syncFindings: Security Hub brought to the account's report", () => {
  it("imports a new finding per problem, active and NEW", async () => {
    // Prepare
    const hub = memoryHub();

    // Act
    const sync = await syncFindings(hub.port, report(DAY_1, [blocked("app"), user("fine")]));

    // Assess
    expect(sync).toEqual({
      looked: true,
      imported: 1,
      updated: 0,
      resolved: 0,
      kept: 0,
      refused: [],
      workflowResolved: 0,
      unresolved: [],
    });
    expect([...hub.findings.keys()]).toEqual([id("app")]);
    expect(hub.findings.get(id("app"))).toMatchObject({ RecordState: "ACTIVE", Workflow: { Status: "NEW" } });
  });

  it("updates a finding that is still true, keeping when it was created and first observed", async () => {
    // Prepare
    const hub = memoryHub();
    await syncFindings(hub.port, report(DAY_1, [blocked("app")]));

    // Act
    const sync = await syncFindings(hub.port, report(DAY_2, [blocked("app")]));

    // Assess
    expect(sync).toMatchObject({ imported: 0, updated: 1, resolved: 0 });
    expect(hub.findings.get(id("app"))).toMatchObject({
      CreatedAt: DAY_1,
      FirstObservedAt: DAY_1,
      UpdatedAt: DAY_2,
      LastObservedAt: DAY_2,
      ProductFields: { "keyrotor/RunId": "run-2026-06-02" },
    });
  });

  it("resolves a finding whose problem is gone from a user it looked at: archived and passed, its workflow left to people", async () => {
    // Prepare
    const hub = memoryHub();
    await syncFindings(hub.port, report(DAY_1, [blocked("app")]));

    // Act
    const sync = await syncFindings(hub.port, report(DAY_2, [user("app", { status: "due" })]));

    // Assess
    expect(sync).toMatchObject({ imported: 0, updated: 0, resolved: 1, kept: 0, workflowResolved: 0 });
    expect(hub.resolves).toEqual([]);
    expect(hub.findings.get(id("app"))).toMatchObject({
      RecordState: "ARCHIVED",
      Workflow: { Status: "NEW" },
      Compliance: { Status: "PASSED" },
      UpdatedAt: DAY_2,
      CreatedAt: DAY_1,
    });
  });

  it("resolves one problem of a user and keeps importing its other", async () => {
    // Prepare
    const hub = memoryHub();
    const failing = { status: "failed", error: { name: "AwsCallError", message: "throttled" } } as const;
    await syncFindings(hub.port, report(DAY_1, [blocked("app"), user("ops", failing)]));

    // Act: ops can be read again and is held in use now
    const held = { holds: [{ keyId: "AKIAOLD", reason: "in-use", dueOn: DAY_1 }] } as const;
    await syncFindings(hub.port, report(DAY_2, [blocked("app"), user("ops", held)]));

    // Assess
    const states = [...hub.findings.values()].map(
      (f) => `${f.Id.split("/").slice(2).join("/")}:${f.RecordState}`,
    );
    expect(states.sort()).toEqual(["app/blocked:ACTIVE", "ops/failing:ARCHIVED", "ops/in-use:ACTIVE"]);
  });

  it("keeps the findings of a user it could not read or did not reach this time", async () => {
    // Prepare
    const hub = memoryHub();
    await syncFindings(hub.port, report(DAY_1, [blocked("app"), blocked("ops")]));
    const unreadable = user("app", {
      status: "failed",
      error: { name: "AwsCallError", message: "throttled" },
    });

    // Act
    const sync = await syncFindings(
      hub.port,
      report(DAY_2, [unreadable, user("ops", { status: "deferred" })]),
    );

    // Assess
    expect(sync).toMatchObject({ imported: 1, resolved: 0, kept: 2 });
    expect(hub.findings.get(id("app"))?.RecordState).toBe("ACTIVE");
    expect(hub.findings.get(id("ops"))?.RecordState).toBe("ACTIVE");
  });

  it("of users the report skipped, keeps those in a quiet period or held, resolves the rest", async () => {
    // Prepare
    const hub = memoryHub();
    const heldUser = user("held", { status: "held", reason: "unrecorded key used" });
    await syncFindings(
      hub.port,
      report(DAY_1, [blocked("quiet"), blocked("loud"), blocked("over"), heldUser]),
    );
    const ledger = ledgerWith({ quiet: "2026-06-08T06:00:00.000Z", over: DAY_2 });

    // Act: only someone else was looked at
    const sync = await syncFindings(hub.port, report(DAY_2, [user("other")], 4), ledger);

    // Assess
    expect(sync).toMatchObject({ resolved: 2, kept: 2 });
    expect(hub.findings.get(id("quiet"))?.RecordState).toBe("ACTIVE");
    expect(hub.findings.get(id("held", "held"))?.RecordState).toBe("ACTIVE");
    expect(hub.findings.get(id("loud"))?.RecordState).toBe("ARCHIVED");
    expect(hub.findings.get(id("over"))?.RecordState).toBe("ARCHIVED");
  });

  it("resolves the findings of a user gone from an account whose every user it looked at", async () => {
    // Prepare
    const hub = memoryHub();
    await syncFindings(hub.port, report(DAY_1, [blocked("gone")]));

    // Act
    await syncFindings(
      hub.port,
      report(DAY_2, [user("other")], 0),
      ledgerWith({ gone: "2026-06-08T06:00:00.000Z" }),
    );

    // Assess
    expect(hub.findings.get(id("gone"))?.RecordState).toBe("ARCHIVED");
  });

  it("without the ledger, keeps the findings of users the report skipped", async () => {
    // Prepare
    const hub = memoryHub();
    await syncFindings(hub.port, report(DAY_1, [blocked("app")]));

    // Act
    const sync = await syncFindings(hub.port, report(DAY_2, [user("other")], 1));

    // Assess
    expect(sync).toMatchObject({ resolved: 0, kept: 1 });
  });

  it("reads and writes nothing when the report looked at no user", async () => {
    // Prepare
    const hub = memoryHub();
    let reads = 0;
    const port = {
      ...hub.port,
      activeFindings: async () => {
        reads++;
        return [];
      },
    };

    // Act
    const sync = await syncFindings(port, report(DAY_1, [], 12));

    // Assess
    expect(sync.looked).toBe(false);
    expect(reads).toBe(0);
    expect(hub.imports).toEqual([]);
  });

  it("only touches findings about this account", async () => {
    // Prepare
    const hub = memoryHub();
    await syncFindings(hub.port, { ...report(DAY_1, [blocked("app")]), accountId: "444455556666" });

    // Act
    await syncFindings(hub.port, report(DAY_2, [user("app")]));

    // Assess
    expect(hub.findings.get("keyrotor/444455556666/app/blocked")?.RecordState).toBe("ACTIVE");
    expect(hub.imports).toHaveLength(1);
  });
});

describe("syncFindings: an incident's finding, NEW while open and RESOLVED once handled, never archived", () => {
  const EXPOSED = "AKIAEXPOSED000000001";
  const opened: IncidentRecord = {
    keyId: EXPOSED,
    trigger: "health",
    source: "arn:aws:health:global::event/IAM/AWS_RISK_CREDENTIALS_EXPOSED/E1",
    response: "revoke",
    openedAt: DAY_1,
  };
  const done: IncidentRecord = {
    ...opened,
    replacedBy: "AKIANEW0000000000001",
    revokedAt: DAY_1,
    handledAt: DAY_1,
  };
  const incidentId = `keyrotor/${MEMBER}/deploy/incident/${EXPOSED}`;
  const open = () => user("deploy", { incident: { ...opened, state: "open" } });
  const handled = () => user("deploy", { incident: { ...done, state: "handled" } });
  const withIncidents = (...incidents: IncidentRecord[]): AccountLedger => ({
    users: new Map([["deploy", { userName: "deploy", incidents }]]),
    account: null,
  });

  it("updates the same finding when the incident is handled, keeping its creation, and resolves its workflow", async () => {
    // Prepare
    const hub = memoryHub();
    await syncFindings(hub.port, report(DAY_1, [open()]));

    // Act
    const sync = await syncFindings(hub.port, report(DAY_2, [handled()]));

    // Assess
    expect(sync).toMatchObject({ imported: 0, updated: 1, resolved: 0, workflowResolved: 1, unresolved: [] });
    expect([...hub.findings.keys()]).toEqual([incidentId]);
    expect(hub.findings.get(incidentId)).toMatchObject({
      RecordState: "ACTIVE",
      Workflow: { Status: "RESOLVED" },
      Note: { UpdatedBy: "keyrotor" },
      ProductFields: { "keyrotor/IncidentState": "handled" },
      CreatedAt: DAY_1,
      UpdatedAt: DAY_2,
    });
    expect(hub.resolves).toEqual([
      { findings: [{ id: incidentId, productArn: PRODUCT.productArn }], note: expect.any(String) },
    ]);
    expect(hub.resolves[0]?.note).toMatch(/^keyrotor handled this exposed key in run run-2026-06-02/);
  });

  it("resolves nothing while the incident is open, and no finding of any other kind", async () => {
    // Prepare
    const hub = memoryHub();
    await syncFindings(hub.port, report(DAY_1, [{ ...open(), status: "blocked", reason: "two keys" }]));

    // Act: still open; the blocked finding is gone and archived
    const sync = await syncFindings(hub.port, report(DAY_2, [open()]));

    // Assess
    expect(sync).toMatchObject({ resolved: 1, workflowResolved: 0 });
    expect(hub.resolves).toEqual([]);
    expect(hub.findings.get(incidentId)?.Workflow?.Status).toBe("NEW");
  });

  it("a resolve that failed is caught up at the next run, from the ledger, with no import again", async () => {
    // Prepare: day 2 imports the handled record, but BatchUpdateFindings is not there (moto has none)
    const hub = memoryHub();
    await syncFindings(hub.port, report(DAY_1, [open()]));
    const unknown = new AwsCallError("SecurityHub", "BatchUpdateFindings", "Http404", "HTTP 404");
    const missing: FindingsPort = {
      ...hub.port,
      resolve: async (batch) => {
        const unresolved = batch.map((f) => ({ id: f.id, code: unknown.code, message: unknown.message }));
        throw new FindingsResolveError(unresolved, { cause: unknown });
      },
    };
    const day2 = await syncFindings(missing, report(DAY_2, [handled()]));

    // Act
    const DAY_3 = "2026-06-03T06:00:00.000Z";
    const day3 = await syncFindings(hub.port, report(DAY_3, [user("deploy")]), withIncidents(done));

    // Assess
    expect(day2).toMatchObject({
      updated: 1,
      workflowResolved: 0,
      unresolved: [{ id: incidentId, code: "Http404", message: unknown.message }],
    });
    expect(day3).toMatchObject({ imported: 0, updated: 0, resolved: 0, kept: 1, workflowResolved: 1 });
    expect(hub.imports).toHaveLength(2);
    expect(hub.resolves.map((r) => r.findings)).toEqual([
      [{ id: incidentId, productArn: PRODUCT.productArn }],
    ]);
    expect(hub.findings.get(incidentId)?.Workflow?.Status).toBe("RESOLVED");
  });

  it("a resolve applied whose answer was lost is not asked again: the next run finds it resolved", async () => {
    // Prepare
    const hub = memoryHub();
    await syncFindings(hub.port, report(DAY_1, [open()]));
    const lossy: FindingsPort = {
      ...hub.port,
      resolve: async (batch, note) => {
        await hub.port.resolve(batch, note);
        throw new FindingsResolveError(
          batch.map((f) => ({ id: f.id, code: "ECONNRESET", message: "socket hang up" })),
        );
      },
    };
    const day2 = await syncFindings(lossy, report(DAY_2, [handled()]));

    // Act
    const DAY_3 = "2026-06-03T06:00:00.000Z";
    const day3 = await syncFindings(hub.port, report(DAY_3, [handled()]), withIncidents(done));

    // Assess
    expect(day2.unresolved).toHaveLength(1);
    expect(day3).toMatchObject({ updated: 1, workflowResolved: 0, unresolved: [] });
    expect(hub.resolves).toHaveLength(1);
    expect(hub.findings.get(incidentId)?.Workflow?.Status).toBe("RESOLVED");
  });

  it("resolves a finding a person marked NOTIFIED while open; leaves one a person suppressed", async () => {
    // Prepare
    const hub = memoryHub();
    const other = "AKIAOTHEREXPOSED0001";
    const otherId = `keyrotor/${MEMBER}/deploy/incident/${other}`;
    const both = withIncidents(opened, { ...opened, keyId: other });
    await syncFindings(hub.port, report(DAY_1, [user("deploy")]), both);
    const mark = (fid: string, status: "NOTIFIED" | "SUPPRESSED") => {
      const f = hub.findings.get(fid);
      if (f)
        hub.findings.set(fid, { ...f, Workflow: { Status: status }, Note: { Text: "x", UpdatedBy: "ana" } });
    };
    mark(incidentId, "NOTIFIED");
    mark(otherId, "SUPPRESSED");

    // Act
    const sync = await syncFindings(
      hub.port,
      report(DAY_2, [user("deploy")]),
      withIncidents(done, { ...done, keyId: other }),
    );

    // Assess
    expect(sync).toMatchObject({ resolved: 2, workflowResolved: 1 });
    expect(hub.resolves.map((r) => r.findings.map((f) => f.id))).toEqual([[incidentId]]);
    expect(hub.findings.get(incidentId)?.Workflow?.Status).toBe("RESOLVED");
    expect(hub.findings.get(otherId)?.Workflow?.Status).toBe("SUPPRESSED");
  });

  it("leaves the workflow as a person set it after keyrotor resolved it: reopened stays reopened", async () => {
    // Prepare
    const hub = memoryHub();
    await syncFindings(hub.port, report(DAY_1, [open()]));
    await syncFindings(hub.port, report(DAY_2, [handled()]));
    const f = hub.findings.get(incidentId);
    if (f) hub.findings.set(incidentId, { ...f, Workflow: { Status: "NEW" } });

    // Act
    const DAY_3 = "2026-06-03T06:00:00.000Z";
    const sync = await syncFindings(hub.port, report(DAY_3, [handled()]), withIncidents(done));

    // Assess
    expect(sync.workflowResolved).toBe(0);
    expect(hub.resolves).toHaveLength(1);
    expect(hub.findings.get(incidentId)?.Workflow?.Status).toBe("NEW");
  });

  it("a handled incident's first import is not resolved in the same run; one Security Hub holds NEW is, the run after", async () => {
    // Prepare: a Security Hub that takes no workflow from an import, not even a new finding's
    const hub = memoryHub();
    const strict: FindingsPort = {
      ...hub.port,
      importFindings: async (batch) =>
        hub.port.importFindings(batch.map((f) => ({ ...f, Workflow: undefined }))),
    };

    // Act
    const first = await syncFindings(strict, report(DAY_1, [handled()]));
    const next = await syncFindings(strict, report(DAY_2, [user("deploy")]), withIncidents(done));

    // Assess
    expect(first).toMatchObject({ imported: 1, workflowResolved: 0 });
    expect(next).toMatchObject({ imported: 0, updated: 0, workflowResolved: 1 });
    expect(hub.findings.get(incidentId)?.Workflow?.Status).toBe("RESOLVED");
  });

  it("a later run whose report has no incident leaves a handled incident's finding as it is, not archived", async () => {
    // Prepare
    const hub = memoryHub();
    await syncFindings(hub.port, report(DAY_1, [handled()]));

    // Act: deploy looked at again, with nothing to say about the incident; then not looked at at all
    const looked = await syncFindings(hub.port, report(DAY_2, [user("deploy")]), withIncidents(done));
    const skipped = await syncFindings(hub.port, report(DAY_2, [user("other")]), withIncidents(done));

    // Assess
    expect(looked).toMatchObject({ resolved: 0, kept: 1 });
    expect(skipped).toMatchObject({ resolved: 0, kept: 1 });
    expect(hub.imports).toHaveLength(1);
    expect(hub.findings.get(incidentId)).toMatchObject({
      RecordState: "ACTIVE",
      Workflow: { Status: "RESOLVED" },
    });
  });

  it("keeps an open incident's finding open when a report skips it: neither archived nor resolved", async () => {
    // Prepare
    const hub = memoryHub();
    await syncFindings(hub.port, report(DAY_1, [open()]));

    // Act: every user of the account looked at, deploy without its incident; and without a ledger
    await syncFindings(hub.port, report(DAY_2, [user("deploy")]), withIncidents(opened));
    await syncFindings(hub.port, report(DAY_2, [user("other")], 0));

    // Assess
    expect(hub.findings.get(incidentId)).toMatchObject({
      RecordState: "ACTIVE",
      Workflow: { Status: "NEW" },
    });
    expect(hub.imports).toHaveLength(1);
  });

  it("a handled incident whose RESOLVED import was lost is resolved at the next run, from the ledger", async () => {
    // Prepare: opened on day 1; on day 2 it is handled, but Security Hub cannot be reached
    const hub = memoryHub();
    await syncFindings(hub.port, report(DAY_1, [open()]));
    const down = { ...hub.port, activeFindings: () => Promise.reject(new Error("connect ETIMEDOUT")) };
    expect(
      await publishFindings({ findings: down, log: memoryLog() }, report(DAY_2, [handled()])),
    ).toBeNull();

    // Act: day 3, the report has nothing new about the incident
    const DAY_3 = "2026-06-03T06:00:00.000Z";
    const sync = await syncFindings(hub.port, report(DAY_3, [user("deploy")]), withIncidents(done));

    // Assess
    expect(sync).toMatchObject({ imported: 0, updated: 0, resolved: 1, workflowResolved: 1 });
    expect(hub.findings.get(incidentId)).toMatchObject({
      RecordState: "ACTIVE",
      Workflow: { Status: "RESOLVED" },
      CreatedAt: DAY_1,
      FirstObservedAt: DAY_1,
      UpdatedAt: DAY_3,
      ProductFields: { "keyrotor/IncidentState": "handled" },
    });
  });

  it("an import applied whose answer was lost is not written again: the next run finds it done", async () => {
    // Prepare: the import lands, then the answer is lost
    const hub = memoryHub();
    const lossy: FindingsPort = {
      ...hub.port,
      importFindings: async (batch) => {
        await hub.port.importFindings(batch);
        throw new Error("socket hang up");
      },
    };
    expect(
      await publishFindings({ findings: lossy, log: memoryLog() }, report(DAY_1, [handled()])),
    ).toBeNull();

    // Act
    const sync = await syncFindings(hub.port, report(DAY_2, [user("deploy")]), withIncidents(done));

    // Assess
    expect(sync).toMatchObject({ imported: 0, updated: 0, resolved: 0, kept: 1 });
    expect(hub.imports).toHaveLength(1);
    expect(hub.findings.get(incidentId)?.Workflow?.Status).toBe("RESOLVED");
  });

  it("imports from the ledger an incident Security Hub never got, while open or handled within INCIDENT_FINDING_DAYS", async () => {
    // Prepare: the run that opened (and handled) these could not reach Security Hub
    const hub = memoryHub();
    const old: IncidentRecord = {
      ...done,
      keyId: "AKIAOLDEXPOSED000001",
      openedAt: "2026-03-01T06:00:00.000Z",
      handledAt: "2026-03-01T06:00:00.000Z",
    };
    const still: IncidentRecord = { ...opened, keyId: "AKIASTILLOPEN0000001" };
    const ledger = withIncidents(old, done, still);

    // Act
    const sync = await syncFindings(hub.port, report(DAY_2, [user("deploy")]), ledger);

    // Assess: the recent ones, not the one handled three months ago
    expect(sync).toMatchObject({ imported: 2 });
    expect(hub.findings.get(incidentId)?.Workflow?.Status).toBe("RESOLVED");
    expect(hub.findings.get(`keyrotor/${MEMBER}/deploy/incident/AKIASTILLOPEN0000001`)).toMatchObject({
      Workflow: { Status: "NEW" },
      Severity: { Label: "CRITICAL" },
    });
    expect(hub.findings.has(`keyrotor/${MEMBER}/deploy/incident/AKIAOLDEXPOSED000001`)).toBe(false);
    expect(INCIDENT_FINDING_DAYS).toBe(30);
  });

  it("archives other findings as before while the incident's stands", async () => {
    // Prepare
    const hub = memoryHub();
    await syncFindings(hub.port, report(DAY_1, [{ ...open(), status: "blocked", reason: "two keys" }]));

    // Act
    await syncFindings(hub.port, report(DAY_2, [user("deploy")]), withIncidents(opened));

    // Assess
    expect(hub.findings.get(`keyrotor/${MEMBER}/deploy/blocked`)?.RecordState).toBe("ARCHIVED");
    expect(hub.findings.get(incidentId)?.RecordState).toBe("ACTIVE");
  });
});

describe("publishFindings: the rotator's step, which never fails the job", () => {
  const incident = (state: "open" | "handled") => ({
    keyId: "AKIAEXPOSED000000001",
    trigger: "cli" as const,
    source: "cli-1",
    response: "revoke" as const,
    openedAt: DAY_1,
    ...(state === "handled" ? { handledAt: DAY_2, revokedAt: DAY_2 } : {}),
    state,
  });

  it("logs the findings Security Hub refused", async () => {
    // Prepare
    const hub = memoryHub(() => "Finding too large");
    const log = memoryLog();

    // Act
    const sync = await publishFindings({ findings: hub.port, log }, report(DAY_1, [blocked("app")]));

    // Assess
    expect(sync?.refused).toEqual([{ id: id("app"), code: "InvalidInput", message: "Finding too large" }]);
    expect(
      log.lines.some((l) => l.includes("Security Hub refused findings") && l.includes("Finding too large")),
    ).toBe(true);
  });

  it("logs the findings Security Hub did not resolve, and returns the sync", async () => {
    // Prepare
    const hub = memoryHub();
    await syncFindings(hub.port, report(DAY_1, [user("app", { incident: incident("open") })]));
    const port: FindingsPort = {
      ...hub.port,
      resolve: () => Promise.reject(new Error("UnknownOperationException")),
    };
    const log = memoryLog();

    // Act
    const sync = await publishFindings(
      { findings: port, log },
      report(DAY_2, [user("app", { incident: incident("handled") })]),
    );

    // Assess
    expect(sync?.unresolved).toEqual([
      {
        id: `keyrotor/${MEMBER}/app/incident/AKIAEXPOSED000000001`,
        code: "Error",
        message: "UnknownOperationException",
      },
    ]);
    const line = JSON.parse(
      log.lines.find((l) => l.includes("Security Hub did not resolve findings")) ?? "{}",
    );
    expect(line).toMatchObject({ level: "ERROR", accountId: MEMBER, unresolved: sync?.unresolved });
  });

  it("logs a failure to reach Security Hub and returns null instead of throwing", async () => {
    // Prepare
    const hub = memoryHub();
    const port = {
      ...hub.port,
      activeFindings: () => Promise.reject(new Error("InvalidAccessException: not subscribed")),
    };
    const log = memoryLog();

    // Act
    const sync = await publishFindings({ findings: port, log }, report(DAY_1, [blocked("app")]));

    // Assess
    expect(sync).toBeNull();
    const line = JSON.parse(log.lines.find((l) => l.includes("findings not synced")) ?? "{}");
    expect(line).toMatchObject({
      level: "ERROR",
      accountId: MEMBER,
      error: { message: "InvalidAccessException: not subscribed" },
    });
  });
});

describe("rotateJob: findings after the rotation, with securityHubFindings on and not read-only", () => {
  const job = {
    version: 1 as const,
    runId: "run-1",
    asOf: NOW.toISOString(),
    account: { id: MEMBER, name: "Prod", email: "prod@example.com" },
  };
  const settings = parseConfig({ mode: "enforce", senderEmail: "k@example.com", securityHubFindings: true });

  function rotator(findings: FindingsPort) {
    const account = new FakeAccount().addUser("stuck", [key("A", 120), key("B", 95)]);
    account.clock = () => NOW;
    const sent: unknown[] = [];
    const log = memoryLog();
    const ports = {
      openAccount: async () => ({ iam: account, secrets: account }),
      ledger: account.ledger,
      notices: { sendNotice: async (n: unknown) => void sent.push(n) },
      log,
      findings,
    };
    return { ports, sent, log };
  }

  it("imports the blocked user's finding once the notice is queued", async () => {
    // Prepare
    const hub = memoryHub();
    const { ports, sent } = rotator(hub.port);

    // Act
    const { report } = await rotateJob(ports, settings, job);

    // Assess
    expect(report.users.map((u) => u.status)).toEqual(["blocked"]);
    expect(sent).toHaveLength(1);
    expect([...hub.findings.keys()]).toEqual([id("stuck")]);
  });

  it("a Security Hub that cannot be reached fails neither the job nor its notice", async () => {
    // Prepare
    const down = { ...memoryHub().port, product: () => Promise.reject(new Error("connect ECONNREFUSED")) };
    const { ports, sent, log } = rotator(down);

    // Act
    const { noticeSent } = await rotateJob(ports, settings, job);

    // Assess
    expect(noticeSent).toBe(true);
    expect(sent).toHaveLength(1);
    expect(log.lines.some((l) => l.includes("findings not synced") && l.includes("ECONNREFUSED"))).toBe(true);
  });

  it("imports nothing with the setting off, or in read-only mode (plan)", async () => {
    // Prepare
    const hub = memoryHub();
    const off = rotator(hub.port);
    const planned = rotator(hub.port);

    // Act
    await rotateJob(off.ports, { ...settings, securityHubFindings: false }, job);
    await rotateJob(planned.ports, settings, job, { readOnly: true });

    // Assess
    expect(hub.imports).toEqual([]);
  });
});
