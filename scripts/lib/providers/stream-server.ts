import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local server whose every answer is a body written a chunk at a time, as fast as the client takes
 * it or one chunk per `intervalMs`: an endless or oversized answer, or one that trickles. It records
 * how much it wrote and whether the client hung up before it finished, so a test can tell that the
 * client stopped reading rather than buffering the whole answer. Listens on 127.0.0.1 only.
 */

export interface StreamServerOptions {
  readonly status?: number;
  /** Bytes per chunk; 64 KiB by default. */
  readonly chunkBytes?: number;
  /** How much to write in all before ending the answer. */
  readonly totalBytes: number;
  /** Waits between chunks; none (only the socket's backpressure) by default. */
  readonly intervalMs?: number;
  /** The `Content-Length` to declare; none (chunked) by default. */
  readonly contentLength?: number;
}

/** What one answer did. */
export interface StreamedAnswer {
  written: number;
  /** The client closed the connection before the whole body was written. */
  hungUp: boolean;
  finished: boolean;
}

export interface StreamServer {
  readonly url: string;
  /** One entry per request, in order. */
  readonly answers: readonly StreamedAnswer[];
  /** Resolves once the `n`th answer (from 1) has ended, by hang-up or by finishing. */
  ended(n: number): Promise<StreamedAnswer>;
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1 (a free port). */
export async function startStreamServer(options: StreamServerOptions): Promise<StreamServer> {
  const chunk = Buffer.alloc(options.chunkBytes ?? 64 * 1024, "x");
  const answers: StreamedAnswer[] = [];
  const endings: Promise<StreamedAnswer>[] = [];

  function stream(res: ServerResponse, answer: StreamedAnswer, done: () => void): void {
    let timer: NodeJS.Timeout | undefined;
    res.on("close", () => {
      clearTimeout(timer);
      answer.hungUp = !answer.finished;
      done();
    });
    const next = () => {
      if (res.destroyed) return;
      if (answer.written >= options.totalBytes) {
        answer.finished = true;
        res.end();
        return;
      }
      const part = chunk.subarray(0, Math.min(chunk.length, options.totalBytes - answer.written));
      answer.written += part.length;
      const flowing = res.write(part);
      if (options.intervalMs !== undefined) timer = setTimeout(next, options.intervalMs);
      else if (flowing) setImmediate(next);
      else res.once("drain", next);
    };
    next();
  }

  const server = createServer((req, res) => {
    const answer: StreamedAnswer = { written: 0, hungUp: false, finished: false };
    answers.push(answer);
    req.resume();
    const length = options.contentLength === undefined ? {} : { "content-length": options.contentLength };
    res.writeHead(options.status ?? 200, { "content-type": "application/json", ...length });
    endings.push(new Promise((resolve) => stream(res, answer, () => resolve(answer))));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    answers,
    ended: async (n) => {
      while (endings.length < n) await new Promise((resolve) => setTimeout(resolve, 10));
      return endings[n - 1] as Promise<StreamedAnswer>;
    },
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      });
      return closing;
    },
  };
}
