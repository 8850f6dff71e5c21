import type { Redacted } from "../redacted";
import { type ApiRequest, type ApiResponse, apiUrl, callApi, type FailureText, type Refusals } from "./http";
import { type VaultDestination, vaultPlace } from "./kinds/vault";
import { readBackError } from "./read-back";
import {
  DEFAULT_HTTP_DEPS,
  DEFAULT_VARIABLE_NAMES,
  DeliveryError,
  type DestinationWriter,
  type HttpDeps,
} from "./types";

/** A KV path's segments, each escaped: `a/b c` is `a/b%20c`. */
const escaped = (path: string) => path.split("/").map(encodeURIComponent).join("/");

function fixesFor(dest: VaultDestination): FailureText["fixes"] {
  const ns = dest.namespace ? ` in namespace ${dest.namespace}` : "";
  const policy = `a policy granting create, update and read on ${dest.mount}/data/${dest.path} and read on ${dest.mount}/metadata/${dest.path}${ns}`;
  return {
    unauthorized: `put a valid Vault token with ${policy} in the secret ${dest.tokenSecret}`,
    // Vault answers 403 "permission denied" alike for a token it does not know and a policy that falls short.
    forbidden: `put a valid Vault token (one not expired or revoked) with ${policy} in the secret ${dest.tokenSecret}`,
    "not-found": `check that ${dest.mount} is a KV version 2 secrets engine${ns}, and that apiUrl ${dest.apiUrl} is the server's address (without /v1)`,
    rejected: `check that ${dest.mount} is a KV version 2 secrets engine and the key names in keyrotor's configuration`,
  };
}

/** What Vault refuses in a write, recognised from its `{"errors": [...]}` body and told in keyrotor's words. */
const REFUSALS: Refusals = {
  phrases: {
    cas: "check-and-set version (another writer changed the secret since keyrotor read it)",
    "cas-required": "check-and-set version (required by the mount)",
  },
  recognise(body) {
    const errors = (body as { errors?: unknown } | null)?.errors;
    if (!Array.isArray(errors)) return [];
    return errors.flatMap((e) =>
      typeof e !== "string"
        ? []
        : e.includes("check-and-set parameter did not match")
          ? ["cas"]
          : e.includes("check-and-set parameter required")
            ? ["cas-required"]
            : [],
    );
  },
};

/** The fields of a KV v2 answer keyrotor reads: `data.data` (the values) and the versions. */
interface KvAnswer {
  readonly data?: {
    readonly data?: unknown;
    readonly version?: unknown;
    readonly current_version?: unknown;
    readonly metadata?: { readonly version?: unknown };
  };
}

const kv = (response: ApiResponse) => (response.body ?? {}) as KvAnswer;

/** The values of a secret version as Vault answered them; `{}` when it has none (deleted, destroyed, absent). */
function valuesOf(response: ApiResponse): Record<string, unknown> {
  if (response.status !== 200) return {};
  const values = kv(response).data?.data;
  return typeof values === "object" && values !== null && !Array.isArray(values)
    ? (values as Record<string, unknown>)
    : {};
}

/**
 * Writes a key to two fields of a secret in a HashiCorp Vault KV version 2 engine (`dest.mount`,
 * `dest.path`, in Vault Enterprise or HCP Vault `dest.namespace`). Each write is a check-and-set:
 * keyrotor reads the secret's current version (0 when there is none) and that version's values,
 * keeps every other field, and writes with `options.cas` set to that version, so a writer in between
 * is never overwritten blindly; a write refused as stale is read and tried again once. A secret that
 * already holds the key is not written again (no new version). The written version is read back.
 */
export function createVaultWriter(
  dest: VaultDestination,
  token: Redacted<string>,
  deps: HttpDeps = DEFAULT_HTTP_DEPS,
): DestinationWriter {
  const names = dest.names ?? DEFAULT_VARIABLE_NAMES;
  const place = vaultPlace(dest);
  const what = `Vault secret ${place}`;
  const text: FailureText = { what, fixes: fixesFor(dest), refusals: REFUSALS };
  const url = (kind: "data" | "metadata", query = "") =>
    apiUrl(dest.apiUrl, `/v1/${escaped(dest.mount)}/${kind}/${escaped(dest.path)}${query}`);
  const headers = () => ({
    "x-vault-token": token.reveal(),
    ...(dest.namespace ? { "x-vault-namespace": dest.namespace } : {}),
    accept: "application/json",
  });
  const call = (request: Omit<ApiRequest, "headers">, options?: { allowNotFound?: boolean }) =>
    callApi(deps, { ...request, headers: headers() }, text, options);

  /** The current version (0 when the secret has none) and its values. */
  async function current(): Promise<{ version: number; values: Record<string, unknown> }> {
    const metadata = await call({ method: "GET", url: url("metadata") }, { allowNotFound: true });
    const version = metadata.status === 200 ? kv(metadata).data?.current_version : 0;
    if (typeof version !== "number" || !Number.isInteger(version) || version < 0) {
      throw unexpected("the secret's metadata has no current version");
    }
    if (version === 0) return { version, values: {} };
    // That version exactly: a write after the metadata read then fails its check-and-set, as it should.
    const read = await call(
      { method: "GET", url: url("data", `?version=${version}`) },
      { allowNotFound: true },
    );
    return { version, values: valuesOf(read) };
  }

  const unexpected = (why: string) =>
    new DeliveryError(
      `${what} could not be written: ${why} (not a KV version 2 answer)`,
      "rejected",
      `check that ${dest.mount} is a KV version 2 secrets engine (a version 1 engine takes the write elsewhere) and that apiUrl ${dest.apiUrl} is the server's address`,
    );

  /** Writes `values` over the current version's, with its check-and-set; the version written. */
  async function write(
    base: { version: number; values: Record<string, unknown> },
    values: Record<string, string>,
  ) {
    const answer = await call({
      method: "POST",
      url: url("data"),
      body: { options: { cas: base.version }, data: { ...base.values, ...values } },
    });
    const version = kv(answer).data?.version;
    if (typeof version !== "number") throw unexpected("Vault's answer to the write has no version");
    return version;
  }

  const holds = (found: Record<string, unknown>, values: Record<string, string>) =>
    Object.entries(values).every(([name, value]) => found[name] === value);

  return {
    async deliver(key) {
      const values = {
        [names.accessKeyId]: key.accessKeyId,
        [names.secretAccessKey]: key.secretAccessKey.reveal(),
      };
      let base = await current();
      // Already there (a delivery repeated): a new version would only push older ones out.
      if (holds(base.values, values)) return;
      let version: number;
      try {
        version = await write(base, values);
      } catch (error) {
        if (!(error instanceof DeliveryError) || !error.refused.includes("cas")) throw error;
        base = await current();
        if (holds(base.values, values)) return;
        try {
          version = await write(base, values);
        } catch (again) {
          if (!(again instanceof DeliveryError) || !again.refused.includes("cas")) throw again;
          throw new DeliveryError(
            `${what} could not be written: another writer changed it between keyrotor's read and its write, twice (check-and-set refused)`,
            "rejected",
            `nothing if another process was writing ${place} just then: keyrotor tries again on its next run; otherwise find what rewrites it so often`,
            { status: again.status, refused: again.refused },
          );
        }
      }
      const read = await call(
        { method: "GET", url: url("data", `?version=${version}`) },
        { allowNotFound: true },
      );
      if (!holds(valuesOf(read), values)) throw readBackError(what, place);
    },
  };
}
