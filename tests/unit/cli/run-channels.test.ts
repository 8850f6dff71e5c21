import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { noticeDelivery, type SweepPorts } from "../../../cli/sweep";
import { startSlackServer } from "../../../scripts/lib/providers/slack-server";
import type { Email } from "../../../shared/aws/ses";
import { channelsSchema } from "../../../shared/channels/config";
import { DEFAULT_HTTP_DEPS } from "../../../shared/destinations/types";
import { MemoryLedger } from "../../../shared/ledger/memory-ledger";
import type { Notice } from "../../../shared/messages";
import { deliverFromOutbox } from "../../../shared/notices/deliver-outbox";
import { SAMPLE_NOTICES } from "../../../shared/notices/samples";
import { Redacted } from "../../../shared/redacted";

// `keyrotor run` delivers each notice it queued as the notifier does: emails, then the channels.

const ACCOUNT = "111122223333";
let slack: Awaited<ReturnType<typeof startSlackServer>>;

beforeAll(async () => {
  slack = await startSlackServer();
});
afterAll(() => slack.close());

const channels = channelsSchema.parse([
  { name: "sec-slack", type: "slack", secret: "keyrotor-tokens/channels/slack" },
]);

async function runDelivery(withChannels: boolean) {
  const ledger = new MemoryLedger();
  const sent: Email[] = [];
  const notice: Notice = {
    ...(SAMPLE_NOTICES.incident as Notice),
    account: { id: ACCOUNT, name: "Payments", email: "owner@example.com" },
    noticeId: "2027-03-31T06:00:00.000Z#cli-run#1-abc",
  };
  await ledger.putNotice(ACCOUNT, {
    id: notice.noticeId ?? "",
    notice: JSON.stringify(notice),
    announcements: "{}",
    createdAt: notice.asOf,
  });
  const ports = {
    organization: { describeAccount: async () => ({ name: "Payments", email: "owner@example.com" }) },
    ledger,
    mail: { sendEmail: async (email: Email) => `m-${sent.push(email)}` },
    ...(withChannels
      ? {
          channels: {
            secrets: { readSecretValue: async () => new Redacted(JSON.stringify({ url: slack.url })) },
            http: { ...DEFAULT_HTTP_DEPS, maxWaitMs: 0 },
            allowLoopbackHttp: true,
            nowSeconds: () => Math.floor(Date.now() / 1000),
          },
        }
      : {}),
  } as unknown as SweepPorts & { mail: { sendEmail(email: Email): Promise<string> } };
  const config = { senderEmail: "keyrotor@example.com", adminEmail: null, channels };
  return { done: await deliverFromOutbox(noticeDelivery(ports), config, notice, new Date()), sent };
}

describe("keyrotor run's notices", () => {
  it("are posted to the configured channels as the notifier posts them, after the email", async () => {
    // Act
    const { done, sent } = await runDelivery(true);

    // Assess
    expect(sent).toHaveLength(1);
    expect(done.channels).toEqual(["sec-slack"]);
    expect(slack.requests.map((r) => r.status)).toEqual([200]);
  });

  it("without channel ports (no channels configured), are mailed only", async () => {
    // Prepare
    slack.requests.length = 0;

    // Act
    const { done, sent } = await runDelivery(false);

    // Assess
    expect(sent).toHaveLength(1);
    expect(done.channels).toEqual([]);
    expect(slack.requests).toHaveLength(0);
  });
});
