import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  clientsIn,
  createOrganization,
  createUsers,
  type Organization,
  sentEmails,
} from "../../scripts/lib/emulator";
import type { FaultProxy } from "../../scripts/lib/fault-proxy";
import type { Moto } from "../../scripts/lib/moto";
import { type AccountState, readSecretJson, snapshot } from "../support/account-fixture";
import { deliverLikeLambda, drain, lambdaContext, messagesOn, scheduledEvent } from "../support/org-fixture";
import { deployService, SENDER, type Service, startEmulators, stopService } from "../support/service";

const LEDGER = "keyrotor-test-ledger";
const ADMIN = "security@example.com";

let moto: Moto;
let proxy: FaultProxy;
let org: Organization;
let queues: Service["queues"];
let handlers: Service["handlers"];
let output: string[] = [];
type ScheduleSummary = { jobs: number; skipped: { accountId: string; reason: string }[] };
/** Every queue message body the run produced. */
const messages: string[] = [];
const handedOut = new Set<string>();
const originalKeys = new Map<string, string>();

/** In-scope accounts whose users keyrotor must rotate. */
const IN_SCOPE = ["management", "Prod"] as const;

async function stateOf(name: string): Promise<AccountState> {
  return snapshot(await clientsIn(org.accounts[name]?.id ?? ""));
}

/**
 * One daily run through the real handlers: schedule -> rotator per job -> notifier per notice. The
 * handlers' clocks read the same day as moto's: they refuse events and jobs from another time.
 */
async function runDay(day: number) {
  moto.setClockOffsetDays(day);
  vi.setSystemTime(moto.now());
  const summary = (await handlers.scheduler(
    scheduledEvent(moto.now()),
    lambdaContext("keyrotor-scheduler"),
  )) as ScheduleSummary;
  const jobs = await drain(queues.jobs.url);
  const rotatorFailures: string[] = [];
  for (const record of jobs) {
    const response = await handlers.rotator({ Records: [record] }, lambdaContext("keyrotor-rotator"));
    rotatorFailures.push(...response.batchItemFailures.map((f) => f.itemIdentifier));
  }
  const notices = await drain(queues.notices.url);
  messages.push(...jobs.map((r) => r.body), ...notices.map((r) => r.body));
  const before = (await sentEmails(moto.endpoint)).length;
  const response = await handlers.notifier({ Records: notices }, lambdaContext("keyrotor-notifier"));
  expect(response.batchItemFailures).toEqual([]);
  const emails = (await sentEmails(moto.endpoint)).slice(before);
  return { summary, jobs, rotatorFailures, notices, emails };
}

beforeAll(async () => {
  const emulators = await startEmulators();
  ({ moto, proxy } = emulators);
  org = await createOrganization([
    { name: "Prod", ouPath: ["Workloads"] },
    { name: "Sandbox", ouPath: ["Sandboxes", "Experiments"] },
    { name: "Closed", ouPath: ["Workloads"], closed: true },
    { name: "Broken", ouPath: ["Workloads"] },
  ]);
  for (const name of ["management", "Prod", "Sandbox", "Broken"]) {
    const clients = await clientsIn(org.accounts[name]?.id ?? "");
    const ids = await createUsers(clients.iam, [
      { name: "app", keys: ["Active"] },
      { name: "ops", keys: ["Active"], tags: { "keyrotor:owner": `ops-${name.toLowerCase()}@example.com` } },
    ]);
    originalKeys.set(`${name}/app`, ids.get("app")?.[0] ?? "");
    originalKeys.set(`${name}/ops`, ids.get("ops")?.[0] ?? "");
  }
  // AssumeRole into "Broken" is refused, as when its member role is missing or mistrusts us.
  const broken = org.accounts.Broken?.id ?? "";
  proxy.rules.push((call) =>
    call.operation === "AssumeRole" &&
    decodeURIComponent(call.body).includes(`::${broken}:role/keyrotor-member`)
      ? "access-denied"
      : null,
  );
  // Every log line the handlers print is kept, to scan for secrets.
  const service = await deployService(emulators, LEDGER, {
    KEYROTOR_ADMIN_EMAIL: ADMIN,
    KEYROTOR_EXCLUDE_OUS: org.ous.Sandboxes ?? "",
  });
  ({ queues, handlers, output } = service);
});

