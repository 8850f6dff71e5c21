import { randomUUID } from "node:crypto";
import {
  type FailureInjection,
  fieldsOf,
  type Reply,
  type ServerRequest,
  startHttpServer,
} from "./http-server";

/**
 * A local stand-in for Bitbucket Cloud's REST API 2.0, only the Pipelines endpoints keyrotor calls:
 * a repository's variables (`/repositories/{workspace}/{repo_slug}/pipelines_config/variables`, list,
 * create, and `/{variable_uuid}` update), its deployment environments (`/environments`, list) and an
 * environment's variables (`/deployments_config/environments/{environment_uuid}/variables`, the same
 * three). Listings are paginated as Bitbucket's are (`page`, `pagelen`, `size`, `values`, and an
 * absolute `next` URL). A secured variable's value is never shown. Access tokens are Bearer tokens;
 * anything else is a 401. Errors are Bitbucket's `{"type": "error", "error": {"message": ...}}`.
 */

/** A variable as the server keeps it, its value included so a test can read what was delivered. */
export interface BitbucketVariable {
  readonly uuid: string;
  key: string;
  value: string;
  secured: boolean;
}

/** A repository of the server and the names of its deployment environments. */
export interface BitbucketRepository {
  readonly workspace: string;
  readonly slug: string;
  readonly environments?: readonly string[];
}

/** Names the variables of a repository, or of one of its environments (by name). */
export interface VariablesRef {
  readonly workspace: string;
  readonly slug: string;
  readonly environment?: string;
}

export interface RecordedRequest {
  readonly method: string;
  /** Path and query as received. */
  readonly url: string;
  readonly authorization: string | undefined;
  readonly body: unknown;
}

