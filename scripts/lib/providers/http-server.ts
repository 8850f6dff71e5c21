import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type RequestListener,
} from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Certificate } from "./certificate";

/**
 * What the local provider servers share: listening on 127.0.0.1 (a free port), reading a request's
 * JSON body, answering JSON, injected failures, the request log and closing. Each server brings its
 * own routes, authentication and error bodies, as its provider documents them.
 */

/** One request as read: method, path and query as received, headers, and the body as text and as JSON. */
export interface ServerRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** The body parsed as JSON: `null` when empty, the text itself when it is not JSON. */
  readonly body: unknown;
}

/** An answer. A string body is sent as plain text; anything else as JSON (nothing when undefined). */
export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** An answer made from the request it answers: a provider or proxy that repeats what it was sent. */
export type ReplyTo = (request: ServerRequest) => Reply;

/** How a test makes a server answer with an error, before it checks anything (authentication included). */
export interface FailureInjection<Q> {
  /**
   * The next request (whatever it is) gets this answer; calls queue up. Body: JSON, or text if a
   * string; the provider's error body for the status by default.
   */
  failNext(status: number, headers?: Record<string, string>, body?: unknown): void;
  /** The next request that `matches` gets this answer (once). */
  failWhen(
    matches: (request: Q) => boolean,
    status: number,
    headers?: Record<string, string>,
    body?: unknown,
  ): void;
  /** The next request (whatever it is) gets the answer `reply` makes of it; calls queue up with the failures. */
  answerNext(reply: ReplyTo): void;
  /** The next request that `matches` gets the answer `reply` makes of it (once). */
  answerWhen(matches: (request: ServerRequest) => boolean, reply: ReplyTo): void;
}

export interface HttpServer<R> extends FailureInjection<ServerRequest> {
  /** `http://127.0.0.1:PORT`, the port the system chose. */
  readonly origin: string;
  /** Every request received, in order (those answered with an error included), as the server records them. */
  readonly requests: R[];
  /** Stops listening; closing again is harmless. */
  close(): Promise<void>;
}

export interface HttpServerOptions<R> {
  /** The answer to a request no injected failure took. */
  answer(request: ServerRequest): Reply | Promise<Reply>;
  /** What the request log keeps of a request, given the status it was answered with. */
  record(request: ServerRequest, status: number): R;
  /** The body of an injected failure given none: the provider's own for that status. */
  failureBody(status: number, headers: Record<string, string>): unknown;
  /** The answer when `answer` throws (e.g. on a malformed %-escape in the path). */
  crashed: Reply;
  /** The `content-type` of JSON answers. */
  contentType: string;
  /** Serve https with this certificate, instead of plain http. */
  tls?: Certificate;
  /** Headers every answer carries (a provider's rate-limit counters), read once the answer is decided. */
  headers?: (request: ServerRequest) => Record<string, string>;
}

/** A body's JSON, as `ServerRequest.body` holds it. */
function parse(text: string): unknown {
  if (text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A JSON body as an object of fields; `{}` for anything else, which the providers treat as no fields. */
export function fieldsOf(body: unknown): Record<string, unknown> {
  return typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
}

async function read(req: IncomingMessage): Promise<ServerRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return { method: req.method ?? "", url: req.url ?? "", headers: req.headers, text, body: parse(text) };
}

/** Starts a server on 127.0.0.1 with a random port, answering as `options` says. */
export async function startHttpServer<R>(options: HttpServerOptions<R>): Promise<HttpServer<R>> {
  type Failure = { readonly reply: ReplyTo; readonly matches?: (request: ServerRequest) => boolean };
  const failures: Failure[] = [];
  const requests: R[] = [];

  async function replyTo(request: ServerRequest): Promise<Reply> {
    const due = failures.findIndex((f) => f.matches === undefined || f.matches(request));
    const [failure] = due === -1 ? [] : failures.splice(due, 1);
    if (failure) return failure.reply(request);
    try {
      return await options.answer(request);
    } catch {
      return options.crashed;
    }
  }

  const listener: RequestListener = (req, res) => {
    void (async () => {
      const request = await read(req);
      const { status, body, headers } = await replyTo(request);
      requests.push(options.record(request, status));
      const text = typeof body === "string" ? body : body === undefined ? "" : JSON.stringify(body);
      const type = typeof body === "string" ? "text/plain" : options.contentType;
      res.writeHead(status, { "content-type": type, ...options.headers?.(request), ...headers }).end(text);
    })().catch(() => res.destroy());
  };
  const server = options.tls ? createTlsServer(options.tls, listener) : createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  // Closed once, however often asked (a test may close it early to stand for an outage).
  let closing: Promise<void> | undefined;
  return {
    origin: `${options.tls ? "https" : "http"}://127.0.0.1:${port}`,
    requests,
    failNext: (status, headers = {}, body = options.failureBody(status, headers)) =>
      void failures.push({ reply: () => ({ status, headers, body }) }),
    failWhen: (matches, status, headers = {}, body = options.failureBody(status, headers)) =>
      void failures.push({ matches, reply: () => ({ status, headers, body }) }),
    answerNext: (reply) => void failures.push({ reply }),
    answerWhen: (matches, reply) => void failures.push({ matches, reply }),
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        // fetch keeps connections alive; without this close() would wait for them to time out.
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      });
      return closing;
    },
  };
}
