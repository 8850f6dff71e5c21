import {
  type FailureInjection,
  fieldsOf,
  type Reply,
  type ServerRequest,
  startHttpServer,
} from "./http-server";

/**
 * A local stand-in for CircleCI's API v2, only the environment variable endpoints keyrotor calls:
 * `POST /project/{project-slug}/envvar` (`{name, value}`; creates, or replaces the value of an
 * existing name; 201) and `PUT /context/{context-id}/environment-variable/{env-var-name}`
 * (`{value}`; creates or updates; 200). It answers as CircleCI documents: a `Circle-Token` (or the
 * token as Basic user name) checked first, 401 "You must log in first.", 404 for an unknown
 * project or context, `{"message": ...}` error bodies.
 */

/** Names a project (by slug, e.g. `gh/org/repo`) or a context (by id) of the server. */
export type CircleCiRef = { readonly project: string } | { readonly context: string };

export interface RecordedRequest {
  readonly method: string;
  /** Path and query as received, e.g. `/api/v2/project/gh/org/repo/envvar`. */
  readonly url: string;
}

export interface CircleCiServer extends FailureInjection<RecordedRequest> {
  /** The API base to configure as `apiUrl`, e.g. `http://127.0.0.1:PORT/api/v2`. */
  readonly url: string;
  /** The environment variables of a project or context: name to value. */
  variables(ref: CircleCiRef): Record<string, string>;
  /** Stores a variable directly, as if someone had added it in CircleCI's settings. */
  seed(ref: CircleCiRef, name: string, value: string): void;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The token of a request: the `Circle-Token` header, or the user name of Basic authentication. */
function tokenOf(req: ServerRequest): string | undefined {
  const header = req.headers["circle-token"];
  if (typeof header === "string") return header;
  const basic = req.headers.authorization?.match(/^Basic (.+)$/)?.[1];
  return basic === undefined ? undefined : Buffer.from(basic, "base64").toString("utf8").split(":")[0];
}

/** Starts the server on 127.0.0.1 (a free port). `prefix` is the API's path, `/api/v2` by default. */
export async function startCircleCiServer(options: {
  token: string;
  projects?: readonly string[];
  contexts?: readonly string[];
  prefix?: string;
}): Promise<CircleCiServer> {
  const prefix = options.prefix ?? "/api/v2";
  const stores = new Map<string, Map<string, string>>();
  for (const slug of options.projects ?? []) stores.set(`project:${slug}`, new Map());
  for (const id of options.contexts ?? []) stores.set(`context:${id}`, new Map());
  const refStore = (ref: CircleCiRef) => {
    const store = stores.get("project" in ref ? `project:${ref.project}` : `context:${ref.context}`);
    if (!store) throw new Error("no such project or context on the CircleCI server");
    return store;
  };

  /** The answer to one request no injected failure took. */
  function answer(req: ServerRequest): Reply {
    if (tokenOf(req) !== options.token) return { status: 401, body: { message: "You must log in first." } };
    const path = new URL(req.url, "http://localhost").pathname;
    const rest = path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : "";
    const body = fieldsOf(req.body);

    // The slug's `/` may arrive URL-escaped, as CircleCI allows.
    const project = rest.match(/^\/project\/(.+)\/envvar$/);
    if (project?.[1] !== undefined && req.method === "POST") {
      const store = stores.get(`project:${decodeURIComponent(project[1])}`);
      if (!store) return { status: 404, body: { message: "Project not found" } };
      if (typeof body.name !== "string" || !NAME.test(body.name) || typeof body.value !== "string") {
        return { status: 400, body: { message: "Invalid environment variable name or value." } };
      }
      store.set(body.name, body.value);
      const shown = `xxxx${body.value.slice(-4)}`;
      return { status: 201, body: { name: body.name, value: shown, created_at: new Date().toISOString() } };
    }
    const context = rest.match(/^\/context\/([^/]+)\/environment-variable\/([^/]+)$/);
    if (context?.[1] !== undefined && context[2] !== undefined && req.method === "PUT") {
      const id = decodeURIComponent(context[1]);
      const name = decodeURIComponent(context[2]);
      const store = stores.get(`context:${id}`);
      if (!store) return { status: 404, body: { message: "Context not found" } };
      if (!NAME.test(name) || typeof body.value !== "string") {
        return { status: 400, body: { message: "Invalid environment variable name or value." } };
      }
      store.set(name, body.value);
      const now = new Date().toISOString();
      return { status: 200, body: { variable: name, created_at: now, updated_at: now, context_id: id } };
    }
    return { status: 404, body: { message: "Not found" } };
  }

  const http = await startHttpServer<RecordedRequest>({
    answer,
    record: (req) => ({ method: req.method, url: req.url }),
    failureBody: (status) => ({ message: `HTTP ${status}` }),
    crashed: { status: 500, body: { message: "Internal server error" } },
    contentType: "application/json",
  });
  return {
    url: `${http.origin}${prefix}`,
    variables: (ref) => Object.fromEntries(refStore(ref)),
    seed: (ref, name, value) => void refStore(ref).set(name, value),
    failNext: http.failNext,
    failWhen: http.failWhen,
    answerNext: http.answerNext,
    answerWhen: http.answerWhen,
    requests: http.requests,
    close: http.close,
  };
}
