import { randomBytes } from "node:crypto";
import { type FailureInjection, type Reply, type ServerRequest, startHttpServer } from "./http-server";

/**
 * A local stand-in for the HCP Terraform / Terraform Enterprise API (v2, JSON:API), as its published
 * reference describes the endpoints keyrotor uses: show a workspace by name, and list, create and
 * update the workspace's variables. Listens on 127.0.0.1 only.
 */

/** A variable as the server keeps it: sensitive values included, so tests can read what was delivered. */
export interface StoredVariable {
  readonly id: string;
  key: string;
  value: string;
  description: string;
  category: "terraform" | "env";
  hcl: boolean;
  sensitive: boolean;
}

/** One request as received: the path with its query, the raw `Authorization` header and the parsed body. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly contentType: string | undefined;
  readonly body: unknown;
}

export interface TerraformCloudServer
  extends Pick<FailureInjection<ServerRequest>, "answerNext" | "answerWhen"> {
  /** The API base to configure as `apiUrl`, e.g. `http://127.0.0.1:40123/api/v2`. */
  readonly url: string;
  /** Every request received, oldest first (including those answered with an error). */
  readonly requests: readonly RecordedRequest[];
  /** A copy of a workspace's variables with their values; throws for an unknown workspace. */
  variables(organization: string, workspace: string): StoredVariable[];
  /** Puts a variable in a workspace as if someone had created it (in the UI, or a concurrent delivery). */
  addVariable(
    organization: string,
    workspace: string,
    v: Pick<StoredVariable, "key" | "value" | "category"> & Partial<StoredVariable>,
  ): StoredVariable;
  /** Answers the next request (whatever it is) with `status`, before checking auth; calls queue up. */
  failNext(status: number, headers?: Record<string, string>, body?: unknown): void;
  close(): Promise<void>;
}

const JSON_API = "application/vnd.api+json";
const TITLES: Record<number, string> = {
  401: "unauthorized",
  404: "not found",
  415: "unsupported media type",
  422: "invalid attribute",
  429: "Too many requests",
  500: "internal server error",
  503: "service unavailable",
};

const DETAILS: Record<number, string> = { 429: "You have exceeded the API's rate limit." };

const newId = (prefix: string) =>
  `${prefix}-${randomBytes(12).toString("base64url").replace(/[-_]/g, "x").slice(0, 16)}`;

/** A JSON:API error document: `{"errors":[{"status","title","detail"}]}`, status as a string. */
function errorBody(status: number, detail = DETAILS[status]): unknown {
  return {
    errors: [{ status: String(status), title: TITLES[status] ?? "error", ...(detail ? { detail } : {}) }],
  };
}

/** A variable as the API shows it: a sensitive value is write-only, so it reads back as `null`. */
function resource(basePath: string, workspaceId: string, v: StoredVariable) {
  const { id, value, ...rest } = v;
  return {
    id,
    type: "vars",
    attributes: { ...rest, value: v.sensitive ? null : value },
    relationships: { configurable: { data: { id: workspaceId, type: "workspaces" } } },
    links: { self: `${basePath}/workspaces/${workspaceId}/vars/${id}` },
  };
}

/**
 * Starts the server with the given organizations and their workspaces; `token` is the only bearer
 * token it accepts (anything else is a 401, as the API answers a missing or invalid token).
 * `basePath` is `/api/v2` by default, as on app.terraform.io and Terraform Enterprise. Listings are
 * paginated the JSON:API way (`page[number]`, `page[size]`, 20 by default, at most `maxPageSize`, 100
 * by default) with `meta.pagination`.
 */
