import { fieldsOf, type HttpServer, type ServerRequest, startHttpServer } from "./http-server";

/**
 * A local Slack incoming webhook, as Slack publishes it: a POST of JSON to the webhook's own path
 * (`/services/T…/B…/secret`), answered `200 ok` in plain text, or an error in plain text:
 * `400 invalid_payload` (not JSON), `400 no_text` (neither text nor blocks), `400 invalid_blocks`
 * (over 50 blocks, a section's text over 3000 characters, an unknown block type), `404 no_service`
 * (another path). A test makes it answer `429` with `Retry-After` through `failNext`.
 */

export interface SlackPost {
  readonly path: string;
  readonly status: number;
  readonly body: unknown;
}

const BLOCK_TYPES = new Set(["header", "section", "context", "actions", "divider"]);

function refusal(body: unknown): string | null {
  if (typeof body !== "object" || body === null) return "invalid_payload";
  const { text, blocks } = fieldsOf(body);
  if (blocks === undefined && (typeof text !== "string" || text === "")) return "no_text";
  if (text !== undefined && typeof text !== "string") return "invalid_payload";
  if (blocks === undefined) return null;
  if (!Array.isArray(blocks) || blocks.length === 0 || blocks.length > 50) return "invalid_blocks";
  for (const block of blocks) {
    const b = fieldsOf(block);
    if (typeof b.type !== "string" || !BLOCK_TYPES.has(b.type)) return "invalid_blocks";
    const t = fieldsOf(b.text);
    if (b.type === "section" && (typeof t.text !== "string" || t.text.length > 3000)) return "invalid_blocks";
    if (
      b.type === "header" &&
      (t.type !== "plain_text" || typeof t.text !== "string" || t.text.length > 150)
    ) {
      return "invalid_blocks";
    }
  }
  return null;
}

/** Starts the server; its webhook URL is `origin + path`. */
export async function startSlackServer(
  path = "/services/T0000TEST/B0000TEST/local-webhook-secret",
): Promise<HttpServer<SlackPost> & { readonly url: string }> {
  const server = await startHttpServer<SlackPost>({
    answer: (request: ServerRequest) => {
      if (request.method !== "POST" || request.url !== path) return { status: 404, body: "no_service" };
      const why = refusal(request.body);
      return why ? { status: 400, body: why } : { status: 200, body: "ok" };
    },
    record: (request, status) => ({ path: request.url, status, body: request.body }),
    failureBody: (status) => (status === 429 ? "rate_limited" : "internal_error"),
    crashed: { status: 500, body: "internal_error" },
    contentType: "text/html",
  });
  return Object.assign(server, { url: `${server.origin}${path}` });
}
