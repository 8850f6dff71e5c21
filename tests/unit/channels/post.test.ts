import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSlackServer } from "../../../scripts/lib/providers/slack-server";
import { startTeamsServer } from "../../../scripts/lib/providers/teams-server";
import { startWebhookServer } from "../../../scripts/lib/providers/webhook-server";
import type { Email } from "../../../shared/aws/ses";
import { type Channel, channelsSchema } from "../../../shared/channels/config";
import type { ChannelPorts } from "../../../shared/channels/deliver";
import { DEFAULT_HTTP_DEPS } from "../../../shared/destinations/types";
import { MemoryLedger } from "../../../shared/ledger/memory-ledger";
import type { Notice } from "../../../shared/messages";
import { type NoticeDirectory, noticeDirectory } from "../../../shared/notices/deliver";
import { deliverFromOutbox } from "../../../shared/notices/deliver-outbox";
import { SAMPLE_NOTICES } from "../../../shared/notices/samples";
import { Redacted } from "../../../shared/redacted";

const ACCOUNT = "111122223333";
const SIGNING_KEY = "s".repeat(48);
const CONFIG_BASE = { senderEmail: "keyrotor@example.com", adminEmail: null };
const directory: NoticeDirectory = {
  account: async () => ({ name: "Payments", email: "owner@example.com" }),
  owners: async () => new Map(),
};

let slack: Awaited<ReturnType<typeof startSlackServer>>;
let teams: Awaited<ReturnType<typeof startTeamsServer>>;
let webhook: Awaited<ReturnType<typeof startWebhookServer>>;
let secrets: Map<string, string>;
let ledger: MemoryLedger;
let sent: Email[];

const channels: Channel[] = channelsSchema.parse([
  {
    name: "sec-slack",
    type: "slack",
    secret: "keyrotor-tokens/channels/slack",
    reportUrl: "https://reports.example.com/k",
  },
  { name: "sec-teams", type: "teams", secret: "keyrotor-tokens/channels/teams" },
  { name: "siem", type: "webhook", secret: "keyrotor-tokens/channels/webhook" },
]);

const ports = (allowLoopbackHttp = true) => {
  const channelPorts: ChannelPorts = {
    secrets: {
      readSecretValue: async (name) => {
        const value = secrets.get(name);
        if (value === undefined) throw new Error(`ResourceNotFoundException: ${name}`);
        return new Redacted(value);
      },
    },
    http: { ...DEFAULT_HTTP_DEPS, maxWaitMs: 0 },
    allowLoopbackHttp,
    nowSeconds: () => Math.floor(Date.now() / 1000),
  };
  const mail = {
    sendEmail: async (email: Email) => {
      sent.push(email);
      return `m-${sent.length}`;
    },
  };
  return { ledger, mail, directory, channels: channelPorts };
};

async function outboxed(notice: Notice, id = "2027-03-31T06:00:00.000Z#run#1-abc") {
  await ledger.putNotice(ACCOUNT, {
    id,
    notice: JSON.stringify(notice),
    announcements: "{}",
    createdAt: notice.asOf,
  });
  return { ...notice, noticeId: id };
}

const incident = (): Notice => ({
  ...(SAMPLE_NOTICES.incident as Notice),
  account: { id: ACCOUNT, name: "Payments", email: "owner@example.com" },
});

beforeAll(async () => {
  [slack, teams, webhook] = await Promise.all([
    startSlackServer(),
    startTeamsServer(),
    startWebhookServer(SIGNING_KEY),
  ]);
});
afterAll(() => Promise.all([slack.close(), teams.close(), webhook.close()]));
beforeEach(() => {
  secrets = new Map([
    ["keyrotor-tokens/channels/slack", JSON.stringify({ url: slack.url })],
    ["keyrotor-tokens/channels/teams", JSON.stringify({ url: teams.url })],
    ["keyrotor-tokens/channels/webhook", JSON.stringify({ url: webhook.url, signingKey: SIGNING_KEY })],
  ]);
  ledger = new MemoryLedger();
  sent = [];
  slack.requests.length = 0;
  teams.requests.length = 0;
  webhook.requests.length = 0;
});