afterAll(() => stopService({ moto, proxy }));

describe("the deployed service, driven through its handlers, days 0 to 110", () => {
  it("day 0: one job per active in-scope account; nothing to rotate, nobody is mailed", async () => {
    const { summary, jobs, rotatorFailures, notices, emails } = await runDay(0);

    const jobAccounts = jobs.map((r) => JSON.parse(r.body).account.id).sort();
    expect(jobAccounts).toEqual(
      [org.accounts.management?.id, org.accounts.Prod?.id, org.accounts.Broken?.id].sort(),
    );
    expect(jobs.every((r) => r.attributes.MessageGroupId === JSON.parse(r.body).account.id)).toBe(true);
    expect(summary.skipped).toEqual(
      expect.arrayContaining([
        { accountId: org.accounts.Sandbox?.id, reason: `excluded by OU ${org.ous.Sandboxes}` },
        { accountId: org.accounts.Closed?.id, reason: "not active (SUSPENDED)" },
      ]),
    );
    // The account whose role cannot be assumed fails its own record only.
    const brokenJob = jobs.find((r) => JSON.parse(r.body).account.id === org.accounts.Broken?.id);
    expect(rotatorFailures).toEqual([brokenJob?.messageId]);
    expect(notices).toEqual([]);
    expect(emails).toEqual([]);
    expect(output.join("\n")).toMatch(/AccessDenied/);
  });

  it("day 90: keys rotated in every in-scope account, secrets in those accounts only, owners mailed", async () => {
    const { rotatorFailures, notices, emails } = await runDay(90);
    expect(rotatorFailures).toHaveLength(1);

    for (const name of IN_SCOPE) {
      const state = await stateOf(name);
      expect(state.users.app).toHaveLength(2);
      expect(Object.keys(state.secrets).sort()).toEqual(["keyrotor/app", "keyrotor/ops"]);
      const clients = await clientsIn(org.accounts[name]?.id ?? "");
      for (const user of ["app", "ops"]) {
        const stored = await readSecretJson(clients.secrets, `keyrotor/${user}`);
        handedOut.add(stored.SecretAccessKey);
        expect(state.users[user]).toContain(`${stored.AccessKeyId}:Active`);
        expect(stored.AccessKeyId).not.toBe(originalKeys.get(`${name}/${user}`));
      }
    }
    for (const name of ["Sandbox", "Broken"]) {
      const state = await stateOf(name);
      expect(state.users.app).toEqual([`${originalKeys.get(`${name}/app`)}:Active`]);
      expect(state.secrets).toEqual({});
    }
    // Secrets live in the member accounts, not in the management account's view of Prod's users.
    expect(Object.keys((await stateOf("management")).secrets).sort()).toEqual([
      "keyrotor/app",
      "keyrotor/ops",
    ]);

    expect(notices).toHaveLength(2);
    // One message per outbox entry, grouped by account.
    expect(notices.map((n) => n.attributes.MessageGroupId).sort()).toEqual(
      IN_SCOPE.map((name) => org.accounts[name]?.id).sort(),
    );
    // Each account's owner gets the account's notice; each user owner only their own user's lines.
    expect(emails).toHaveLength(4);
    const prodMail = emails.find((e) => e.destinations.ToAddresses?.includes("prod-owner@example.com"));
    expect(prodMail?.destinations).toEqual({
      ToAddresses: ["prod-owner@example.com"],
      CcAddresses: [],
      BccAddresses: [ADMIN],
    });
    const opsMail = emails.find((e) => e.destinations.ToAddresses?.includes("ops-prod@example.com"));
    expect(opsMail?.subject).toBe(`[keyrotor] Prod (${org.accounts.Prod?.id}): 1 key rotated`);
    expect(opsMail?.body).toContain("ops: new key");
    expect(opsMail?.body).not.toContain("app: new key");
    expect(prodMail?.source).toBe(SENDER);
    expect(prodMail?.subject).toBe(`[keyrotor] Prod (${org.accounts.Prod?.id}): 2 keys rotated`);
    expect(prodMail?.body).toContain("New keys");
    expect(prodMail?.body).toContain(
      `arn:aws:secretsmanager:us-east-1:${org.accounts.Prod?.id}:secret:keyrotor/app`,
    );
    expect(prodMail?.body).toContain("aws secretsmanager get-secret-value --secret-id");
    expect(prodMail?.body).toMatch(/deactivate/);
  });

  it("day 100: superseded keys deactivated in every in-scope account", async () => {
    const { emails } = await runDay(100);
    for (const name of IN_SCOPE) {
      const state = await stateOf(name);
      expect(state.users.app).toContain(`${originalKeys.get(`${name}/app`)}:Inactive`);
      expect(state.users.ops).toContain(`${originalKeys.get(`${name}/ops`)}:Inactive`);
    }
    const accountMails = emails.filter((e) => !e.destinations.ToAddresses?.[0]?.startsWith("ops-"));
    expect(accountMails).toHaveLength(2);
    expect(accountMails.every((e) => e.subject.endsWith(": 2 old keys deactivated"))).toBe(true);
  });

  it("day 110: superseded keys deleted; the excluded account is still untouched", async () => {
    const { emails } = await runDay(110);
    for (const name of IN_SCOPE) {
      const state = await stateOf(name);
      expect(state.users.app).toHaveLength(1);
      expect(state.users.app).not.toContain(`${originalKeys.get(`${name}/app`)}:Inactive`);
    }
    expect((await stateOf("Sandbox")).users.app).toEqual([`${originalKeys.get("Sandbox/app")}:Active`]);
    expect(emails.map((e) => e.subject.split(": ")[1]).sort()).toEqual([
      "1 old key deleted",
      "1 old key deleted",
      "2 old keys deleted",
      "2 old keys deleted",
    ]);
  });

  it("a message that cannot be processed is retried three times, then lands in the DLQ: never lost, never retried forever", async () => {
    await new SQSClient({ region: "us-east-1" }).send(
      new SendMessageCommand({
        QueueUrl: queues.jobs.url,
        MessageBody: '{"version":1,"runId":"r","account":{"id":"not-an-account"}}',
        MessageGroupId: "poison",
        MessageDeduplicationId: "poison-1",
      }),
    );
    const failures = await deliverLikeLambda(queues.jobs.url, (event) =>
      handlers.rotator(event as SQSEvent, lambdaContext("keyrotor-rotator")),
    );
    expect(failures).toBe(3);
    expect(await messagesOn(queues.jobs.url)).toBe(0);
    expect(await messagesOn(queues.jobs.dlqUrl)).toBe(1);
    expect(output.join("\n")).toMatch(
      /rotation-jobs message is malformed: asOf: .*account.id: must be a 12-digit account id/s,
    );
  });

  it("a forged job (an excluded account, or 1,000 days ahead) is refused before any key is touched", async () => {
    // Prepare: whoever may send to the jobs queue writes jobs of their own.
    const sqs = new SQSClient({ region: "us-east-1" });
    const now = moto.now();
    const forged = [
      { account: org.accounts.Sandbox, asOf: now, id: "excluded" },
      { account: org.accounts.Prod, asOf: new Date(now.getTime() + 1000 * 86_400_000), id: "future" },
    ];
    for (const f of forged) {
      const job = {
        version: 1,
        runId: `forged-${f.id}`,
        asOf: f.asOf.toISOString(),
        account: { id: f.account?.id, name: "x", email: "attacker@example.com" },
      };
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queues.jobs.url,
          MessageBody: JSON.stringify(job),
          MessageGroupId: f.id,
          MessageDeduplicationId: f.id,
        }),
      );
    }
    const before = { sandbox: await stateOf("Sandbox"), prod: await stateOf("Prod") };
    // Act
    const records = await drain(queues.jobs.url);
    const response = await handlers.rotator({ Records: records }, lambdaContext("keyrotor-rotator"));
    // Assess
    expect(response.batchItemFailures).toHaveLength(2);
    expect(await stateOf("Sandbox")).toEqual(before.sandbox);
    expect(await stateOf("Prod")).toEqual(before.prod);
    const log = output.join("\n");
    expect(log).toContain(
      `rotation job forged-excluded for account ${org.accounts.Sandbox?.id} refused: excluded by OU`,
    );
    expect(log).toMatch(/rotation job forged-future for \d+ is for .* ahead of this clock/);
    expect(await messagesOn(queues.notices.url)).toBe(0);
  });

  it("a forged notice is refused unless it names a notice of the ledger's outbox, which is sent once only", async () => {
    // Prepare: a notice of its own, a replay of a real one with words of its own, one with CR/LF.
    const real = JSON.parse(messages.findLast((m) => m.includes('"noticeId"')) ?? "{}");
    const base = {
      version: 1,
      runId: "forged-notice",
      mode: "enforce",
      asOf: moto.now().toISOString(),
      account: { id: real.account.id, name: "Prod", email: "attacker@example.com" },
      users: [{ userName: "app", events: [{ kind: "deleted", keyId: "K" }], upcoming: [] }],
      omittedUsers: 0,
      part: 1,
    };
    const replay = {
      ...base,
      noticeId: real.noticeId,
      users: [{ ...base.users[0], userName: "attacker says hi" }],
    };
    const crlf = { ...base, users: [{ ...base.users[0], userName: "app\r\nBcc: attacker@example.com" }] };
    const sqs = new SQSClient({ region: "us-east-1" });
    for (const [id, body] of [
      ["plain", base],
      ["replay", replay],
      ["crlf", crlf],
    ] as const) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queues.notices.url,
          MessageBody: JSON.stringify(body),
          MessageGroupId: id,
          MessageDeduplicationId: id,
        }),
      );
    }
    const before = (await sentEmails(moto.endpoint)).length;
    // Act
    const records = await drain(queues.notices.url);
    const response = await handlers.notifier({ Records: records }, lambdaContext("keyrotor-notifier"));
    // Assess
    const failed = records.filter((r) => !r.body.includes(real.noticeId)).map((r) => r.messageId);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(failed.sort());
    expect((await sentEmails(moto.endpoint)).slice(before)).toEqual([]);
    const log = output.join("\n");
    expect(log).toMatch(/must not contain control characters/);
    expect(log).toMatch(/names no outbox entry: refused/);
    expect(log).toMatch(/notice already sent/);
  });

  it("no email, queue message or log line ever held a secret access key", async () => {
    expect(handedOut.size).toBe(4);
    const emails = JSON.stringify(await sentEmails(moto.endpoint));
    const text = [emails, ...messages, ...output].join("\n");
    for (const secret of handedOut) expect(text.includes(secret)).toBe(false);
    expect(output.length).toBeGreaterThan(10);
    expect(messages.length).toBeGreaterThan(10);
    // Structured JSON logs from the service, with the per-account keys.
    const jobDone = output.map((line) => JSON.parse(line)).find((l) => l.message === "job done");
    expect(jobDone).toMatchObject({
      service: "keyrotor",
      accountId: expect.any(String),
      runId: expect.any(String),
    });
  });
});
