import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from "@aws-sdk/client-eventbridge";
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runCaptured } from "../../cli/io";
import { clientsIn, createOrganization, createUsers, type Organization } from "../../scripts/lib/emulator";
import type { FaultProxy } from "../../scripts/lib/fault-proxy";
import { MOTO_CREDENTIALS, type Moto } from "../../scripts/lib/moto";
import { EVENT_KINDS, type EventKind } from "../../shared/events/kinds";
import { schemaProblems } from "../support/json-schema";
import { drain, lambdaContext, scheduledEvent } from "../support/org-fixture";
import { deployService, SENDER, type Service, startEmulators, stopService } from "../support/service";

const LEDGER = "keyrotor-events-ledger";
const config = { region: "us-east-1", credentials: MOTO_CREDENTIALS };
const KIND_OF = new Map<string, EventKind>(
  Object.entries(EVENT_KINDS).map(([kind, detailType]) => [detailType, kind as EventKind]),
);

let moto: Moto;
let proxy: FaultProxy;
let org: Organization;
let service: Service;
let prod: string;
let appKey = "";
let captureUrl = "";

interface Captured {
  readonly source: string;
  readonly "detail-type": string;
  readonly detail: Record<string, unknown>;
}

/** What the rotator asked EventBridge to put, read from the PutEvents calls on the wire. */
function putOnTheWire(): (Captured & { bus: string })[] {
  return proxy.calls
    .filter((c) => c.operation === "PutEvents")
    .flatMap((c) => (JSON.parse(c.body) as { Entries: Record<string, string>[] }).Entries)
    .map((e) => ({
      bus: e.EventBusName ?? "",
      source: e.Source ?? "",
      "detail-type": e.DetailType ?? "",
      detail: JSON.parse(e.Detail ?? "{}"),
    }));
}

/** One daily run through the real scheduler and rotator; the events the capture rule routed to its queue. */
async function runDay(day: number): Promise<Captured[]> {
  moto.setClockOffsetDays(day);
  const at = moto.now();
  vi.setSystemTime(at);
  await service.handlers.scheduler(scheduledEvent(at), lambdaContext("keyrotor-scheduler"));
  const failures: string[] = [];
  for (const record of await drain(service.queues.jobs.url)) {
    const response = await service.handlers.rotator({ Records: [record] }, lambdaContext("keyrotor-rotator"));
    failures.push(...response.batchItemFailures.map((f) => f.itemIdentifier));
  }
  await drain(service.queues.notices.url);
  expect(failures).toEqual([]);
  return (await drain(captureUrl)).map((r) => JSON.parse(r.body) as Captured);
}

const kindOf = (event: Captured) => KIND_OF.get(event["detail-type"]);
const problemsOf = (events: readonly Captured[]) =>
  events.flatMap((e) => {
    const kind = kindOf(e);
    return kind
      ? schemaProblems(`events/${kind}`, e).map((p) => `${kind}: ${p}`)
      : [`unknown ${e["detail-type"]}`];
  });

beforeAll(async () => {
  ({ moto, proxy } = await startEmulators());
  org = await createOrganization([{ name: "Prod" }]);
  prod = org.accounts.Prod?.id ?? "";
  const ids = await createUsers((await clientsIn(prod)).iam, [
    { name: "app", keys: ["Active"] },
    { name: "stuck", keys: ["Active", "Active"] },
  ]);
  appKey = ids.get("app")?.[0] ?? "";
  // A consumer: a rule on the default bus sending keyrotor's events to a queue.
  const sqs = new SQSClient(config);
  captureUrl =
    (await sqs.send(new CreateQueueCommand({ QueueName: "keyrotor-events-capture" }))).QueueUrl ?? "";
  const queueArn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: captureUrl, AttributeNames: ["QueueArn"] }))
  ).Attributes?.QueueArn;
  const events = new EventBridgeClient(config);
  await events.send(
    new PutRuleCommand({ Name: "keyrotor-all", EventPattern: JSON.stringify({ source: ["keyrotor"] }) }),
  );
  await events.send(
    new PutTargetsCommand({ Rule: "keyrotor-all", Targets: [{ Id: "capture", Arn: queueArn }] }),
  );
  service = await deployService({ moto, proxy }, LEDGER, {
    KEYROTOR_LIFECYCLE_EVENTS: '{"enabled":true}',
    KEYROTOR_PASSWORD_POLICY: "cis",
  });
});

afterAll(() => stopService({ moto, proxy }));

