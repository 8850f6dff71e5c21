import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from "../../../shared/webhook-signature";
import { type HttpServer, type ServerRequest, startHttpServer } from "./http-server";

/**
 * A receiver of keyrotor's signed webhooks (a webhook channel's notices, a webhook destination's
 * keys: one scheme), doing what docs/channels.md and docs/destinations.md ask of one: it checks the
 * timestamp is within the replay window and the signature over `timestamp.body` (the body exactly
 * as received) in constant time, answers `204` when both hold and `401` otherwise, and refuses a
 * delivery id it already took, answering it `200` (so keyrotor does not retry it) without acting
 * on it twice.
 */

export interface WebhookPost {
  readonly status: number;
  readonly verdict: ReturnType<typeof verifySignature> | "replayed";
  readonly delivery: string | undefined;
  readonly body: unknown;
}

const header = (request: ServerRequest, name: string) => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** Starts the server, verifying with `signingKey`; `now` is its clock in seconds. */
export async function startWebhookServer(
  signingKey: string,
  now: () => number = () => Math.floor(Date.now() / 1000),
): Promise<HttpServer<WebhookPost> & { readonly url: string }> {
  const seen = new Set<string>();
  const verdicts = new WeakMap<ServerRequest, WebhookPost["verdict"]>();
  const server = await startHttpServer<WebhookPost>({
    answer: (request) => {
      const verdict = verifySignature(
        signingKey,
        { timestamp: header(request, TIMESTAMP_HEADER), signature: header(request, SIGNATURE_HEADER) },
        request.text,
        now(),
      );
      const delivery = header(request, "x-keyrotor-delivery");
      const replayed = verdict === "ok" && delivery !== undefined && seen.has(delivery);
      verdicts.set(request, replayed ? "replayed" : verdict);
      if (verdict !== "ok") return { status: 401, body: { error: verdict } };
      if (replayed) return { status: 200, body: { duplicate: true } };
      if (delivery) seen.add(delivery);
      return { status: 204 };
    },
    record: (request, status) => ({
      status,
      verdict: verdicts.get(request) ?? "missing",
      delivery: header(request, "x-keyrotor-delivery"),
      body: request.body,
    }),
    failureBody: () => ({ error: "injected" }),
    crashed: { status: 500, body: { error: "crashed" } },
    contentType: "application/json",
  });
  return Object.assign(server, { url: `${server.origin}/hooks/keyrotor` });
}