export interface BitbucketServer extends FailureInjection<ServerRequest> {
  /** The API base to configure as `apiUrl`: `http://127.0.0.1:PORT/2.0`. */
  readonly url: string;
  /** A copy of the variables of a repository or environment, in creation order; throws for an unknown one. */
  variables(ref: VariablesRef): BitbucketVariable[];
  /** The uuid of an environment, `{...}` as Bitbucket writes it. */
  environmentUuid(ref: VariablesRef & { environment: string }): string;
  /** Stores a variable as if someone had created it in the repository's settings. */
  seed(ref: VariablesRef, variable: { key: string; value: string; secured?: boolean }): BitbucketVariable;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

const errorBody = (message: string) => ({ type: "error", error: { message } });
const MESSAGES: Record<number, string> = {
  401: "Access token expired or invalid.",
  403: "Your credentials lack one or more required privilege scopes.",
  404: "Resource not found",
  409: "A variable with the provided key already exists.",
  429: "Rate limit for this resource has been exceeded",
  500: "Something went wrong",
  503: "Service unavailable",
};
const defaultBody = (status: number) => errorBody(MESSAGES[status] ?? "error");

/** Bitbucket's rule for a variable's name: ASCII letters, digits and `_`, not starting with a digit. */
const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The answer for a listing of `items`, one page of it, with `next` an absolute URL of the next page. */
function page<T>(req: ServerRequest, origin: string, items: readonly T[], maxPageLen: number): Reply {
  const url = new URL(req.url, origin);
  const pagelen = Math.min(Math.max(1, Number(url.searchParams.get("pagelen") ?? 10) || 10), maxPageLen);
  const number = Math.max(1, Number(url.searchParams.get("page") ?? 1) || 1);
  const values = items.slice((number - 1) * pagelen, number * pagelen);
  const body: Record<string, unknown> = { page: number, pagelen, size: items.length, values };
  if (number * pagelen < items.length) {
    url.searchParams.set("page", String(number + 1));
    body.next = url.toString();
  }
  return { status: 200, body };
}

/**
 * Starts the server on 127.0.0.1 (a free port) with the given repositories; `token` is the only
 * access token it takes. Pages hold at most `maxPageLen` values (100, Bitbucket's usual ceiling).
 */
export async function startBitbucketServer(options: {
  token: string;
  repositories: readonly BitbucketRepository[];
  maxPageLen?: number;
}): Promise<BitbucketServer> {
  const maxPageLen = options.maxPageLen ?? 100;
  interface Environment {
    readonly uuid: string;
    readonly name: string;
    readonly variables: BitbucketVariable[];
  }
  interface Repo {
    readonly workspace: string;
    readonly slug: string;
    readonly variables: BitbucketVariable[];
    readonly environments: Environment[];
  }
  const repos: Repo[] = options.repositories.map((r) => ({
    workspace: r.workspace,
    slug: r.slug,
    variables: [],
    environments: (r.environments ?? []).map((name) => ({ uuid: `{${randomUUID()}}`, name, variables: [] })),
  }));
  const repoOf = (workspace: string, slug: string) =>
    repos.find((r) => r.workspace.toLowerCase() === workspace.toLowerCase() && r.slug === slug);
  const storeOf = (ref: VariablesRef): BitbucketVariable[] => {
    const repo = repoOf(ref.workspace, ref.slug);
    if (!repo) throw new Error(`no repository ${ref.workspace}/${ref.slug} on the Bitbucket server`);
    if (ref.environment === undefined) return repo.variables;
    const env = repo.environments.find((e) => e.name === ref.environment);
    if (!env) throw new Error(`no environment ${ref.environment} in ${ref.workspace}/${ref.slug}`);
    return env.variables;
  };
  let origin = "";

  /** A variable as the API shows it: a secured one without its value. */
  const shown = (v: BitbucketVariable, type: string) => ({
    type,
    uuid: v.uuid,
    key: v.key,
    secured: v.secured,
    ...(v.secured ? {} : { value: v.value }),
  });

  /** The answer to a request on one set of variables (`rest` the path after `.../variables`). */
  function onVariables(req: ServerRequest, store: BitbucketVariable[], type: string, rest: string[]): Reply {
    const body = fieldsOf(req.body);
    if (req.method === "GET" && rest.length === 0) {
      return page(
        req,
        origin,
        store.map((v) => shown(v, type)),
        maxPageLen,
      );
    }
    if (req.method === "POST" && rest.length === 0) {
      if (typeof body.key !== "string" || !KEY.test(body.key) || typeof body.value !== "string") {
        return { status: 400, body: errorBody("Variable key or value is invalid.") };
      }
      if (store.some((v) => v.key === body.key)) return { status: 409, body: defaultBody(409) };
      const created: BitbucketVariable = {
        uuid: `{${randomUUID()}}`,
        key: body.key,
        value: body.value,
        secured: body.secured === true,
      };
      store.push(created);
      return { status: 201, body: shown(created, type) };
    }
    const variable = rest.length === 1 ? store.find((v) => v.uuid === rest[0]) : undefined;
    if (req.method === "PUT" && variable) {
      const key = typeof body.key === "string" ? body.key : variable.key;
      if (!KEY.test(key) || (body.value !== undefined && typeof body.value !== "string")) {
        return { status: 400, body: errorBody("Variable key or value is invalid.") };
      }
      if (store.some((v) => v !== variable && v.key === key)) return { status: 409, body: defaultBody(409) };
      variable.key = key;
      if (typeof body.value === "string") variable.value = body.value;
      if (typeof body.secured === "boolean") {
        // A secured variable stays secured: Bitbucket offers no way back to plain text.
        variable.secured = variable.secured || body.secured;
      }
      return { status: 200, body: shown(variable, type) };
    }
    return { status: 404, body: defaultBody(404) };
  }

  function answer(req: ServerRequest): Reply {
    if (req.headers.authorization !== `Bearer ${options.token}`)
      return { status: 401, body: defaultBody(401) };
    const path = new URL(req.url, "http://localhost").pathname;
    if (!path.startsWith("/2.0/")) return { status: 404, body: defaultBody(404) };
    const parts = path.slice("/2.0/".length).split("/").filter(Boolean).map(decodeURIComponent);
    const [repositories, workspace = "", slug = "", ...rest] = parts;
    const repo = repositories === "repositories" ? repoOf(workspace, slug) : undefined;
    if (!repo) return { status: 404, body: errorBody("Repository not found") };
    if (rest[0] === "pipelines_config" && rest[1] === "variables") {
      return onVariables(req, repo.variables, "pipeline_variable", rest.slice(2));
    }
    if (rest[0] === "environments" && rest.length === 1 && req.method === "GET") {
      const environments = repo.environments.map((e) => ({
        type: "deployment_environment",
        uuid: e.uuid,
        name: e.name,
        slug: e.name.toLowerCase().replace(/[^a-z0-9]+/g, "-"),
      }));
      return page(req, origin, environments, maxPageLen);
    }
    if (rest[0] === "deployments_config" && rest[1] === "environments" && rest[3] === "variables") {
      const env = repo.environments.find((e) => e.uuid === rest[2]);
      if (!env) return { status: 404, body: errorBody("Environment not found") };
      return onVariables(req, env.variables, "deployment_variable", rest.slice(4));
    }
    return { status: 404, body: defaultBody(404) };
  }

  const http = await startHttpServer<RecordedRequest>({
    answer,
    record: (req) => ({
      method: req.method,
      url: req.url,
      authorization: req.headers.authorization,
      body: req.body,
    }),
    failureBody: defaultBody,
    crashed: { status: 500, body: defaultBody(500) },
    contentType: "application/json",
  });
  origin = http.origin;
  return {
    url: `${http.origin}/2.0`,
    variables: (ref) => storeOf(ref).map((v) => ({ ...v })),
    environmentUuid(ref) {
      const env = repoOf(ref.workspace, ref.slug)?.environments.find((e) => e.name === ref.environment);
      if (!env) throw new Error(`no environment ${ref.environment}`);
      return env.uuid;
    },
    seed(ref, variable) {
      const stored = { uuid: `{${randomUUID()}}`, secured: false, ...variable };
      storeOf(ref).push(stored);
      return { ...stored };
    },
    failNext: http.failNext,
    failWhen: http.failWhen,
    answerNext: http.answerNext,
    answerWhen: http.answerWhen,
    requests: http.requests,
    close: http.close,
  };
}
