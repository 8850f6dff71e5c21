import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSlackServer } from "../../../scripts/lib/providers/slack-server";
import { startWebhookServer } from "../../../scripts/lib/providers/webhook-server";
import { channelsSchema } from "../../../shared/channels/config";
import type { ChannelPorts } from "../../../shared/channels/deliver";
import { digestItemsFor, postDigest } from "../../../shared/channels/digest";
import { itemsFor } from "../../../shared/channels/routes";
import { DEFAULT_HTTP_DEPS } from "../../../shared/destinations/types";
import type { Notice } from "../../../shared/messages";
import { SAMPLE_NOTICES } from "../../../shared/notices/samples";
import { Redacted } from "../../../shared/redacted";
import type { Attention, OrgReport } from "../../../shared/report/types";

const SIGNING_KEY = "d".repeat(48);
const PROD = "111122223333";
const DEV = "444455556666";

const attention: Attention[] = [
  { accountId: PROD, userName: "ci-deploy", kind: "blocked", reason: "two keys, neither keyrotor's" },
  { accountId: PROD, userName: "ci-build", kind: "held", reason: "old key still used" },
  { accountId: PROD, userName: "alice", kind: "undelivered", reason: "github:acme/app refused" },
  { accountId: DEV, userName: "ci-dev", kind: "failing", reason: "AccessDenied" },
  // An exempt user with a young key needs nobody: never posted.
  { accountId: PROD, userName: "ci-exempt", kind: "exempt", reason: "exempt", oldestKeyDays: 10 },
];
const report = {
  generatedAt: "2027-04-05T07:00:00.000Z",
  accounts: [
    { accountId: PROD, name: "Prod" },
    { accountId: DEV, name: "Dev" },
  ],
  attention,
} as unknown as OrgReport;

const channels = channelsSchema.parse([
  {
    name: "weekly-slack",
    type: "slack",
    secret: "keyrotor-tokens/channels/slack",
    reportUrl: "https://reports.example.com/k",
    routes: [{ accounts: [PROD], users: ["ci-*"], kind: "weekly-digest" }],
  },
  {
    name: "weekly-siem",
    type: "webhook",
    secret: "keyrotor-tokens/channels/webhook",
    routes: [{ kind: "weekly-digest" }],
  },
  { name: "now-slack", type: "slack", secret: "keyrotor-tokens/channels/slack" },
]);
const [weeklySlack, weeklySiem, nowSlack] = channels as [
  (typeof channels)[number],
  (typeof channels)[number],
  (typeof channels)[number],
];

let slack: Awaited<ReturnType<typeof startSlackServer>>;
let webhook: Awaited<ReturnType<typeof startWebhookServer>>;
let secrets: Map<string, string>;

const ports = (): ChannelPorts => ({
  secrets: {
    readSecretValue: async (name) => {
      const value = secrets.get(name);
      if (value === undefined) throw new Error(`ResourceNotFoundException: ${name}`);
      return new Redacted(value);
    },
  },
  http: { ...DEFAULT_HTTP_DEPS, maxWaitMs: 0 },
  allowLoopbackHttp: true,
  nowSeconds: () => Math.floor(Date.now() / 1000),
});

beforeAll(async () => {
  [slack, webhook] = await Promise.all([startSlackServer(), startWebhookServer(SIGNING_KEY)]);
});
afterAll(() => Promise.all([slack.close(), webhook.close()]));
beforeEach(() => {
  secrets = new Map([
    ["keyrotor-tokens/channels/slack", JSON.stringify({ url: slack.url })],
    ["keyrotor-tokens/channels/webhook", JSON.stringify({ url: webhook.url, signingKey: SIGNING_KEY })],
  ]);
  slack.requests.length = 0;
  webhook.requests.length = 0;
});

