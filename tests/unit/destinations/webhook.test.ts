import { afterEach, describe, expect, it } from "vitest";
import { startWebhookServer } from "../../../scripts/lib/providers/webhook-server";
import { type WebhookDestination, webhookKind } from "../../../shared/destinations/kinds/webhook";
import type { HttpDeps } from "../../../shared/destinations/types";
import { createWebhookWriter } from "../../../shared/destinations/webhook";
import { Redacted } from "../../../shared/redacted";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from "../../../shared/webhook-signature";
import {
  expectFailure,
  expectNothingShown,
  failureOf,
  fakeHttpDeps,
  KEY,
  nextKey,
  SECRET,
} from "../../support/destinations";

const SIGNING_KEY = "whsec-local-0123456789abcdef0123456789";
const NOW = 1_800_000_000;

let receiver: Awaited<ReturnType<typeof startWebhookServer>>;
let clock = NOW;
afterEach(() => receiver?.close());

async function start() {
  clock = NOW;
  receiver = await startWebhookServer(SIGNING_KEY, () => clock);
  return receiver;
}

function destination(fields: Record<string, unknown> = {}): WebhookDestination {
  return webhookKind.schema.parse({
    type: "webhook",
    url: receiver.url,
    tokenSecret: "keyrotor-tokens/webhook",
    ...fields,
  });
}

function writerFor(
  fields: Record<string, unknown> = {},
  options: { key?: string; deps?: HttpDeps; nowMs?: () => number } = {},
) {
  return createWebhookWriter(
    destination(fields),
    new Redacted(options.key ?? SIGNING_KEY),
    options.deps ?? fakeHttpDeps(),
    options.nowMs ?? (() => clock * 1000 + 250),
  );
}

/** Records each request's headers and body as sent, so a test can replay one. */
function capturing(): { deps: HttpDeps; sent: { headers: Record<string, string>; body: string }[] } {
  const sent: { headers: Record<string, string>; body: string }[] = [];
  const base = fakeHttpDeps();
  return {
    sent,
    deps: {
      ...base,
      fetch: (url, init) => {
        sent.push({ headers: { ...(init?.headers as Record<string, string>) }, body: String(init?.body) });
        return globalThis.fetch(url, init);
      },
    },
  };
}