describe("lifecycle events on EventBridge, through the rotator against moto", () => {
  let newKey = "";

  it("day 90: the rotation's events and the refusal reach a rule on the default bus, each valid against its schema", async () => {
    // Act
    const routed = await runDay(90);

    // Assess: what was put on the wire and what the rule delivered agree, and conform
    const put = putOnTheWire();
    expect(put.every((e) => e.bus === "default" && e.source === "keyrotor")).toBe(true);
    expect(problemsOf(put.map(({ bus, ...event }) => event))).toEqual([]);
    expect(problemsOf(routed)).toEqual([]);
    expect(routed.map((e) => e.detail.eventId).sort()).toEqual(put.map((e) => e.detail.eventId).sort());
    const kinds = routed
      .filter((e) => e.detail.accountId === prod)
      .map(kindOf)
      .sort();
    expect(kinds).toEqual([
      "key-created",
      "key-stored",
      "key-verified",
      "password-policy-changed",
      "user-blocked",
    ]);
    const created = routed.find((e) => kindOf(e) === "key-created")?.detail;
    expect(created).toMatchObject({
      accountId: prod,
      userName: "app",
      step: "create",
      reason: `replaces ${appKey}`,
    });
    newKey = String(created?.keyId);
    expect(newKey).toMatch(/^AKIA/);
    expect(routed.find((e) => kindOf(e) === "user-blocked")?.detail).toMatchObject({ userName: "stuck" });
  });

  it("day 100 and day 110: the superseded key's deactivation, then its deletion", async () => {
    // Act
    const deactivated = await runDay(100);
    const deleted = await runDay(110);

    // Assess
    expect(problemsOf([...deactivated, ...deleted])).toEqual([]);
    const app = (events: Captured[]) => events.filter((e) => e.detail.userName === "app");
    expect(app(deactivated).map((e) => [kindOf(e), e.detail.keyId])).toEqual([["key-deactivated", appKey]]);
    expect(app(deleted).map((e) => [kindOf(e), e.detail.keyId])).toEqual([["key-deleted", appKey]]);
  });

  it("a PutEvents that fails does not fail the job: its notice is still queued and the failure logged", async () => {
    // Prepare: EventBridge refuses every attempt of the run's first PutEvents
    const before = proxy.calls.filter((c) => c.operation === "PutEvents").length;
    proxy.rules.push((call) =>
      call.operation === "PutEvents" && call.occurrence > before ? "access-denied" : null,
    );
    const lines = service.output.length;

    // Act: the blocked user's refusal is due again; runDay asserts no job failed
    const routed = await runDay(120);

    // Assess
    expect(routed).toEqual([]);
    const logged = service.output.slice(lines).join("\n");
    expect(logged).toContain("lifecycle events refused");
    expect(logged).toContain("AccessDeniedException");
    expect(logged).toMatch(
      /"noticeSent":\s*true,\s*"events":\s*\{\s*"events":\s*\d+,\s*"sent":\s*0,\s*"failed":\s*[1-9]/,
    );
  });

  it("keyrotor run --mode enforce puts the same kinds of events, and plan puts none", async () => {
    // Prepare: EventBridge answers again; on day 200 the key made on day 90 is due
    proxy.rules.length = 0;
    const dir = mkdtempSync(join(tmpdir(), "keyrotor-events-cli-"));
    const configPath = join(dir, "config.json");
    writeFileSync(
      configPath,
      JSON.stringify({ senderEmail: SENDER, ledgerTable: LEDGER, lifecycleEvents: { enabled: true } }),
    );
    moto.setClockOffsetDays(200);
    vi.setSystemTime(moto.now());
    const cli = (...args: string[]) => runCaptured(args, { ...process.env }, () => moto.now());
    const asOf = moto.now().toISOString();

    // Act
    const plan = await cli("plan", "--config", configPath, "--as-of", asOf, "--format", "json");
    const planned = await drain(captureUrl);
    const run = await cli("run", "--config", configPath, "--as-of", asOf, "--mode", "enforce", "--json");
    const routed = (await drain(captureUrl)).map((r) => JSON.parse(r.body) as Captured);

    // Assess
    expect([plan.code, run.code]).toEqual([0, 0]);
    expect(planned).toEqual([]);
    expect(problemsOf(routed)).toEqual([]);
    const app = routed.filter((e) => e.detail.accountId === prod && e.detail.userName === "app");
    expect(app.map(kindOf).sort()).toEqual(["key-created", "key-stored", "key-verified"]);
    expect(app.find((e) => kindOf(e) === "key-created")?.detail.reason).toBe(`replaces ${newKey}`);
  });

  it("never puts a secret access key or a token", () => {
    // Assess
    const wire = proxy.calls
      .filter((c) => c.operation === "PutEvents")
      .map((c) => c.body)
      .join("\n");
    expect(wire).not.toBe("");
    for (const secret of proxy.handedOut) expect(wire).not.toContain(secret);
  });
});
