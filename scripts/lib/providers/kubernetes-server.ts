import type { Certificate } from "./certificate";
import {
  type FailureInjection,
  fieldsOf,
  type Reply,
  type ServerRequest,
  startHttpServer,
} from "./http-server";

/**
 * A local stand-in for a Kubernetes API server, only the endpoints keyrotor calls:
 * `GET|PATCH /api/v1/namespaces/{ns}/secrets/{name}`, `POST /api/v1/namespaces/{ns}/secrets` and
 * `GET|PATCH /apis/apps/v1/namespaces/{ns}/deployments/{name}`. It answers as the API reference
 * documents: a bearer token checked first (401 `Status` Unauthorized), then the token's RBAC rights
 * (403 Forbidden), 404 NotFound for a missing object or namespace, 409 AlreadyExists for a create
 * of an existing Secret, 415 for a patch type other than JSON merge or strategic merge patch, 400
 * for data that is not base64, 422 Invalid for a bad data key or a change to an immutable Secret's
 * data. Every answer's error is a `Status` object.
 */

/** A right of the token, as RBAC names it: a verb on a resource, e.g. `patch deployments`. */
export type Right = `${"get" | "create" | "patch"} ${"secrets" | "deployments"}`;

export const ALL_RIGHTS: readonly Right[] = [
  "get secrets",
  "create secrets",
  "patch secrets",
  "get deployments",
  "patch deployments",
];

/** A Secret as the server stores it: `data` base64, as the API shows it. */
export interface StoredSecret {
  metadata: { name: string; namespace: string; resourceVersion: string; labels?: Record<string, string> };
  type: string;
  immutable?: boolean;
  data: Record<string, string>;
}

interface StoredDeployment {
  metadata: { name: string; namespace: string; generation: number; resourceVersion: string };
  spec: { template: { metadata: { annotations?: Record<string, string> } } };
}

export interface KubernetesServer extends FailureInjection<ServerRequest> {
  /** The API server's address, to configure as `apiUrl`. */
  readonly url: string;
  /** A Secret's data, decoded; `undefined` when there is none. */
  secret(namespace: string, name: string): Record<string, string> | undefined;
  /** A Secret as stored (base64 data, type, labels, resourceVersion). */
  stored(namespace: string, name: string): StoredSecret | undefined;
  /** Stores a Secret directly, as `kubectl create secret generic` would (plain values). */
  seed(
    namespace: string,
    name: string,
    data: Record<string, string>,
    options?: { immutable?: boolean },
  ): void;
  /** A Deployment's generation (it grows with each change of its pod template) and template annotations. */
  deployment(namespace: string, name: string): { generation: number; annotations: Record<string, string> };
  /** Every request received, in order (never a body, which holds the key). */
  readonly requests: { method: string; url: string; contentType: string }[];
  close(): Promise<void>;
}

/** A `Status` answer, the form of every error of the API server. */
function status(code: number, reason: string, message: string, details?: unknown): Reply {
  return {
    status: code,
    body: {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message,
      reason,
      ...(details === undefined ? {} : { details }),
      code,
    },
  };
}

const REASONS: Readonly<Record<number, string>> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  409: "Conflict",
  422: "Invalid",
  429: "TooManyRequests",
  500: "InternalError",
  503: "ServiceUnavailable",
};

const KEY = /^(?!\.{1,2}$)[-._a-zA-Z0-9]{1,253}$/;
const BASE64 = /^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** JSON merge patch (RFC 7386): objects merge key by key, `null` removes, anything else replaces. */
function merged(target: unknown, patch: unknown): unknown {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    typeof target === "object" && target !== null && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = merged(out[key], value);
  }
  return out;
}

/**
 * Starts the server on 127.0.0.1 (a free port) with `namespaces` and `deployments` (`ns/name`); the
 * token holds `rights` (every one by default).
 */
