import {
  type FailureInjection,
  fieldsOf,
  type Reply,
  type ServerRequest,
  startHttpServer,
} from "./http-server";

/**
 * A local stand-in for HashiCorp Vault's HTTP API, only the KV version 2 endpoints keyrotor calls:
 * `GET /v1/:mount/metadata/:path` (the secret's versions, `current_version`),
 * `GET /v1/:mount/data/:path?version=N` (a version's `data` and `metadata`) and
 * `POST|PUT /v1/:mount/data/:path` (`{"options": {"cas": N}, "data": {...}}`, a new version). It
 * answers as Vault documents: the token from `X-Vault-Token` (or `Authorization: Bearer`) checked
 * first, and 403 `{"errors":["permission denied"]}` for a wrong or missing one (Vault never says
 * 401); `X-Vault-Namespace` picks the namespace; 404 `{"errors":[]}` for a secret or version that
 * does not exist (a deleted version's answer still carries its metadata); 400 when a check-and-set
 * does not match the current version, or is missing where the mount requires it. A version 1 mount
 * takes any path as a key and answers a write with 204 and no body.
 */

/** Names a secret of the server: its mount, path and namespace (the root one, `""`, by default). */
export interface VaultRef {
  readonly mount?: string;
  readonly path: string;
  readonly namespace?: string;
}

export interface RecordedRequest {
  readonly method: string;
  /** Path and query as received, e.g. `/v1/secret/data/ci/deployer?version=2`. */
  readonly url: string;
  readonly namespace: string;
  /** A write's `options.cas`, when it had one (never its data, which holds the key). */
  readonly cas?: unknown;
}

interface Version {
  readonly data: Record<string, unknown> | null;
  readonly created: string;
  deleted: string;
}

