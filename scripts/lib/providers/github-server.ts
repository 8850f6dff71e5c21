import { randomInt } from "node:crypto";
import { x25519 } from "@noble/curves/ed25519.js";
import { openSealedBox } from "../../../shared/destinations/sealed-box";
import { type FailureInjection, type Reply, type ServerRequest, startHttpServer } from "./http-server";

/**
 * A local stand-in for GitHub's REST API, only the secrets endpoints keyrotor calls, as GitHub
 * documents them, for Actions, Dependabot and Codespaces alike (`{app}` below):
 * - `GET /repos/{owner}/{repo}/{app}/secrets/public-key`, `PUT …/{app}/secrets/{secret_name}`;
 * - `GET /repos/{owner}/{repo}/environments/{environment_name}/secrets/public-key`, `PUT …/secrets/{secret_name}`
 *   (Actions only: Dependabot and Codespaces have no environment secrets);
 * - `GET /orgs/{org}/{app}/secrets/public-key`, `PUT …/{app}/secrets/{secret_name}` (`visibility`
 *   required; Dependabot takes `selected_repository_ids` as strings, the others as integers).
 *
 * Each scope of each app has its own X25519 key pair; a PUT is opened with it and the plaintext
 * stored, so tests read what was delivered. Answers as GitHub does: 401 "Bad credentials" (or "Requires
 * authentication"), 404 "Not Found" for anything unknown, 422 for a bad name or body, 201 on create
 * and 204 on update, and the primary rate limit (`x-ratelimit-*` headers, 403 once used up).
 * Listens on 127.0.0.1 only.
 *
 * @example
 * const github = await startGitHubServer({ token: "ghp_test", repositories: ["org/app"] });
 * // configure { type: "github", repository: "org/app", apiUrl: github.url, ... }
 * github.secrets({ repository: "org/app" }).get("AWS_ACCESS_KEY_ID");
 * github.failNext(403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": `${Math.ceil(Date.now() / 1000) + 2}` });
 * await github.close();
 */

export interface GitHubServerOptions {
  /** The token every request must carry, as `Authorization: Bearer <token>` (or `token <token>`). */
  readonly token: string;
  /** Repositories as `owner/repo`; names are not case-sensitive, as on GitHub. */
  readonly repositories?: readonly string[];
  /** Environments by repository, e.g. `{ "org/app": ["production"] }` (the repository need not be listed again). */
  readonly environments?: Readonly<Record<string, readonly string[]>>;
  readonly organizations?: readonly string[];
  /** Where the API is served, as GitHub Enterprise Server's `/api/v3`; at the root (github.com) by default. */
  readonly pathPrefix?: string;
  /** Requests the token may make per hour before the primary rate limit answers 403; 5,000 by default. */
  readonly rateLimit?: number;
}

/** The GitHub products that keep secrets of their own, each with its own endpoints and key pairs. */
export type SecretApp = "actions" | "dependabot" | "codespaces";
const APPS: readonly SecretApp[] = ["actions", "dependabot", "codespaces"];

/**
 * A repository's secrets, an environment's (with `environment`, Actions only), or an
 * organization's, of `app` (Actions when left out).
 */
export type SecretScope = (
  | { readonly repository: string; readonly environment?: string }
  | { readonly organization: string }
) & { readonly app?: SecretApp };

/** Which repositories an organization secret is visible to, as last PUT. */
export interface OrganizationAccess {
  readonly visibility: "all" | "private" | "selected";
  readonly selectedRepositoryIds?: readonly number[];
}

