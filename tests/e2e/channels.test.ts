import { CreateSecretCommand } from "@aws-sdk/client-secrets-manager";
import type { SQSRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  adminClients,
  clientsIn,
  createOrganization,
  createUsers,
  type Organization,
  sentEmails,
} from "../../scripts/lib/emulator";
import type { Moto } from "../../scripts/lib/moto";
import { startSlackServer } from "../../scripts/lib/providers/slack-server";
import { startTeamsServer } from "../../scripts/lib/providers/teams-server";
import { startWebhookServer } from "../../scripts/lib/providers/webhook-server";
import { drain, lambdaContext, scheduledEvent } from "../support/org-fixture";
import { deployService, type Service, startEmulators, stopService } from "../support/service";

const LEDGER = "keyrotor-channels-ledger";
const SIGNING_KEY = "w".repeat(48);

let moto: Moto;
let service: Service;
let org: Organization;
let slack: Awaited<ReturnType<typeof startSlackServer>>;
let teams: Awaited<ReturnType<typeof startTeamsServer>>;
let webhook: Awaited<ReturnType<typeof startWebhookServer>>;

function at(day: number) {
  moto.setClockOffsetDays(day);
  const now = moto.now();
  vi.setSystemTime(now);
  return now;
}

async function runAndNotify(now: Date) {
  const { handlers, queues } = service;
  await handlers.scheduler(scheduledEvent(now), lambdaContext("keyrotor-scheduler"));
  for (const record of await drain(queues.jobs.url)) {
    await handlers.rotator({ Records: [record] }, lambdaContext("keyrotor-rotator"));
  }
  const notices: SQSRecord[] = await drain(queues.notices.url);
  const response = await handlers.notifier({ Records: notices }, lambdaContext("keyrotor-notifier"));
  return { notices, failed: response.batchItemFailures };
}

beforeAll(async () => {
  const emulators = await startEmulators();
  ({ moto } = emulators);
  [slack, teams, webhook] = await Promise.all([
    startSlackServer(),
    startTeamsServer(),
    startWebhookServer(SIGNING_KEY, () => Math.floor(Date.now() / 1000)),
  ]);
  org = await createOrganization([{ name: "Prod", ouPath: ["Workloads"] }]);
  const prod = org.accounts.Prod?.id ?? "";
  // Two Active keys: at 90 days keyrotor cannot make a third, so the user is blocked: a person must act.
  await createUsers((await clientsIn(prod)).iam, [{ name: "ci-deploy", keys: ["Active", "Active"] }]);
  const { secrets } = adminClients();
  for (const [name, value] of [
    ["keyrotor-tokens/channels/slack", { url: slack.url }],
    ["keyrotor-tokens/channels/teams", { url: teams.url }],
    ["keyrotor-tokens/channels/siem", { url: webhook.url, signingKey: SIGNING_KEY }],
  ] as const) {
    await secrets.send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(value) }));
  }
  vi.stubEnv("CHANNELS_ALLOW_LOOPBACK_HTTP", "true");
  service = await deployService(emulators, LEDGER, {
    KEYROTOR_INCLUDE_ACCOUNTS: prod,
    KEYROTOR_CHANNELS: JSON.stringify([
      {
        name: "sec-slack",
        type: "slack",
        secret: "keyrotor-tokens/channels/slack",
        reportUrl: "https://reports.example.com/keyrotor",
      },
      { name: "sec-teams", type: "teams", secret: "keyrotor-tokens/channels/teams" },
      {
        name: "siem",
        type: "webhook",
        secret: "keyrotor-tokens/channels/siem",
        routes: [{ users: ["ci-*"] }],
      },
    ]),
  });
}, 120_000);

afterAll(async () => {
  await Promise.all([slack?.close(), teams?.close(), webhook?.close()]);
  await stopService(service ?? { moto });
});

describe("channels, end to end against moto and local Slack, Teams and webhook servers", () => {
  it("day 95: a blocked rotation is mailed, and posted once to Slack, Teams and the signed webhook", async () => {
    // Act
    const before = (await sentEmails(moto.endpoint)).length;
    const first = await runAndNotify(at(95));
    const emails = (await sentEmails(moto.endpoint)).slice(before);

    // Assess
    expect(first.failed).toEqual([]);
    expect(emails.length).toBeGreaterThanOrEqual(1);
    expect(slack.requests.map((r) => r.status)).toEqual([200]);
    expect(teams.requests.map((r) => r.status)).toEqual([202]);
    expect(webhook.requests.map((r) => [r.status, r.verdict])).toEqual([[204, "ok"]]);
    expect(JSON.stringify(slack.requests[0]?.body)).toContain("ci-deploy");
    expect(JSON.stringify(slack.requests[0]?.body)).toContain("https://reports.example.com/keyrotor");
    expect(webhook.requests[0]?.body).toMatchObject({
      type: "keyrotor.notice",
      account: { id: org.accounts.Prod?.id },
      items: [{ userName: "ci-deploy", kind: "blocked" }],
    });
  });

  it("Teams down at the next notice: its email is sent, Teams is told on the retry, Slack and the webhook only once", async () => {
    // Prepare: a reminder is due a week later; Teams answers 503 once
    teams.failNext(503);
    const before = (await sentEmails(moto.endpoint)).length;

    // Act
    const failing = await runAndNotify(at(102));
    const emails = (await sentEmails(moto.endpoint)).slice(before);
    const retried = await service.handlers.notifier(
      { Records: failing.notices },
      lambdaContext("keyrotor-notifier"),
    );

    // Assess
    expect(failing.failed).toHaveLength(1);
    expect(emails.length).toBeGreaterThanOrEqual(1);
    expect(retried.batchItemFailures).toEqual([]);
    expect((await sentEmails(moto.endpoint)).length).toBe(before + emails.length);
    expect(teams.requests.map((r) => r.status)).toEqual([202, 503, 202]);
    expect(slack.requests).toHaveLength(2);
    expect(webhook.requests.map((r) => r.verdict)).toEqual(["ok", "ok"]);
  });

  it("no line the handlers logged holds a channel's URL or signing key", () => {
    // Assess
    const logged = service.output.join("\n");
    for (const secret of [slack.url, teams.url, webhook.url, SIGNING_KEY])
      expect(logged).not.toContain(secret);
  });
});