describe("channels through the outbox, against local Slack, Teams and webhook servers", () => {
  it("an incident is mailed and posted to each channel, the webhook's signature verified", async () => {
    // Prepare
    const received = await outboxed(incident());

    // Act
    const done = await deliverFromOutbox(ports(), { ...CONFIG_BASE, channels }, received, new Date());

    // Assess
    expect(sent).toHaveLength(1);
    expect(done.channels).toEqual(["sec-slack", "sec-teams", "siem"]);
    expect(slack.requests.map((r) => r.status)).toEqual([200]);
    expect(teams.requests.map((r) => r.status)).toEqual([202]);
    expect(webhook.requests.map((r) => [r.status, r.verdict])).toEqual([[204, "ok"]]);
    expect(JSON.stringify(slack.requests[0]?.body)).toContain("deploy-bot");
    expect(JSON.stringify(slack.requests[0]?.body)).toContain("https://reports.example.com/k");
    expect(webhook.requests[0]?.body).toMatchObject({
      type: "keyrotor.notice",
      account: { id: ACCOUNT, name: "Payments" },
      items: [
        { userName: "deploy-bot", kind: "incident", keyId: "AKIAEXPOSEDDEPLOY001", incident: "handled" },
      ],
    });
    expect((await ledger.loadOutbox(ACCOUNT)).pending).toEqual([]);
  });

  it("a notice with nothing that needs a person is mailed and posted nowhere", async () => {
    // Prepare
    const received = await outboxed({ ...(SAMPLE_NOTICES.rotated as Notice), account: incident().account });

    // Act
    const done = await deliverFromOutbox(ports(), { ...CONFIG_BASE, channels }, received, new Date());

    // Assess
    expect(sent).toHaveLength(1);
    expect(done.channels).toEqual([]);
    expect(slack.requests.length + teams.requests.length + webhook.requests.length).toBe(0);
  });

  it("Slack rate limited: the email is sent once, the notice retried, and only Slack posted again", async () => {
    // Prepare
    const received = await outboxed(incident());
    slack.failNext(429, { "retry-after": "30" });

    // Act
    const first = deliverFromOutbox(ports(), { ...CONFIG_BASE, channels }, received, new Date());
    await expect(first).rejects.toThrow("channel sec-slack (slack) is rate limited for 30 s");
    const retry = await deliverFromOutbox(ports(), { ...CONFIG_BASE, channels }, received, new Date());

    // Assess
    expect(sent).toHaveLength(1);
    expect(retry.channels).toEqual(["sec-slack"]);
    expect(slack.requests.map((r) => r.status)).toEqual([429, 200]);
    expect(teams.requests).toHaveLength(1);
    expect(webhook.requests).toHaveLength(1);
    expect((await ledger.loadOutbox(ACCOUNT)).pending).toEqual([]);
  });

  it("a channel whose secret is missing, or holds plain http without the test switch, fails without saying the URL", async () => {
    // Prepare
    const received = await outboxed(incident());
    secrets.delete("keyrotor-tokens/channels/teams");

    // Act
    const error = await deliverFromOutbox(
      ports(false),
      { ...CONFIG_BASE, channels },
      received,
      new Date(),
    ).catch((e: Error) => e);

    // Assess
    expect(sent).toHaveLength(1);
    expect(String(error)).toContain(
      "channel sec-slack: the secret keyrotor-tokens/channels/slack holds a url that is not https://",
    );
    expect(String(error)).toContain("and 2 more channel(s)");
    expect(String(error)).not.toContain("127.0.0.1");
    expect(slack.requests.length + teams.requests.length + webhook.requests.length).toBe(0);
    expect((await ledger.loadOutbox(ACCOUNT)).pending).toHaveLength(1);
  });

  it("a webhook secret without a signing key is refused; a forged or replayed request fails the receiver's checks", async () => {
    // Prepare
    const received = await outboxed(incident());
    secrets.set("keyrotor-tokens/channels/webhook", JSON.stringify({ url: webhook.url }));
    const only = channels.filter((c) => c.type === "webhook");

    // Act
    const refused = await deliverFromOutbox(
      ports(),
      { ...CONFIG_BASE, channels: only },
      received,
      new Date(),
    ).catch((e: Error) => e);
    const forged = await fetch(webhook.url, {
      method: "POST",
      headers: { "x-keyrotor-timestamp": "1", "x-keyrotor-signature": `v1=${"0".repeat(64)}` },
      body: "{}",
    });

    // Assess
    expect(String(refused)).toMatch(/signingKey of at least 32 characters/);
    expect(forged.status).toBe(401);
    expect(webhook.requests.map((r) => r.verdict)).toEqual(["stale"]);
  });
});

