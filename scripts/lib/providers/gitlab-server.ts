import {
  type FailureInjection,
  fieldsOf,
  type Reply,
  type ServerRequest,
  startHttpServer,
} from "./http-server";

/**
 * A local stand-in for GitLab's REST API (v4), only the CI/CD variable endpoints keyrotor calls:
 * `PUT /projects/:id/variables/:key` (with `filter[environment_scope]`), `POST /projects/:id/variables`,
 * and the same under `/groups/:id`. It answers as GitLab documents: `PRIVATE-TOKEN` (or a Bearer
 * token) checked first, 404 for an unknown project, group or variable, 400 with field errors for a
 * duplicate key in a scope or a value that cannot be masked, 409 when a key has several scopes and
 * no filter picks one.
 */

/** A stored variable, as GitLab's API shows it. */
export interface GitLabVariable {
  key: string;
  value: string;
  environment_scope: string;
  masked: boolean;
  protected: boolean;
  raw: boolean;
  variable_type: string;
}

/** A project or a group: reachable by its numeric id or its full path (`group/sub/project`). */
export interface GitLabOwner {
  readonly id: number;
  readonly path: string;
}

/** Names a project or group of the server, by id or path. */
export type OwnerRef = { readonly project: number | string } | { readonly group: number | string };

export interface RecordedRequest {
  readonly method: string;
  /** Path and query as received, e.g. `/api/v4/projects/42/variables/KEY?filter%5Benvironment_scope%5D=*`. */
  readonly url: string;
}

