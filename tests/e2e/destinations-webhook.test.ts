import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWebhookServer } from "../../scripts/lib/providers/webhook-server";
import { type OneDestination, startOneDestination } from "../support/one-destination";

/**
 * The webhook destination end to end: a rotation through the real handlers against moto POSTs the
 * new key, signed, to a local receiver that verifies the signature and the timestamp; day 100
 * retires the old key once the receiver has confirmed.
 */

const SIGNING_KEY = "whsec-e2e-webhook-0123456789abcdef0123";

let receiver: Awaited<ReturnType<typeof startWebhookServer>>;
let run: OneDestination;

beforeAll(async () => {
  receiver = await startWebhookServer(SIGNING_KEY);
  run = await startOneDestination({
    ledger: "keyrotor-webhook-ledger",
    token: { name: "keyrotor-tokens/webhook", value: SIGNING_KEY },
    destination: () => ({ type: "webhook", url: receiver.url, tokenSecret: "keyrotor-tokens/webhook" }),
  });
}, 120_000);

afterAll(async () => {
  await receiver?.close();
  await run?.stop();
});

describe("delivering a rotated key to a signed webhook", () => {
  let newKey: { AccessKeyId: string; SecretAccessKey: string };

  it("day 90: the receiver verified the signature and got the member account's new key, naming the user", async () => {
    // Act
    await run.runDay(90);

    // Assess
    newKey = await run.storedKey();
    expect(newKey.AccessKeyId).not.toBe(run.originalKey);
    const verified = receiver.requests.filter((r) => r.verdict === "ok");
    expect(verified).toHaveLength(1);
    expect(verified[0]?.body).toMatchObject({
      type: "keyrotor.key",
      version: 1,
      accountId: run.accountId,
      userName: "ci",
      accessKeyId: newKey.AccessKeyId,
      secretAccessKey: newKey.SecretAccessKey,
    });
    expect(receiver.requests.every((r) => r.verdict === "ok" || r.verdict === "replayed")).toBe(true);
    expect(await run.keys()).toEqual(
      expect.arrayContaining([`${run.originalKey}:Active`, `${newKey.AccessKeyId}:Active`]),
    );
  });

  it("day 100: the old key is retired, and the receiver gets no new key", async () => {
    // Act
    await run.runDay(100);

    // Assess
    expect(await run.keys()).toEqual(
      expect.arrayContaining([`${run.originalKey}:Inactive`, `${newKey.AccessKeyId}:Active`]),
    );
    const keys = new Set(receiver.requests.map((r) => (r.body as { accessKeyId?: string }).accessKeyId));
    expect([...keys]).toEqual([newKey.AccessKeyId]);
  });

  it("no log line holds the key's secret or the signing secret", () => {
    // Assess
    const leaks = run.service.output.filter(
      (l) => l.includes(SIGNING_KEY) || l.includes(newKey.SecretAccessKey),
    );
    expect(leaks).toEqual([]);
    expect(run.service.output.length).toBeGreaterThan(0);
  });
});