describe("Slack's error answers", () => {
  const slackOnly = channels.filter((c) => c.type === "slack");

  it.each([
    [410, "channel_is_archived", "unarchive the channel, or make a new webhook"],
    [403, "invalid_token", "make a new incoming webhook"],
    [404, "no_service", "make a new incoming webhook"],
    [404, "channel_not_found", "make a new incoming webhook"],
    [403, "action_prohibited", "admin"],
    [403, "posting_to_general_channel_denied", "another channel"],
    [400, "invalid_payload", "keyrotor"],
  ])(
    "%i %s fails the channel once, naming what to fix but not the URL; the notice is not retried",
    async (status, code, fix) => {
      // Prepare
      const received = await outboxed(incident());
      slack.failNext(status, {}, code);

      // Act
      const first = await deliverFromOutbox(
        ports(),
        { ...CONFIG_BASE, channels: slackOnly },
        received,
        new Date(),
      );
      const again = await deliverFromOutbox(
        ports(),
        { ...CONFIG_BASE, channels: slackOnly },
        received,
        new Date(),
      );

      // Assess
      expect(first.channels).toEqual([]);
      expect(first.refused).toHaveLength(1);
      expect(first.refused[0]).toContain(`channel sec-slack (slack): Slack answered ${status} ${code}`);
      expect(first.refused[0]).toContain(fix);
      expect(first.refused[0]).not.toContain(slack.url);
      expect(first.refused[0]).not.toContain("127.0.0.1");
      expect(again.alreadySent).toBe(true);
      expect(slack.requests.map((r) => r.status)).toEqual([status]);
      expect(sent).toHaveLength(1);
      expect((await ledger.loadOutbox(ACCOUNT)).pending).toEqual([]);
    },
  );

  it("a refused channel does not stop the others, and is not posted again when another channel's failure retries the notice", async () => {
    // Prepare
    const received = await outboxed(incident());
    slack.failNext(410, {}, "channel_is_archived");
    teams.failNext(503);

    // Act
    const first = deliverFromOutbox(ports(), { ...CONFIG_BASE, channels }, received, new Date());
    await expect(first).rejects.toThrow("channel sec-teams (teams) refused the message: HTTP 503");
    const retry = await deliverFromOutbox(ports(), { ...CONFIG_BASE, channels }, received, new Date());

    // Assess
    expect(retry.channels).toEqual(["sec-teams"]);
    expect(slack.requests.map((r) => r.status)).toEqual([410]);
    expect(teams.requests.map((r) => r.status)).toEqual([503, 202]);
    expect(webhook.requests).toHaveLength(1);
  });

  it("a Slack 5xx, or a code that is not Slack's, is retried", async () => {
    // Prepare
    const received = await outboxed(incident());
    slack.failNext(500, {}, "rollup_error");
    slack.failNext(502, {}, `<html>${slack.url}</html>`);

    // Act
    const first = await deliverFromOutbox(
      ports(),
      { ...CONFIG_BASE, channels: slackOnly },
      received,
      new Date(),
    ).catch((e: Error) => e);
    const second = await deliverFromOutbox(
      ports(),
      { ...CONFIG_BASE, channels: slackOnly },
      received,
      new Date(),
    ).catch((e: Error) => e);
    const third = await deliverFromOutbox(
      ports(),
      { ...CONFIG_BASE, channels: slackOnly },
      received,
      new Date(),
    );

    // Assess
    expect(String(first)).toContain("HTTP 500");
    expect(String(second)).toContain("HTTP 502");
    expect(String(second)).not.toContain("127.0.0.1");
    expect(third.channels).toEqual(["sec-slack"]);
    expect(slack.requests.map((r) => r.status)).toEqual([500, 502, 200]);
  });
});