describe("webhook destination", () => {
  it("POSTs the key as signed JSON naming account and user; the receiver verifies the signature", async () => {
    // Prepare
    await start();
    const { deps, sent } = capturing();

    // Act
    await writerFor({}, { deps }).deliver(KEY);

    // Assess
    expect(receiver.requests).toHaveLength(1);
    const [post] = receiver.requests;
    expect(post?.verdict).toBe("ok");
    expect(post?.status).toBe(204);
    expect(post?.body).toEqual({
      type: "keyrotor.key",
      version: 1,
      eventId: expect.stringMatching(/^key-[0-9a-f]{32}$/),
      accountId: KEY.accountId,
      userName: KEY.userName,
      accessKeyId: KEY.accessKeyId,
      secretAccessKey: SECRET,
    });
    expect(post?.delivery).toBe((post?.body as { eventId?: string } | undefined)?.eventId);
    expect(sent[0]?.headers[TIMESTAMP_HEADER]).toBe(String(NOW));
    expect(sent[0]?.headers[SIGNATURE_HEADER]).toMatch(/^v1=[0-9a-f]{64}$/);
  });

  it("puts the key's halves under the configured names", async () => {
    // Prepare
    await start();

    // Act
    await writerFor({ names: { accessKeyId: "AWS_ACCESS_KEY_ID", secretAccessKey: "AWS_SECRET" } }).deliver(
      KEY,
    );

    // Assess
    expect(receiver.requests[0]?.verdict).toBe("ok");
    expect(receiver.requests[0]?.body).toMatchObject({
      AWS_ACCESS_KEY_ID: KEY.accessKeyId,
      AWS_SECRET: SECRET,
    });
    expect(receiver.requests[0]?.body).not.toHaveProperty("secretAccessKey");
  });

  it("is refused by the receiver when replayed after the window, or signed at an old time", async () => {
    // Prepare
    await start();
    const { deps, sent } = capturing();
    await writerFor({}, { deps }).deliver(KEY);
    clock = NOW + 301;
    const captured = sent[0] as { headers: Record<string, string>; body: string };

    // Act
    const replay = await fetch(receiver.url, {
      method: "POST",
      headers: captured.headers,
      body: captured.body,
    });
    const old = await failureOf(writerFor({}, { nowMs: () => (NOW - 600) * 1000 }).deliver(KEY));

    // Assess
    expect(replay.status).toBe(401);
    expect(receiver.requests.map((r) => r.verdict)).toEqual(["ok", "stale", "stale"]);
    expectFailure(old, "unauthorized", [SIGNING_KEY]);
    expect(old.message).toBe(
      `webhook ${receiver.url} could not be written: HTTP 401 (the token was refused)`,
    );
    expect(old.fix).toMatch(/keyrotor-tokens\/webhook/);
  });

  it("fails as unauthorized when the receiver verifies with another secret, showing neither secret", async () => {
    // Prepare
    await start();
    const other = "another-signing-secret-0123456789abcdef";

    // Act
    const error = await failureOf(writerFor({}, { key: other }).deliver(KEY));

    // Assess
    expect(receiver.requests.map((r) => r.verdict)).toEqual(["mismatch"]);
    expectFailure(error, "unauthorized", [SIGNING_KEY, other]);
  });

  it("tells a non-2xx answer in keyrotor's words, never the receiver's, even when it repeats the key", async () => {
    // Prepare
    await start();
    receiver.failNext(422, {}, { error: `bad ${SECRET} ${SIGNING_KEY}` });
    receiver.failNext(404);
    receiver.failNext(503);
    const writer = writerFor();

    // Act
    const rejected = await failureOf(writer.deliver(KEY));
    const missing = await failureOf(writer.deliver(KEY));
    const down = await failureOf(writer.deliver(KEY));

    // Assess
    expectFailure(rejected, "rejected", [SIGNING_KEY]);
    expect(rejected.message).toMatch(/HTTP 422 \(the request was refused as invalid\)$/);
    expectFailure(missing, "not-found", [SIGNING_KEY]);
    expectFailure(down, "unavailable", [SIGNING_KEY]);
  });

  it("follows no redirect: the key is not sent elsewhere", async () => {
    // Prepare
    await start();
    receiver.failNext(307, { location: "https://elsewhere.example.com/hook" });
    const { deps, sent } = capturing();

    // Act
    const error = await failureOf(writerFor({}, { deps }).deliver(KEY));

    // Assess
    expectFailure(error, "not-found", [SIGNING_KEY]);
    expect(sent).toHaveLength(1);
    expect(receiver.requests).toHaveLength(1);
  });

  it("sends a retry with the same event id, which the receiver takes once; the next key has its own", async () => {
    // Prepare
    await start();
    const writer = writerFor();

    // Act
    await writer.deliver(KEY);
    clock += 60;
    await writer.deliver(KEY);
    await writer.deliver(nextKey("AKIANEWKEY0000000002", "n3w/Secret+Value"));

    // Assess
    const [first, retry, next] = receiver.requests;
    expect(first?.delivery).toBe(retry?.delivery);
    expect(retry?.body).toEqual(first?.body);
    expect(retry?.verdict).toBe("replayed");
    expect(retry?.status).toBe(200);
    expect(next?.delivery).not.toBe(first?.delivery);
    expect(next?.verdict).toBe("ok");
  });

  it("refuses a signing secret shorter than 32 characters without sending anything", async () => {
    // Prepare
    await start();

    // Act
    const error = await failureOf(writerFor({}, { key: "short-secret" }).deliver(KEY));

    // Assess
    expectFailure(error, "unauthorized", ["short-secret"]);
    expect(error.message).toMatch(/keyrotor-tokens\/webhook is shorter than 32 characters/);
    expect(receiver.requests).toEqual([]);
    expectNothingShown(error, [SIGNING_KEY]);
  });
});
