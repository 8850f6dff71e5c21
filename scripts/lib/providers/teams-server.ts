import { fieldsOf, type HttpServer, type ServerRequest, startHttpServer } from "./http-server";

/**
 * A local Microsoft Teams workflow webhook ("Post to a channel when a webhook request is received"),
 * as Microsoft publishes it: a POST of a `message` whose `attachments` each carry
 * `contentType: application/vnd.microsoft.card.adaptive` and an `AdaptiveCard` (`version`, `body`)
 * as `content`; answered `202 Accepted` with no body. Anything else is refused `400`.
 */

export interface TeamsPost {
  readonly path: string;
  readonly status: number;
  readonly body: unknown;
}

function isCardMessage(body: unknown): boolean {
  const message = fieldsOf(body);
  if (message.type !== "message" || !Array.isArray(message.attachments) || message.attachments.length === 0) {
    return false;
  }
  return message.attachments.every((a) => {
    const attachment = fieldsOf(a);
    const card = fieldsOf(attachment.content);
    return (
      attachment.contentType === "application/vnd.microsoft.card.adaptive" &&
      card.type === "AdaptiveCard" &&
      typeof card.version === "string" &&
      Array.isArray(card.body) &&
      card.body.every((e) => typeof fieldsOf(e).type === "string")
    );
  });
}

/** Starts the server; its webhook URL is `origin + path`. */
export async function startTeamsServer(
  path = "/workflows/local0000/triggers/manual/paths/invoke",
): Promise<HttpServer<TeamsPost> & { readonly url: string }> {
  const error = (code: string, message: string) => ({ error: { code, message } });
  const server = await startHttpServer<TeamsPost>({
    answer: (request: ServerRequest) => {
      if (request.method !== "POST" || request.url !== path) {
        return { status: 404, body: error("TriggerNotFound", "no such workflow") };
      }
      return isCardMessage(request.body)
        ? { status: 202 }
        : { status: 400, body: error("InvalidRequestContent", "not an Adaptive Card message") };
    },
    record: (request, status) => ({ path: request.url, status, body: request.body }),
    failureBody: (status) => error(status === 429 ? "TooManyRequests" : "InternalServerError", "injected"),
    crashed: { status: 500, body: error("InternalServerError", "crashed") },
    contentType: "application/json",
  });
  return Object.assign(server, { url: `${server.origin}${path}` });
}
