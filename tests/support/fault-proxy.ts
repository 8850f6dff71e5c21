import { createServer, type IncomingMessage, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** What the proxy sees of one AWS call: enough to pick the calls to fail. */
export interface CallInfo {
  /** `AssumeRole`, `PutSecretValue` ...: from the query-protocol `Action` or the JSON `X-Amz-Target`. */
  readonly operation: string;
  readonly body: string;
}

export interface Fault {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

export type FaultRule = (call: CallInfo) => Fault | null;

export const ACCESS_DENIED: Fault = {
  status: 403,
  code: "AccessDenied",
  message: "injected: not authorized",
};

function operationOf(req: IncomingMessage, body: string): string {
  const target = req.headers["x-amz-target"];
  if (typeof target === "string") return target.split(".").pop() ?? target;
  return new URLSearchParams(body).get("Action") ?? "";
}

/**
 * An HTTP proxy on loopback in front of moto that answers chosen calls with an AWS error instead of
 * forwarding them (query-protocol XML for IAM/STS/SES style services, JSON otherwise).
 */
export async function startFaultProxy(target: string): Promise<{
  endpoint: string;
  rules: FaultRule[];
  calls: CallInfo[];
  stop(): Promise<void>;
}> {
  const upstream = new URL(target);
  const rules: FaultRule[] = [];
  const calls: CallInfo[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const call = { operation: operationOf(req, raw.toString()), body: raw.toString() };
      calls.push(call);
      const fault = rules.map((rule) => rule(call)).find((f) => f !== null);
      if (fault) {
        const json = typeof req.headers["x-amz-target"] === "string";
        res.writeHead(fault.status, {
          "content-type": json ? "application/x-amz-json-1.1" : "text/xml",
          "x-amzn-errortype": fault.code,
        });
        res.end(
          json
            ? JSON.stringify({ __type: fault.code, message: fault.message })
            : `<ErrorResponse><Error><Type>Sender</Type><Code>${fault.code}</Code><Message>${fault.message}</Message></Error><RequestId>fault</RequestId></ErrorResponse>`,
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
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
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
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