export async function startTerraformCloudServer(options: {
  token: string;
  organizations: Readonly<Record<string, readonly string[]>>;
  basePath?: string;
  maxPageSize?: number;
}): Promise<TerraformCloudServer> {
  const basePath = options.basePath ?? "/api/v2";
  const maxPageSize = options.maxPageSize ?? 100;
  const workspaces = new Map<string, { org: string; name: string; vars: StoredVariable[] }>();
  for (const [org, names] of Object.entries(options.organizations)) {
    for (const name of names) workspaces.set(newId("ws"), { org, name, vars: [] });
  }
  const byName = (org: string, name: string) =>
    [...workspaces.entries()].find(([, w]) => w.org === org && w.name === name);

  /** Checks a create or update document; returns the problem, if any, as the API's 422 detail. */
  function invalid(body: unknown, vars: StoredVariable[], self?: StoredVariable): string | undefined {
    const data = (body as { data?: { type?: unknown; attributes?: Record<string, unknown> } } | null)?.data;
    if (data?.type !== "vars" || typeof data.attributes !== "object") return "data.type must be vars";
    const a = data.attributes;
    const key = a.key ?? self?.key;
    const category = a.category ?? self?.category;
    if (typeof key !== "string" || key.trim() === "") return "Key can't be blank";
    if (category !== "terraform" && category !== "env") return "Category must be terraform or env";
    if (self?.sensitive && a.sensitive === false) return "Sensitive variables cannot be made non-sensitive";
    if (vars.some((v) => v !== self && v.key === key && v.category === category)) {
      return "Key has already been taken";
    }
    return undefined;
  }

  /** Sets the attributes a valid document gives; those left out are left unchanged. */
  function apply(v: StoredVariable, body: unknown): StoredVariable {
    const a = (body as { data: { attributes: Record<string, unknown> } }).data.attributes;
    for (const field of ["key", "value", "description"] as const) {
      if (a[field] !== undefined) v[field] = String(a[field]);
    }
    if (a.category !== undefined) v.category = a.category as StoredVariable["category"];
    if (a.hcl !== undefined) v.hcl = a.hcl === true;
    if (a.sensitive !== undefined) v.sensitive = a.sensitive === true;
    return v;
  }

  /** The answer to one request no injected failure took. */
  function answer(req: ServerRequest): Reply {
    if (req.headers.authorization !== `Bearer ${options.token}`) return { status: 401, body: errorBody(401) };
    const { body } = req;
    const path = new URL(req.url, "http://localhost").pathname;
    const rest = path.startsWith(`${basePath}/`) ? path.slice(basePath.length) : "";
    const parts = rest.split("/").filter(Boolean).map(decodeURIComponent);
    const m = req.method;
    if (m === "GET" && parts.length === 4 && parts[0] === "organizations" && parts[2] === "workspaces") {
      const found = byName(parts[1] ?? "", parts[3] ?? "");
      if (!found) return { status: 404, body: errorBody(404) };
      const [id, w] = found;
      const attributes = { name: w.name, "execution-mode": "remote", locked: false };
      const organization = { data: { id: w.org, type: "organizations" } };
      const data = { id, type: "workspaces", attributes, relationships: { organization } };
      return { status: 200, body: { data } };
    }
    const ws = parts[0] === "workspaces" ? workspaces.get(parts[1] ?? "") : undefined;
    if (!ws || parts[2] !== "vars" || parts.length > 4) return { status: 404, body: errorBody(404) };
    const wsId = parts[1] ?? "";
    if ((m === "POST" || m === "PATCH") && req.headers["content-type"] !== JSON_API) {
      return { status: 415, body: errorBody(415, `Content-Type must be ${JSON_API}`) };
    }
    if (m === "GET" && parts.length === 3) {
      const query = new URL(req.url, "http://localhost").searchParams;
      const size = Math.min(Number(query.get("page[size]") ?? 20) || 20, maxPageSize);
      const total = Math.max(1, Math.ceil(ws.vars.length / size));
      const page = Math.min(Math.max(1, Number(query.get("page[number]") ?? 1) || 1), total);
      const data = ws.vars.slice((page - 1) * size, page * size).map((v) => resource(basePath, wsId, v));
      const pagination = {
        "current-page": page,
        "prev-page": page > 1 ? page - 1 : null,
        "next-page": page < total ? page + 1 : null,
        "total-pages": total,
        "total-count": ws.vars.length,
      };
      return { status: 200, body: { data, meta: { pagination } } };
    }
    if (m === "POST" && parts.length === 3) {
      const problem = invalid(body, ws.vars);
      if (problem) return { status: 422, body: errorBody(422, problem) };
      const v = apply(
        {
          id: newId("var"),
          key: "",
          value: "",
          description: "",
          category: "env",
          hcl: false,
          sensitive: false,
        },
        body,
      );
      ws.vars.push(v);
      return { status: 201, body: { data: resource(basePath, wsId, v) } };
    }
    const v = ws.vars.find((x) => x.id === parts[3]);
    if (m === "PATCH" && v) {
      const problem = invalid(body, ws.vars, v);
      if (problem) return { status: 422, body: errorBody(422, problem) };
      apply(v, body);
      return { status: 200, body: { data: resource(basePath, wsId, v) } };
    }
    return { status: 404, body: errorBody(404) };
  }

  const http = await startHttpServer<RecordedRequest>({
    answer,
    record: (req) => ({
      method: req.method,
      path: req.url,
      authorization: req.headers.authorization,
      contentType: req.headers["content-type"],
      body: req.body,
    }),
    failureBody: (status) => errorBody(status),
    crashed: { status: 500, body: errorBody(500) },
    contentType: JSON_API,
  });

  const workspace = (org: string, name: string) => {
    const found = byName(org, name);
    if (!found) throw new Error(`no workspace ${org}/${name}`);
    return found[1];
  };
  return {
    url: `${http.origin}${basePath}`,
    requests: http.requests,
    variables: (org, name) => workspace(org, name).vars.map((v) => ({ ...v })),
    addVariable(org, name, v) {
      const stored: StoredVariable = {
        id: newId("var"),
        description: "",
        hcl: false,
        sensitive: false,
        ...v,
      };
      workspace(org, name).vars.push(stored);
      return { ...stored };
    },
    failNext(status, headers = {}, body = errorBody(status)) {
      // A throttled answer carries the limit, as the API documents.
      const limit: Record<string, string> = status === 429 ? { "x-ratelimit-limit": "30" } : {};
      http.failNext(status, { ...limit, ...headers }, body);
    },
    answerNext: http.answerNext,
    answerWhen: http.answerWhen,
    close: http.close,
  };
}