export async function startKubernetesServer(options: {
  token: string;
  namespaces: readonly string[];
  deployments?: readonly string[];
  rights?: readonly Right[];
  /** Serve https with this certificate, as an API server shows its cluster CA's. */
  tls?: Certificate;
}): Promise<KubernetesServer> {
  const namespaces = new Set(options.namespaces);
  const rights = new Set(options.rights ?? ALL_RIGHTS);
  const secrets = new Map<string, StoredSecret>();
  const deployments = new Map<string, StoredDeployment>();
  let revision = 100;
  const nextRevision = () => String(++revision);
  for (const ref of options.deployments ?? []) {
    const [namespace = "", name = ""] = ref.split("/");
    deployments.set(ref, {
      metadata: { name, namespace, generation: 1, resourceVersion: nextRevision() },
      spec: { template: { metadata: {} } },
    });
  }

  const forbidden = (verb: string, resource: string, name: string, namespace: string) =>
    status(
      403,
      "Forbidden",
      `${resource} "${name}" is forbidden: User "system:serviceaccount:${namespace}:keyrotor" cannot ${verb} resource "${resource}" in API group "${resource === "deployments" ? "apps" : ""}" in the namespace "${namespace}"`,
      { name, kind: resource },
    );
  const notFound = (resource: string, name: string) =>
    status(404, "NotFound", `${resource} "${name}" not found`, { name, kind: resource });

  /** Why the API server would refuse this Secret's data, or undefined. */
  function invalidData(secret: StoredSecret, before?: StoredSecret): Reply | undefined {
    const data = secret.data;
    if (typeof data !== "object" || data === null || Array.isArray(data)) {
      return status(
        400,
        "BadRequest",
        'Secret in version "v1" cannot be handled as a Secret: data must be an object',
      );
    }
    for (const [key, value] of Object.entries(data)) {
      if (typeof value !== "string" || !BASE64.test(value)) {
        return status(
          400,
          "BadRequest",
          `Secret in version "v1" cannot be handled as a Secret: illegal base64 data`,
        );
      }
      if (!KEY.test(key)) {
        return status(
          422,
          "Invalid",
          `Secret "${secret.metadata.name}" is invalid: data[${key}]: Invalid value`,
          {
            name: secret.metadata.name,
            kind: "Secret",
            causes: [{ reason: "FieldValueInvalid", message: "Invalid value", field: `data[${key}]` }],
          },
        );
      }
    }
    if (before?.immutable && JSON.stringify(before.data) !== JSON.stringify(data)) {
      return status(
        422,
        "Invalid",
        `Secret "${secret.metadata.name}" is invalid: data: Forbidden: field is immutable when \`immutable\` is set`,
        {
          name: secret.metadata.name,
          kind: "Secret",
          causes: [
            {
              reason: "FieldValueForbidden",
              message: "Forbidden: field is immutable when `immutable` is set",
              field: "data",
            },
          ],
        },
      );
    }
    return undefined;
  }

  function patchable(req: ServerRequest): Reply | undefined {
    const type = String(req.headers["content-type"] ?? "").split(";")[0];
    if (type === "application/merge-patch+json" || type === "application/strategic-merge-patch+json")
      return undefined;
    return status(
      415,
      "UnsupportedMediaType",
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
    );
  }

  function answer(req: ServerRequest): Reply {
    if (req.headers.authorization !== `Bearer ${options.token}`)
      return status(401, "Unauthorized", "Unauthorized");
    const path = new URL(req.url, "http://localhost").pathname.split("/").map(decodeURIComponent);
    const verb =
      req.method === "GET" ? "get" : req.method === "POST" ? "create" : req.method === "PATCH" ? "patch" : "";
    // /api/v1/namespaces/{ns}/secrets[/{name}]
    if (
      path[1] === "api" &&
      path[2] === "v1" &&
      path[3] === "namespaces" &&
      path[5] === "secrets" &&
      path.length <= 7
    ) {
      const namespace = path[4] ?? "";
      const name = path[6];
      if (!rights.has(`${verb} secrets` as Right))
        return forbidden(verb || "update", "secrets", name ?? "", namespace);
      if (name === undefined) {
        if (req.method !== "POST")
          return status(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
          );
        if (!namespaces.has(namespace)) return notFound("namespaces", namespace);
        const body = fieldsOf(req.body);
        const metadata = fieldsOf(body.metadata);
        const created: StoredSecret = {
          metadata: {
            name: String(metadata.name ?? ""),
            namespace,
            resourceVersion: nextRevision(),
            ...(metadata.labels ? { labels: metadata.labels as Record<string, string> } : {}),
          },
          type: typeof body.type === "string" ? body.type : "Opaque",
          data: (body.data ?? {}) as Record<string, string>,
        };
        const key = `${namespace}/${created.metadata.name}`;
        if (secrets.has(key)) {
          return status(409, "AlreadyExists", `secrets "${created.metadata.name}" already exists`, {
            name: created.metadata.name,
            kind: "secrets",
          });
        }
        const refused = invalidData(created);
        if (refused) return refused;
        secrets.set(key, created);
        return { status: 201, body: { kind: "Secret", apiVersion: "v1", ...created } };
      }
      const found = secrets.get(`${namespace}/${name}`);
      if (!found) return notFound("secrets", name);
      if (req.method === "GET") return { status: 200, body: { kind: "Secret", apiVersion: "v1", ...found } };
      if (req.method === "PATCH") {
        const unsupported = patchable(req);
        if (unsupported) return unsupported;
        const next = merged(found, req.body) as StoredSecret;
        const refused = invalidData(next, found);
        if (refused) return refused;
        const changed = JSON.stringify(next) !== JSON.stringify(found);
        const stored = changed
          ? { ...next, metadata: { ...next.metadata, resourceVersion: nextRevision() } }
          : found;
        secrets.set(`${namespace}/${name}`, stored);
        return { status: 200, body: { kind: "Secret", apiVersion: "v1", ...stored } };
      }
      return status(
        405,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
      );
    }
    // /apis/apps/v1/namespaces/{ns}/deployments/{name}
    if (
      path[1] === "apis" &&
      path[2] === "apps" &&
      path[3] === "v1" &&
      path[4] === "namespaces" &&
      path[6] === "deployments" &&
      path.length === 8
    ) {
      const namespace = path[5] ?? "";
      const name = path[7] ?? "";
      if (!rights.has(`${verb} deployments` as Right))
        return forbidden(verb || "update", "deployments", name, namespace);
      const found = deployments.get(`${namespace}/${name}`);
      if (!found) return notFound("deployments.apps", name);
      if (req.method === "GET")
        return { status: 200, body: { kind: "Deployment", apiVersion: "apps/v1", ...found } };
      if (req.method === "PATCH") {
        const unsupported = patchable(req);
        if (unsupported) return unsupported;
        const next = merged(found, req.body) as StoredDeployment;
        const changed = JSON.stringify(next.spec) !== JSON.stringify(found.spec);
        const stored = changed
          ? {
              ...next,
              metadata: {
                ...next.metadata,
                generation: found.metadata.generation + 1,
                resourceVersion: nextRevision(),
              },
            }
          : found;
        deployments.set(`${namespace}/${name}`, stored);
        return { status: 200, body: { kind: "Deployment", apiVersion: "apps/v1", ...stored } };
      }
      return status(
        405,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
      );
    }
    return status(404, "NotFound", "the server could not find the requested resource");
  }

  const http = await startHttpServer({
    answer,
    record: (req) => ({
      method: req.method,
      url: req.url,
      contentType: String(req.headers["content-type"] ?? ""),
    }),
    failureBody: (code) => status(code, REASONS[code] ?? "Unknown", REASONS[code] ?? "error").body,
    crashed: status(500, "InternalError", "Internal error occurred"),
    contentType: "application/json",
    ...(options.tls ? { tls: options.tls } : {}),
  });
  const decode = (data: Record<string, string>) =>
    Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
  return {
    url: http.origin,
    secret(namespace, name) {
      const found = secrets.get(`${namespace}/${name}`);
      return found ? decode(found.data) : undefined;
    },
    stored: (namespace, name) => structuredClone(secrets.get(`${namespace}/${name}`)),
    seed(namespace, name, data, seeded = {}) {
      secrets.set(`${namespace}/${name}`, {
        metadata: { name, namespace, resourceVersion: nextRevision() },
        type: "Opaque",
        ...(seeded.immutable ? { immutable: true } : {}),
        data: Object.fromEntries(
          Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString("base64")]),
        ),
      });
    },
    deployment(namespace, name) {
      const found = deployments.get(`${namespace}/${name}`);
      if (!found) throw new Error(`no deployment ${namespace}/${name} on the Kubernetes server`);
      return {
        generation: found.metadata.generation,
        annotations: { ...found.spec.template.metadata.annotations },
      };
    },
    failNext: http.failNext,
    failWhen: http.failWhen,
    answerNext: http.answerNext,
    answerWhen: http.answerWhen,
    requests: http.requests,
    close: http.close,
  };
}