/** One request as received (its `Authorization` header left out), and the status it was answered with. */
export interface RecordedRequest {
  readonly method: string;
  /** The path as received, prefix included, e.g. `/api/v3/repos/org/app/actions/secrets/public-key`. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly status: number;
}

export interface GitHubServer extends Pick<FailureInjection<ServerRequest>, "answerNext" | "answerWhen"> {
  /** The API base to configure as `apiUrl`, e.g. `http://127.0.0.1:40123` (or `…/api/v3` with `pathPrefix`). */
  readonly url: string;
  /** A scope's secrets by name (upper case, as GitHub shows them) with their plaintext; throws for an unknown scope. */
  secrets(scope: SecretScope): Map<string, string>;
  /** The visibility an organization secret (of `app`, Actions by default) was last written with. */
  access(organization: string, name: string, app?: SecretApp): OrganizationAccess | undefined;
  /** The scope's public key as the API hands it out: `key_id` and the base64 `key`. */
  publicKey(scope: SecretScope): { keyId: string; key: string };
  /**
   * Replaces the scope's key pair, as GitHub rotates it: secrets stay, and a PUT sealed for the old
   * key is refused (422) from now on. Returns the new key's id.
   */
  rotateKey(scope: SecretScope): string;
  /**
   * Answers the next request (whatever it is, before authentication) with `status`, `headers` and
   * `body` (GitHub's message for the status by default); calls queue up.
   */
  failNext(status: number, headers?: Record<string, string>, body?: unknown): void;
  /** Every request received, oldest first, including those answered with an error. */
  readonly requests: readonly RecordedRequest[];
  /** Stops listening; closing again is harmless. */
  close(): Promise<void>;
}

const DOCS = "https://docs.github.com/rest";
/** The REST API versions GitHub answers to; a request naming none gets the oldest. */
const API_VERSIONS = ["2022-11-28", "2026-03-10"];
const MESSAGES: Record<number | "noUserAgent", string> = {
  noUserAgent:
    "Request forbidden by administrative rules. Please make sure your request has a User-Agent header.",
  400: "Problems parsing JSON",
  401: "Bad credentials",
  403: "Resource not accessible by personal access token",
  404: "Not Found",
  422: "Validation Failed",
  429: "API rate limit exceeded for user ID 1.",
  500: "Server Error",
  502: "Server Error",
  503: "Service Unavailable",
};

interface KeyPair {
  readonly keyId: string;
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

interface Vault extends KeyPair {
  readonly secrets: Map<string, string>;
  readonly access: Map<string, OrganizationAccess>;
}

function newKeyPair(): KeyPair {
  const secretKey = x25519.utils.randomSecretKey();
  const keyId = `${randomInt(1e9, 2e9)}${randomInt(1e9, 2e9)}`;
  return { keyId, publicKey: x25519.getPublicKey(secretKey), secretKey };
}

function newVault(): Vault {
  return { ...newKeyPair(), secrets: new Map(), access: new Map() };
}

/** A vault's key in the server's map: owners and names compared without case, as GitHub does. */
function vaultId(scope: SecretScope): string {
  const app = scope.app ?? "actions";
  if ("organization" in scope) return `${app}:org:${scope.organization.toLowerCase()}`;
  const repo = `${app}:repo:${scope.repository.toLowerCase()}`;
  return scope.environment === undefined ? repo : `${repo}:env:${scope.environment}`;
}

/** The scope a path names, and what it asks for there (`public-key` or a secret's name). */
function route(segments: string[]): { scope: SecretScope; name: string } | undefined {
  const [head, a = "", b = "", c, d, e, f, ...rest] = segments;
  const orgApp = appOf(b);
  if (head === "orgs" && orgApp && c === "secrets" && d && e === undefined) {
    return { scope: { organization: a, app: orgApp }, name: d };
  }
  if (head !== "repos") return undefined;
  const repository = `${a}/${b}`;
  const app = appOf(c);
  if (app && d === "secrets" && e && f === undefined) return { scope: { repository, app }, name: e };
  if (c === "environments" && d && e === "secrets" && f && rest.length === 0) {
    return { scope: { repository, environment: d }, name: f };
  }
  return undefined;
}

const appOf = (segment: string | undefined): SecretApp | undefined => APPS.find((app) => app === segment);

/** Repository ids as an app's organization PUT takes them: Dependabot's as strings of digits, the others' as integers. */
function repositoryIds(app: SecretApp, ids: unknown): number[] | undefined {
  if (!Array.isArray(ids)) return undefined;
  if (app === "dependabot") {
    return ids.every((id) => typeof id === "string" && /^\d+$/.test(id)) ? ids.map(Number) : undefined;
  }
  return ids.every((id) => Number.isInteger(id)) ? (ids as number[]) : undefined;
}

/** GitHub's rule for secret names: letters, digits and _, not starting with a digit or `GITHUB_`. */
function nameProblem(name: string): string | undefined {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    return "Secret names can only contain alphanumeric characters ([a-z], [A-Z], [0-9]) or underscores (_), and must not start with a number.";
  }
  return /^GITHUB_/i.test(name) ? "Secret names must not start with GITHUB_." : undefined;
}

