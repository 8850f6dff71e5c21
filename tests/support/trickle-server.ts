import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/**
 * How the server answers: `body` sends status and headers at once, then one byte of body a second,
 * forever; `headers` sends the status line, then one header line a second, forever. Either way no
 * idle timeout ever fires, and no answer ever completes.
 */
export type TrickleMode = "body" | "headers";

export interface TrickleServer {
  readonly endpoint: string;
  /** Requests received so far: one per attempt. */
  readonly requests: () => number;
  /** Answers still being sent: a client that gave up on one has closed its connection. */
  readonly answering: () => number;
  stop(): Promise<void>;
}

/** A local HTTP server on 127.0.0.1 that answers every request as slowly as `mode` says. */
export async function startTrickleServer(mode: TrickleMode): Promise<TrickleServer> {
  let requests = 0;
  let answering = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    requests++;
    answering++;
    req.resume();
    const socket = req.socket;
    let tick: () => void;
    if (mode === "body") {
      // Valid for every protocol's first byte: XML's `<`, and JSON's whitespace after it.
      res.writeHead(200, { "content-type": "application/json", "content-length": "1000000" });
      res.write("<");
      tick = () => res.write(" ");
    } else {
      socket.write("HTTP/1.1 200 OK\r\n");
      tick = () => socket.write("x-trickle: 1\r\n");
    }
    const timer = setInterval(tick, 1_000);
    socket.on("close", () => {
      clearInterval(timer);
      answering--;
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests: () => requests,
    answering: () => answering,
    stop: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
