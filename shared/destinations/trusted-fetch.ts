import { request } from "node:https";
import { Readable } from "node:stream";

/** Statuses whose answer has no body: `Response` refuses one for them. */
const NO_BODY = new Set([204, 205, 304]);

/** A request body as the bytes `send` gives: keyrotor's requests carry JSON text or nothing. */
function bodyOf(body: RequestInit["body"]): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string") return body;
  throw new TypeError("a request to a destination with its own certificate authority carries text only");
}

function headersOf(message: import("node:http").IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(message.headers)) {
    for (const one of [value ?? []].flat()) headers.append(name, one);
  }
  return headers;
}

/**
 * A `fetch` for a server whose certificate comes from an authority of its own (a Kubernetes cluster's
 * CA): it trusts `caCertificate` (PEM) and nothing else, not even the system's roots, and speaks
 * https only. It takes what keyrotor's requests use (method, headers, a text body, an abort signal)
 * and follows no redirect: a 3xx comes back as the answer, as `redirect: "manual"` gives it.
 */
export function fetchTrusting(caCertificate: string): typeof globalThis.fetch {
  return (input, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.protocol !== "https:") {
        reject(new TypeError(`a certificate authority goes with https only, not ${url.protocol}`));
        return;
      }
      const outgoing = request(
        url,
        {
          method: init.method ?? "GET",
          headers: Object.fromEntries(new Headers(init.headers).entries()),
          ca: caCertificate,
          ...(init.signal ? { signal: init.signal } : {}),
        },
        (answer) => {
          const status = answer.statusCode ?? 0;
          const body = NO_BODY.has(status) ? null : (Readable.toWeb(answer) as ReadableStream<Uint8Array>);
          if (body === null) answer.resume();
          resolve(
            new Response(body, {
              status,
              statusText: answer.statusMessage ?? "",
              headers: headersOf(answer),
            }),
          );
        },
      );
      outgoing.on("error", reject);
      try {
        outgoing.end(bodyOf(init.body));
      } catch (error) {
        outgoing.destroy();
        reject(error);
      }
    });
}
