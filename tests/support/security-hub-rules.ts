import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  GetFindingsCommand,
  type SecurityHubClient,
} from "@aws-sdk/client-securityhub";

/**
 * Security Hub's workflow rules in front of moto, which has neither: an import over a finding it holds
 * keeps that finding's workflow and note (moto would take the import's), and BatchUpdateFindings (which
 * moto lacks) sets them. Everything else goes to moto as it came. `batchUpdate: false` answers
 * BatchUpdateFindings as moto does, with its 404.
 */
export interface SecurityHubRules {
  readonly endpoint: string;
  /** Each BatchUpdateFindings request's body, as it came. */
  readonly updates: unknown[];
  batchUpdate: boolean;
  stop(): Promise<void>;
}

interface UpdateRequest {
  readonly FindingIdentifiers: { readonly Id: string; readonly ProductArn: string }[];
  readonly Workflow?: AwsSecurityFinding["Workflow"];
  readonly Note?: { readonly Text: string; readonly UpdatedBy: string };
}

/** Starts the rules on loopback, in front of moto at `motoEndpoint`; `hub` is a client of that moto. */
export async function startSecurityHubRules(
  motoEndpoint: string,
  hub: SecurityHubClient,
): Promise<SecurityHubRules> {
  const held = async () =>
    new Map(((await hub.send(new GetFindingsCommand({}))).Findings ?? []).map((f) => [f.Id ?? "", f]));

  const importKeepingWorkflow = async (body: string): Promise<string> => {
    const request = JSON.parse(body) as { Findings: AwsSecurityFinding[] };
    const before = await held();
    const Findings = request.Findings.map((f) => {
      const was = before.get(f.Id ?? "");
      return was ? { ...f, Workflow: was.Workflow, Note: was.Note } : f;
    });
    return JSON.stringify({ ...request, Findings });
  };

  const batchUpdate = async (request: UpdateRequest) => {
    const before = await held();
    const processed: AwsSecurityFinding[] = [];
    const unprocessed = [];
    for (const id of request.FindingIdentifiers) {
      const was = before.get(id.Id);
      if (!was || was.ProductArn !== id.ProductArn) {
        unprocessed.push({ FindingIdentifier: id, ErrorCode: "FindingNotFound", ErrorMessage: "not found" });
        continue;
      }
      const note = request.Note && { ...request.Note, UpdatedAt: new Date().toISOString() };
      processed.push({ ...was, ...(request.Workflow ? { Workflow: request.Workflow } : {}), Note: note });
    }
    if (processed.length > 0) await hub.send(new BatchImportFindingsCommand({ Findings: processed }));
    return {
      ProcessedFindings: processed.map((f) => ({ Id: f.Id, ProductArn: f.ProductArn })),
      UnprocessedFindings: unprocessed,
    };
  };

  const forward = async (req: IncomingMessage, body: string, res: ServerResponse) => {
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(
        (e): e is [string, string] =>
          typeof e[1] === "string" && e[0] !== "host" && e[0] !== "content-length",
      ),
    );
    const method = req.method ?? "GET";
    const answer = await fetch(`${motoEndpoint}${req.url ?? "/"}`, {
      method,
      headers,
      ...(method === "GET" || method === "HEAD" ? {} : { body }),
    });
    res.writeHead(answer.status, Object.fromEntries(answer.headers));
    res.end(Buffer.from(await answer.arrayBuffer()));
  };

  const rules: SecurityHubRules = {
    endpoint: "",
    updates: [],
    batchUpdate: true,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks).toString();
      try {
        if (req.method === "PATCH" && req.url === "/findings/batchupdate") {
          rules.updates.push(JSON.parse(body));
          if (!rules.batchUpdate) return await forward(req, body, res);
          const answer = JSON.stringify(await batchUpdate(JSON.parse(body) as UpdateRequest));
          res.writeHead(200, { "content-type": "application/json" });
          return res.end(answer);
        }
        const sent =
          req.method === "POST" && req.url === "/findings/import" ? await importKeepingWorkflow(body) : body;
        await forward(req, sent, res);
      } catch (error) {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ message: String(error) }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return Object.assign(rules, { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
}