describe("weekly-digest routes", () => {
  it("the config accepts kind: weekly-digest, and still refuses any other kind", () => {
    expect(weeklySlack.routes[0]?.kind).toBe("weekly-digest");
    expect(() => channelsSchema.parse([{ ...weeklySlack, routes: [{ kind: "hourly" }] }])).toThrow();
  });

  it("a digest route takes the report's people by account and user, the exempt with young keys aside", () => {
    expect(digestItemsFor(weeklySlack, report).map((a) => a.userName)).toEqual(["ci-deploy", "ci-build"]);
    expect(digestItemsFor(weeklySiem, report).map((a) => a.userName)).toEqual([
      "ci-deploy",
      "ci-build",
      "alice",
      "ci-dev",
    ]);
    expect(digestItemsFor(nowSlack, report)).toEqual([]);
  });

  it("per notice, a digest route keeps incidents and failures, and leaves blocks, holds and undelivered keys to the digest", () => {
    const account = { id: PROD, name: "Prod", email: "owner@example.com" };
    const kinds = (notice: Notice) => itemsFor(weeklySiem, { ...notice, account }).map((i) => i.event.kind);
    expect(kinds(SAMPLE_NOTICES.incident as Notice)).toContain("incident");
    for (const notice of Object.values(SAMPLE_NOTICES)) {
      for (const kind of kinds(notice as Notice)) expect(["incident", "failed"]).toContain(kind);
    }
    const everything = Object.values(SAMPLE_NOTICES).flatMap((n) =>
      itemsFor(nowSlack, { ...(n as Notice), account }).map((i) => i.event.kind),
    );
    expect(everything).toContain("blocked");
  });

  it("posts one short message per digest channel, the webhook's signed; the immediate channel gets none", async () => {
    // Act
    const done = await postDigest(ports(), channels, report);

    // Assess
    expect(done).toEqual({ posted: ["weekly-slack", "weekly-siem"], failed: [] });
    expect(slack.requests.map((r) => r.status)).toEqual([200]);
    const text = JSON.stringify(slack.requests[0]?.body);
    expect(text).toContain("Weekly digest");
    expect(text).toContain("ci-deploy");
    expect(text).not.toContain("alice");
    expect(text).toContain("https://reports.example.com/k");
    expect(webhook.requests.map((r) => [r.status, r.verdict])).toEqual([[204, "ok"]]);
    expect(webhook.requests[0]?.body).toMatchObject({
      type: "keyrotor.digest",
      generatedAt: report.generatedAt,
      items: [
        { accountId: PROD, userName: "ci-deploy", kind: "blocked" },
        { accountId: PROD, userName: "ci-build", kind: "held" },
        { accountId: PROD, userName: "alice", kind: "undelivered" },
        { accountId: DEV, userName: "ci-dev", kind: "failing" },
      ],
    });
  });

  it("a failing digest channel is reported by name, never its URL, and does not stop the others", async () => {
    // Prepare
    slack.failNext(503);

    // Act
    const done = await postDigest(ports(), channels, report);

    // Assess
    expect(done.posted).toEqual(["weekly-siem"]);
    expect(done.failed).toHaveLength(1);
    expect(done.failed[0]).toContain("channel weekly-slack (slack)");
    expect(done.failed[0]).not.toContain("127.0.0.1");
  });

  it("nothing needs a person: no digest channel is posted", async () => {
    const done = await postDigest(ports(), channels, { ...report, attention: [] } as OrgReport);
    expect(done).toEqual({ posted: [], failed: [] });
    expect(slack.requests.length + webhook.requests.length).toBe(0);
  });
});

describe("weekly-digest routes by OU", () => {
  it("take the accounts Organizations lists under the OU, nested OUs included, asked once per digest", async () => {
    // Prepare
    const byOu = channelsSchema.parse([
      {
        name: "ou-siem",
        type: "webhook",
        secret: "keyrotor-tokens/channels/webhook",
        routes: [{ ous: ["ou-ab12-cd34ef56"], kind: "weekly-digest" }],
      },
    ]);
    const asked: string[] = [];
    const accountsUnder = async (ou: string) => {
      asked.push(ou);
      return new Set([DEV]);
    };

    // Act
    const done = await postDigest({ ...ports(), accountsUnder }, byOu, report);

    // Assess
    expect(done).toEqual({ posted: ["ou-siem"], failed: [] });
    expect(asked).toEqual(["ou-ab12-cd34ef56"]);
    expect(webhook.requests[0]?.body).toMatchObject({ items: [{ accountId: DEV, userName: "ci-dev" }] });
    expect((webhook.requests[0]?.body as { items?: unknown[] } | undefined)?.items).toHaveLength(1);
  });
});