describe("OU routes", () => {
  const OU = "ou-ab12-cd34ef56";
  const CHILD = "ou-ab12-99887766";
  const byOu = channelsSchema.parse([
    { name: "ou-slack", type: "slack", secret: "keyrotor-tokens/channels/slack", routes: [{ ous: [OU] }] },
  ]);
  /** The directory as the notifier has it: the OUs from Organizations, each account asked once. */
  const withOus = (ous: string[]) => {
    let asked = 0;
    const base = ports();
    const organization = {
      describeAccount: async () => ({ name: "Payments", email: "owner@example.com" }),
      ancestorsOf: async () => {
        asked += 1;
        return ous;
      },
    };
    return {
      ports: { ...base, directory: noticeDirectory(organization, ledger) },
      asked: () => asked,
    };
  };

  it("refuses an id that is not an OU's", () => {
    expect(() => channelsSchema.parse([{ ...byOu[0], routes: [{ ous: ["r-ab12"] }] }])).toThrow(/OU id/);
    expect(() => channelsSchema.parse([{ ...byOu[0], routes: [{ ous: [] }] }])).toThrow();
  });

  it("posts for an account under the OU or one of its children, as Organizations says; each account's OUs read once", async () => {
    // Prepare
    const nested = withOus([CHILD, OU]);
    const first = await outboxed(incident(), "2027-03-31T06:00:00.000Z#run#1-aaa");
    const second = await outboxed(incident(), "2027-03-31T06:00:00.000Z#run#1-bbb");

    // Act
    const one = await deliverFromOutbox(nested.ports, { ...CONFIG_BASE, channels: byOu }, first, new Date());
    const two = await deliverFromOutbox(nested.ports, { ...CONFIG_BASE, channels: byOu }, second, new Date());

    // Assess
    expect(one.channels).toEqual(["ou-slack"]);
    expect(two.channels).toEqual(["ou-slack"]);
    expect(nested.asked()).toBe(1);
  });

  it("posts nothing for an account elsewhere, whatever the notice says of itself", async () => {
    // Prepare: a notice whose words name the OU; Organizations puts the account elsewhere
    const elsewhere = withOus(["ou-zz99-00000000"]);
    const forged = { ...incident(), account: { ...incident().account, name: OU } };
    const received = await outboxed(forged);

    // Act
    const done = await deliverFromOutbox(
      elsewhere.ports,
      { ...CONFIG_BASE, channels: byOu },
      received,
      new Date(),
    );

    // Assess
    expect(done.channels).toEqual([]);
    expect(slack.requests).toHaveLength(0);
  });

  it("Organizations unreadable: the notice fails, to be retried, its email sent once", async () => {
    // Prepare
    const received = await outboxed(incident());
    const organization = {
      describeAccount: async () => ({ name: "Payments", email: "owner@example.com" }),
      ancestorsOf: async (): Promise<string[]> => {
        throw new Error("AccessDeniedException");
      },
    };
    const broken = { ...ports(), directory: noticeDirectory(organization, ledger) };

    // Act
    const error = await deliverFromOutbox(
      broken,
      { ...CONFIG_BASE, channels: byOu },
      received,
      new Date(),
    ).catch((e: Error) => e);

    // Assess
    expect(String(error)).toContain("the OUs above account 111122223333 could not be read");
    expect(sent).toHaveLength(1);
    expect(slack.requests).toHaveLength(0);
    expect((await ledger.loadOutbox(ACCOUNT)).pending).toHaveLength(1);
  });
});
