import { createServer, type IncomingMessage, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** What the proxy sees of one AWS call: enough to pick the calls to fail. */
export interface CallInfo {
  /** `AssumeRole`, `PutSecretValue` ...: from the query-protocol `Action` or the JSON `X-Amz-Target`. */
  readonly operation: string;
  /**
   * 1 for the first call of this operation since the proxy started (or was reset), 2 for the next ...
   * The SDK's retries of a call share its occurrence (same `amz-sdk-invocation-id`).
   */
  readonly occurrence: number;
  /** 1 for the first attempt of the call, 2 for its first retry ... (`amz-sdk-request`). */
  readonly attempt: number;
  readonly body: string;
}

/**
 * `answer-lost`: the call reaches the service and is applied, then the connection drops before the
 * answer: the caller cannot tell whether it happened.
 */
export type FaultKind = "server-error" | "throttling" | "access-denied" | "timeout" | "answer-lost";
export const FAULT_KINDS: readonly FaultKind[] = ["server-error", "throttling", "access-denied", "timeout"];

export type FaultRule = (call: CallInfo) => FaultKind | null;

/** How each kind of fault is answered, by protocol. Codes are those AWS services send. */
const ANSWERS: Record<
  Exclude<FaultKind, "timeout" | "answer-lost">,
  { status: number; query: string; json: string }
> = {
  "server-error": { status: 500, query: "InternalFailure", json: "InternalServiceError" },
  throttling: { status: 400, query: "Throttling", json: "ThrottlingException" },
  "access-denied": { status: 403, query: "AccessDenied", json: "AccessDeniedException" },
};

function operationOf(req: IncomingMessage, body: string): string {
  const target = req.headers["x-amz-target"];
  if (typeof target === "string") return target.split(".").pop() ?? target;
  return new URLSearchParams(body).get("Action") ?? "";
}

/**
 * Fails the `occurrence`-th call of `operation` with `kind`: every attempt of it when `persistent` (the
 * call fails whatever the SDK retries), else its first attempt only (a retry gets through).
 */
export function failCall(
  operation: string,
  occurrence: number,
  kind: FaultKind,
  persistent = true,
): FaultRule {
  return (call) =>
    call.operation === operation && call.occurrence === occurrence && (persistent || call.attempt === 1)
      ? kind
      : null;
}

/** A deterministic pseudo-random number generator (mulberry32), so a random fault run can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FaultProxy {
  readonly endpoint: string;
  /** Checked in order for every call; the first fault returned is answered instead of forwarding. */
  readonly rules: FaultRule[];
  /** Every call seen, in order. */
  readonly calls: CallInfo[];
  /** Every call answered with a fault. */
  readonly faults: (CallInfo & { kind: FaultKind })[];
  /** Every SecretAccessKey the emulator handed out through this proxy (from CreateAccessKey answers). */
  readonly handedOut: Set<string>;
  /** Forgets calls, faults and rules (not handed-out keys), restarting occurrence counts. */
  reset(): void;
  stop(): Promise<void>;
}

/**
 * An HTTP proxy on loopback in front of moto that answers chosen calls with an AWS error (or holds
 * them past the client's timeout) instead of forwarding them.
 */
export async function startFaultProxy(
  target: string,
  options: { timeoutHoldMs?: number } = {},
): Promise<FaultProxy> {
  const upstream = new URL(target);
  const rules: FaultRule[] = [];
  const calls: CallInfo[] = [];
  const faults: FaultProxy["faults"] = [];
  const handedOut = new Set<string>();
  const counts = new Map<string, number>();
  const invocations = new Map<string, number>();
  const held = new Set<NodeJS.Timeout>();

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const operation = operationOf(req, raw.toString());
      const invocation = String(req.headers["amz-sdk-invocation-id"] ?? Math.random());
      const attempt = Number(/attempt=(\d+)/.exec(String(req.headers["amz-sdk-request"] ?? ""))?.[1] ?? 1);
      let occurrence = invocations.get(invocation);
      if (occurrence === undefined) {
        occurrence = (counts.get(operation) ?? 0) + 1;
        counts.set(operation, occurrence);
        invocations.set(invocation, occurrence);
      }
      const call: CallInfo = { operation, occurrence, attempt, body: raw.toString() };
      calls.push(call);
      const kind = rules.map((rule) => rule(call)).find((k) => k != null);
      if (kind) faults.push({ ...call, kind });
      if (kind && kind !== "answer-lost") {
        if (kind === "timeout") {
          const timer = setTimeout(() => {
            held.delete(timer);
            req.socket.destroy();
          }, options.timeoutHoldMs ?? 5_000);
          held.add(timer);
          return;
        }
        const json = typeof req.headers["x-amz-target"] === "string";
        const answer = ANSWERS[kind];
        const code = json ? answer.json : answer.query;
        res.writeHead(answer.status, {
          "content-type": json ? "application/x-amz-json-1.1" : "text/xml",
          "x-amzn-errortype": code,
        });
        res.end(
          json
            ? JSON.stringify({ __type: code, message: `injected ${kind}` })
            : `<ErrorResponse><Error><Type>${answer.status >= 500 ? "Receiver" : "Sender"}</Type><Code>${code}</Code><Message>injected ${kind}</Message></Error><RequestId>fault</RequestId></ErrorResponse>`,
        );
        return;
      }
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: req.method,
          headers: req.headers,
        },
        (up) => {
          const answer: Buffer[] = [];
          up.on("data", (c: Buffer) => answer.push(c));
          up.on("end", () => {
            const body = Buffer.concat(answer);
            if (operation === "CreateAccessKey") {
              for (const m of body.toString().matchAll(/<SecretAccessKey>([^<]+)<\/SecretAccessKey>/g)) {
                if (m[1]) handedOut.add(m[1]);
              }
            }
            if (kind === "answer-lost") {
              req.socket.destroy();
              return;
            }
            res.writeHead(up.statusCode ?? 502, up.headers);
            res.end(body);
          });
        },
      );
      forward.on("error", (error) => {
        res.writeHead(502);
        res.end(String(error));
      });
      forward.end(raw);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    rules,
    calls,
    faults,
    handedOut,
    reset() {
      rules.length = 0;
      calls.length = 0;
      faults.length = 0;
      counts.clear();
      invocations.clear();
    },
    stop: () =>
      new Promise((resolve) => {
        for (const timer of held) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