/** Injected failures match on the request as received (method, url, headers, body). */
export interface VaultServer extends FailureInjection<ServerRequest> {
  /** The address to configure as `apiUrl`, e.g. `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** A secret's latest version's data, `undefined` when it has none (or it is deleted). */
  read(ref: VaultRef): Record<string, unknown> | undefined;
  /** How many versions a secret has (its `current_version`). */
  versions(ref: VaultRef): number;
  /** Writes a version directly, as another writer would (no check-and-set). */
  seed(ref: VaultRef, data: Record<string, unknown>): void;
  /** Soft-deletes a secret's latest version, as `vault kv delete` does. */
  deleteLatest(ref: VaultRef): void;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

const DENIED: Reply = { status: 403, body: { errors: ["permission denied"] } };
const NOT_FOUND: Reply = { status: 404, body: { errors: [] } };

/** Vault's envelope around an answer's `data`. */
const envelope = (data: unknown) => ({
  request_id: "00000000-0000-4000-8000-000000000000",
  lease_id: "",
  renewable: false,
  lease_duration: 0,
  data,
  wrap_info: null,
  warnings: null,
  auth: null,
});

const versionMetadata = (v: Version, version: number) => ({
  created_time: v.created,
  custom_metadata: null,
  deletion_time: v.deleted,
  destroyed: false,
  version,
});

/**
 * Starts the server on 127.0.0.1 (a free port). `mounts` are KV version 2 engines in every
 * namespace of `namespaces` (`""`, the root namespace, always; `cas` mounts require a
 * check-and-set), `v1Mounts` version 1 engines.
 */
export async function startVaultServer(options: {
  token: string;
  mounts?: readonly string[];
  casRequired?: readonly string[];
  v1Mounts?: readonly string[];
  namespaces?: readonly string[];
}): Promise<VaultServer> {
  const mounts = options.mounts ?? ["secret"];
  const namespaces = new Set(["", ...(options.namespaces ?? [])]);
  const secrets = new Map<string, Version[]>();
  const keyOf = (namespace: string, mount: string, path: string) => `${namespace}|${mount}|${path}`;
  const refKey = (ref: VaultRef) => keyOf(ref.namespace ?? "", ref.mount ?? "secret", ref.path);
  const now = () => new Date().toISOString();

  /** The mount a path starts with, longest first, and the rest. */
  function split(rest: string, known: readonly string[]): { mount: string; rest: string } | undefined {
    const mount = [...known]
      .sort((a, b) => b.length - a.length)
      .find((m) => rest === m || rest.startsWith(`${m}/`));
    return mount === undefined ? undefined : { mount, rest: rest.slice(mount.length + 1) };
  }

  function answer(req: ServerRequest): Reply {
    const bearer = req.headers.authorization?.replace(/^Bearer /, "");
    if ((req.headers["x-vault-token"] ?? bearer) !== options.token) return DENIED;
    const namespace = String(req.headers["x-vault-namespace"] ?? "").replace(/^\/+|\/+$/g, "");
    // An unknown namespace reads as one the token has no rights in.
    if (!namespaces.has(namespace)) return DENIED;
    const url = new URL(req.url, "http://localhost");
    if (!url.pathname.startsWith("/v1/")) return { status: 404, body: { errors: [] } };
    const rest = url.pathname.slice(4).split("/").map(decodeURIComponent).join("/");
    const v1 = split(rest, options.v1Mounts ?? []);
    if (v1) return answerV1(req, keyOf(namespace, v1.mount, v1.rest));
    const at = split(rest, mounts);
    const [, endpoint, path] = at?.rest.match(/^(data|metadata)\/(.+)$/) ?? [];
    if (!at || !endpoint || !path) {
      return { status: 404, body: { errors: [`no handler for route "${rest}". route entry not found.`] } };
    }
    const key = keyOf(namespace, at.mount, path);
    const versions = secrets.get(key) ?? [];

    if (endpoint === "metadata" && req.method === "GET") {
      if (!versions.length) return NOT_FOUND;
      return {
        status: 200,
        body: envelope({
          cas_required: (options.casRequired ?? []).includes(at.mount),
          created_time: versions[0]?.created,
          current_version: versions.length,
          custom_metadata: null,
          delete_version_after: "0s",
          max_versions: 0,
          oldest_version: 0,
          updated_time: versions.at(-1)?.created,
          versions: Object.fromEntries(versions.map((v, i) => [String(i + 1), versionMetadata(v, i + 1)])),
        }),
      };
    }
    if (endpoint === "data" && req.method === "GET") {
      const asked = url.searchParams.get("version");
      const number = asked === null || asked === "0" ? versions.length : Number(asked);
      const version = Number.isInteger(number) ? versions[number - 1] : undefined;
      if (!version) return NOT_FOUND;
      const metadata = versionMetadata(version, number);
      if (version.deleted) return { status: 404, body: envelope({ data: null, metadata }) };
      return { status: 200, body: envelope({ data: version.data, metadata }) };
    }
    if (endpoint === "data" && (req.method === "POST" || req.method === "PUT")) {
      const body = fieldsOf(req.body);
      const data = body.data;
      if (typeof data !== "object" || data === null || Array.isArray(data)) {
        return { status: 400, body: { errors: ["no data provided"] } };
      }
      const cas = fieldsOf(body.options).cas;
      if (cas === undefined && (options.casRequired ?? []).includes(at.mount)) {
        return { status: 400, body: { errors: ["check-and-set parameter required for this call"] } };
      }
      if (cas !== undefined && cas !== versions.length) {
        return {
          status: 400,
          body: { errors: ["check-and-set parameter did not match the current version"] },
        };
      }
      const version: Version = {
        data: { ...(data as Record<string, unknown>) },
        created: now(),
        deleted: "",
      };
      secrets.set(key, [...versions, version]);
      return { status: 200, body: envelope(versionMetadata(version, versions.length + 1)) };
    }
    return { status: 405, body: { errors: ["1 error occurred:\n\t* unsupported operation\n\n"] } };
  }

  /** A version 1 engine: any path is a key, written whole, answered with no body. */
  function answerV1(req: ServerRequest, key: string): Reply {
    if (req.method === "GET") {
      const [stored] = secrets.get(key) ?? [];
      return stored ? { status: 200, body: envelope(stored.data) } : NOT_FOUND;
    }
    if (req.method === "POST" || req.method === "PUT") {
      secrets.set(key, [{ data: fieldsOf(req.body), created: now(), deleted: "" }]);
      return { status: 204 };
    }
    return { status: 405, body: { errors: ["unsupported operation"] } };
  }

  const http = await startHttpServer<RecordedRequest>({
    answer,
    record: (req) => {
      const cas = fieldsOf(fieldsOf(req.body).options).cas;
      return {
        method: req.method,
        url: req.url,
        namespace: String(req.headers["x-vault-namespace"] ?? ""),
        ...(cas === undefined ? {} : { cas }),
      };
    },
    failureBody: (status) =>
      status === 429
        ? { errors: ['request path "secret/data/x": rate limit quota exceeded'] }
        : { errors: [status >= 500 ? "Vault is sealed" : "permission denied"] },
    crashed: { status: 500, body: { errors: ["internal error"] } },
    contentType: "application/json",
  });
  return {
    url: http.origin,
    read(ref) {
      const latest = secrets.get(refKey(ref))?.at(-1);
      return latest && !latest.deleted && latest.data ? { ...latest.data } : undefined;
    },
    versions: (ref) => secrets.get(refKey(ref))?.length ?? 0,
    seed(ref, data) {
      const key = refKey(ref);
      secrets.set(key, [...(secrets.get(key) ?? []), { data: { ...data }, created: now(), deleted: "" }]);
    },
    deleteLatest(ref) {
      const latest = secrets.get(refKey(ref))?.at(-1);
      if (!latest) throw new Error("no such secret on the Vault server");
      latest.deleted = now();
    },
    failNext: http.failNext,
    failWhen: http.failWhen,
    answerNext: http.answerNext,
    answerWhen: http.answerWhen,
    requests: http.requests,
    close: http.close,
  };
}