const errorBody = (status: number, message = MESSAGES[status] ?? "Error") => ({
  message,
  documentation_url: DOCS,
  status: String(status),
});

/** GitHub's body for a status; for a 403 or 429 the rate limit's message when the headers say it is one. */
function failureBody(status: number, headers: Record<string, string>): unknown {
  const names = Object.keys(headers).map((h) => h.toLowerCase());
  if (status === 403 || status === 429) {
    if (names.includes("retry-after")) return errorBody(status, "You have exceeded a secondary rate limit.");
    if (names.includes("x-ratelimit-remaining")) return errorBody(status, MESSAGES[429]);
  }
  return errorBody(status);
}

/** Stores a PUT secret's plaintext: 201 when it is new, 204 when it replaces one; 422 for what GitHub refuses. */
function putSecret(vault: Vault, name: string, scope: SecretScope, text: string): Reply {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { status: 400, body: errorBody(400) };
  }
  const invalid = (message: string): Reply => ({
    status: 422,
    body: { ...errorBody(422), errors: [{ resource: "Secret", code: "invalid", message }] },
  });
  const problem = nameProblem(name);
  if (problem) return invalid(problem);
  const { encrypted_value: sealed, key_id: keyId, visibility, selected_repository_ids: ids } = body;
  if (typeof sealed !== "string" || typeof keyId !== "string") {
    return invalid("encrypted_value and key_id are required");
  }
  if (keyId !== vault.keyId) return invalid("key_id does not match the current public key");
  let plaintext: string;
  try {
    const opened = openSealedBox(Buffer.from(sealed, "base64"), vault.publicKey, vault.secretKey);
    plaintext = new TextDecoder("utf-8", { fatal: true }).decode(opened);
  } catch {
    return invalid("encrypted_value could not be decrypted with the public key");
  }
  if ("organization" in scope) {
    if (visibility !== "all" && visibility !== "private" && visibility !== "selected") {
      return invalid("visibility must be one of: all, private, selected");
    }
    const numbers = repositoryIds(scope.app ?? "actions", ids);
    if (ids !== undefined && (visibility !== "selected" || !numbers)) {
      return invalid("selected_repository_ids is only allowed, as repository ids, with visibility selected");
    }
    vault.access.set(name.toUpperCase(), {
      visibility,
      ...(numbers ? { selectedRepositoryIds: numbers } : {}),
    });
  }
  const created = !vault.secrets.has(name.toUpperCase());
  vault.secrets.set(name.toUpperCase(), plaintext);
  return created ? { status: 201, body: {} } : { status: 204 };
}