export interface GitLabServer extends FailureInjection<RecordedRequest> {
  /** The API base to configure as `apiUrl`, e.g. `http://127.0.0.1:PORT/api/v4`. */
  readonly url: string;
  /** The variables of a project or group, in creation order. */
  variables(owner: OwnerRef): GitLabVariable[];
  /** Stores a variable directly, as if someone had created it in GitLab's settings. */
  seed(owner: OwnerRef, variable: Partial<GitLabVariable> & { key: string; value: string }): void;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

/** GitLab's rate limiter answers in plain text; its API's errors are `{"message": "<status> ..."}`. */
const defaultBody = (status: number): unknown => (status === 429 ? "Retry later" : { message: `${status}` });

const MASKABLE = /^[a-zA-Z0-9_+=/@:.~-]{8,}$/;
const MASKABLE_RAW = /^\S{8,}$/;

/** Why GitLab would refuse this variable, as its `{"message": {field: [...]}}` body, or undefined. */
function invalid(v: GitLabVariable, others: GitLabVariable[]): Record<string, string[]> | undefined {
  if (!/^[A-Za-z0-9_]{1,255}$/.test(v.key)) return { key: ["can contain only letters, digits and '_'."] };
  if (others.some((o) => o.key === v.key && o.environment_scope === v.environment_scope)) {
    return { key: [`(${v.key}) has already been taken`] };
  }
  if (v.masked && !(v.raw ? MASKABLE_RAW : MASKABLE).test(v.value)) return { value: ["is invalid"] };
  return undefined;
}

/**
 * Starts the server on 127.0.0.1 (a free port). `prefix` is the API's path, `/api/v4` by default
 * (a self-managed instance under a sub-path answers at e.g. `/gitlab/api/v4`).
 */
export async function startGitLabServer(options: {
  token: string;
  projects?: readonly GitLabOwner[];
  groups?: readonly GitLabOwner[];
  prefix?: string;
}): Promise<GitLabServer> {
  const prefix = options.prefix ?? "/api/v4";
  const stores = new Map<string, GitLabVariable[]>();
  const owners = { projects: options.projects ?? [], groups: options.groups ?? [] };
  const storeOf = (kind: "projects" | "groups", ref: number | string) => {
    const owner = owners[kind].find((o) => String(o.id) === String(ref) || o.path === ref);
    if (!owner) return undefined;
    const name = `${kind}/${owner.id}`;
    if (!stores.has(name)) stores.set(name, []);
    return stores.get(name);
  };
  const refStore = (ref: OwnerRef) => {
    const store = "project" in ref ? storeOf("projects", ref.project) : storeOf("groups", ref.group);
    if (!store) throw new Error(`no such ${"project" in ref ? "project" : "group"} on the GitLab server`);
    return store;
  };

  /** The answer to one request no injected failure took. */
  function answer(req: ServerRequest): Reply {
    const bearer = req.headers.authorization?.replace(/^Bearer /, "");
    if ((req.headers["private-token"] ?? bearer) !== options.token) {
      return { status: 401, body: { message: "401 Unauthorized" } };
    }
    const url = new URL(req.url, "http://localhost");
    const rest = url.pathname.startsWith(`${prefix}/`) ? url.pathname.slice(prefix.length) : "";
    const [, kind, id, variables, key, ...extra] = rest.split("/").map(decodeURIComponent);
    if (
      (kind !== "projects" && kind !== "groups") ||
      id === undefined ||
      variables !== "variables" ||
      extra.length
    ) {
      return { status: 404, body: { error: "404 Not Found" } };
    }
    const store = storeOf(kind, id);
    if (!store) {
      return { status: 404, body: { message: `404 ${kind === "projects" ? "Project" : "Group"} Not Found` } };
    }
    const body = fieldsOf(req.body);

    if (req.method === "POST" && key === undefined) {
      if (typeof body.key !== "string" || typeof body.value !== "string") {
        return { status: 400, body: { error: "key is missing, value is missing" } };
      }
      const created: GitLabVariable = {
        key: body.key,
        value: body.value,
        environment_scope: typeof body.environment_scope === "string" ? body.environment_scope : "*",
        masked: body.masked === true,
        protected: body.protected === true,
        raw: body.raw === true,
        variable_type: typeof body.variable_type === "string" ? body.variable_type : "env_var",
      };
      const refused = invalid(created, store);
      if (refused) return { status: 400, body: { message: refused } };
      store.push(created);
      return { status: 201, body: created };
    }
    if (req.method === "PUT" && key !== undefined) {
      const scope = url.searchParams.get("filter[environment_scope]");
      const found = store.filter((v) => v.key === key && (scope === null || v.environment_scope === scope));
      const [variable] = found;
      if (!variable) return { status: 404, body: { message: "404 Variable Not Found" } };
      if (found.length > 1) {
        return {
          status: 409,
          body: {
            message:
              "There are multiple variables with provided parameters. Please use 'filter[environment_scope]'",
          },
        };
      }
      const updated = { ...variable };
      for (const field of ["value", "environment_scope", "variable_type"] as const) {
        if (typeof body[field] === "string") updated[field] = body[field];
      }
      for (const field of ["masked", "protected", "raw"] as const) {
        if (typeof body[field] === "boolean") updated[field] = body[field];
      }
      const refused = invalid(
        updated,
        store.filter((v) => v !== variable),
      );
      if (refused) return { status: 400, body: { message: refused } };
      Object.assign(variable, updated);
      return { status: 200, body: variable };
    }
    return { status: 405, body: { message: "405 Method Not Allowed" } };
  }

  const http = await startHttpServer<RecordedRequest>({
    answer,
    record: (req) => ({ method: req.method, url: req.url }),
    failureBody: defaultBody,
    crashed: { status: 500, body: { message: "500 Internal Server Error" } },
    contentType: "application/json",
  });
  return {
    url: `${http.origin}${prefix}`,
    variables: (ref) => refStore(ref).map((v) => ({ ...v })),
    seed: (ref, variable) =>
      refStore(ref).push({
        environment_scope: "*",
        masked: false,
        protected: false,
        raw: false,
        variable_type: "env_var",
        ...variable,
      }),
    failNext: http.failNext,
    failWhen: http.failWhen,
    answerNext: http.answerNext,
    answerWhen: http.answerWhen,
    requests: http.requests,
    close: http.close,
  };
}