/** Starts the server on 127.0.0.1 with a random port. */
export async function startGitHubServer(options: GitHubServerOptions): Promise<GitHubServer> {
  const prefix = (options.pathPrefix ?? "").replace(/\/+$/, "");
  const vaults = new Map<string, Vault>();
  for (const app of APPS) {
    for (const repository of [...(options.repositories ?? []), ...Object.keys(options.environments ?? {})]) {
      vaults.set(vaultId({ repository, app }), newVault());
    }
    for (const organization of options.organizations ?? []) {
      vaults.set(vaultId({ organization, app }), newVault());
    }
  }
  for (const [repository, environments] of Object.entries(options.environments ?? {})) {
    for (const environment of environments) vaults.set(vaultId({ repository, environment }), newVault());
  }

  const limit = options.rateLimit ?? 5000;
  let used = 0;
  let windowEnds = Math.ceil(Date.now() / 1000) + 3600;

  function rateHeaders(): Record<string, string> {
    return {
      "x-ratelimit-limit": String(limit),
      "x-ratelimit-remaining": String(Math.max(0, limit - used)),
      "x-ratelimit-used": String(used),
      "x-ratelimit-reset": String(windowEnds),
      "x-ratelimit-resource": "core",
    };
  }

  /** The answer to one request no injected failure took. */
  function answer(req: ServerRequest): Reply {
    if (!req.headers["user-agent"]) return { status: 403, body: errorBody(403, MESSAGES.noUserAgent) };
    const version = req.headers["x-github-api-version"];
    if (version !== undefined && !API_VERSIONS.includes(String(version))) {
      return { status: 400, body: errorBody(400, `API version ${version} is not supported.`) };
    }
    const authorization = req.headers.authorization;
    if (authorization === undefined) return { status: 401, body: errorBody(401, "Requires authentication") };
    if (!/^(Bearer|token) /.test(authorization) || authorization.replace(/^\S+ /, "") !== options.token) {
      return { status: 401, body: errorBody(401) };
    }
    if (Date.now() / 1000 >= windowEnds) [used, windowEnds] = [0, Math.ceil(Date.now() / 1000) + 3600];
    if (used >= limit) return { status: 403, body: errorBody(403, MESSAGES[429]), headers: rateHeaders() };
    used++;

    const notFound = { status: 404, body: errorBody(404) };
    const path = new URL(req.url, "http://localhost").pathname;
    if (!path.startsWith(`${prefix}/`)) return notFound;
    const target = route(
      path
        .slice(prefix.length + 1)
        .split("/")
        .map(decodeURIComponent),
    );
    const vault = target && vaults.get(vaultId(target.scope));
    if (!target || !vault) return notFound;
    if (target.name === "public-key") {
      if (req.method !== "GET") return notFound;
      return {
        status: 200,
        body: { key_id: vault.keyId, key: Buffer.from(vault.publicKey).toString("base64") },
      };
    }
    if (req.method !== "PUT") return notFound;
    return putSecret(vault, target.name, target.scope, req.text);
  }

  const http = await startHttpServer<RecordedRequest>({
    answer,
    record: (req, status) => {
      const { authorization: _, ...rest } = req.headers;
      const headers = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, String(v)]));
      return { method: req.method, path: req.url, headers, body: req.body, status };
    },
    failureBody,
    crashed: { status: 400, body: errorBody(400, "Bad request") },
    contentType: "application/json; charset=utf-8",
    headers: (req) => ({
      ...rateHeaders(),
      "x-github-api-version-selected": String(req.headers["x-github-api-version"] ?? API_VERSIONS[0]),
    }),
  });

  const vaultOf = (scope: SecretScope) => {
    const vault = vaults.get(vaultId(scope));
    if (!vault) throw new Error(`the GitHub server has no ${JSON.stringify(scope)}`);
    return vault;
  };
  return {
    url: `${http.origin}${prefix}`,
    secrets: (scope) => new Map(vaultOf(scope).secrets),
    access: (organization, name, app) => vaultOf({ organization, app }).access.get(name.toUpperCase()),
    publicKey: (scope) => {
      const vault = vaultOf(scope);
      return { keyId: vault.keyId, key: Buffer.from(vault.publicKey).toString("base64") };
    },
    rotateKey: (scope) => {
      const vault = vaultOf(scope);
      const rotated = { ...vault, ...newKeyPair() };
      vaults.set(vaultId(scope), rotated);
      return rotated.keyId;
    },
    failNext: http.failNext,
    answerNext: http.answerNext,
    answerWhen: http.answerWhen,
    requests: http.requests,
    close: http.close,
  };
}
