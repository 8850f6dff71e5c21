import type { Redacted } from "../redacted";
import { type ApiRequest, type ApiResponse, apiUrl, callApi, type FailureText, type Refusals } from "./http";
import { hostOf, type KubernetesDestination, kubernetesPlace } from "./kinds/kubernetes";
import { readBackError } from "./read-back";
import {
  DEFAULT_HTTP_DEPS,
  DEFAULT_VARIABLE_NAMES,
  DeliveryError,
  type DestinationWriter,
  type HttpDeps,
} from "./types";

/** The pod template annotation a restart sets: the new key's id (never its secret), so pods roll once per key. */
export const ROTATED_KEY_ANNOTATION = "keyrotor.io/rotated-key";

/** JSON merge patch (RFC 7386): what every resource takes, custom ones included; maps merge key by key. */
const MERGE_PATCH = "application/merge-patch+json";

/** The verbs the token's Role must allow, for a fix. */
function roleOf(dest: KubernetesDestination): string {
  const secrets = "get, create and patch on secrets";
  return `a Role in namespace ${dest.namespace} allowing ${secrets}${dest.restart ? " and patch on deployments (group apps)" : ""}, bound to the token's service account`;
}

function fixesFor(dest: KubernetesDestination): FailureText["fixes"] {
  return {
    unauthorized: `put a valid service account token of the cluster at ${hostOf(dest.apiUrl)} in the secret ${dest.tokenSecret}: the one there is missing, expired or its service account deleted`,
    forbidden: `give the token in ${dest.tokenSecret} ${roleOf(dest)}`,
    "not-found": `check namespace ${dest.namespace} and apiUrl ${dest.apiUrl} (the cluster's API server) in keyrotor's configuration`,
    rejected: `check the data key names in keyrotor's configuration, and that Secret ${dest.namespace}/${dest.name} is not immutable`,
  };
}

/** The fields the API server names in a refusal (`details.causes[].field`), in keyrotor's words. */
const REFUSALS: Refusals = {
  phrases: {
    immutable: "data (the Secret is immutable)",
    data: "data (a key name)",
    type: "type",
  },
  recognise(body) {
    const causes = (body as { details?: { causes?: unknown } } | null)?.details?.causes;
    if (!Array.isArray(causes)) return [];
    return causes.flatMap((cause) => {
      const { field, message } = (cause ?? {}) as { field?: unknown; message?: unknown };
      if (typeof field !== "string") return [];
      const top = field.split(/[.[]/)[0] ?? "";
      return top === "data" && typeof message === "string" && message.includes("immutable")
        ? ["immutable"]
        : [top];
    });
  },
};

const base64 = (value: string) => Buffer.from(value, "utf8").toString("base64");

/** A Secret's `data` as the API server answered it: key to base64 text. */
function dataOf(response: ApiResponse): Record<string, unknown> {
  if (response.status !== 200) return {};
  const data = (response.body as { data?: unknown } | null)?.data;
  return typeof data === "object" && data !== null ? (data as Record<string, unknown>) : {};
}

/**
 * Writes a key to two data keys of a Kubernetes Secret (`dest.namespace`/`dest.name`) through the
 * cluster's API server, with a service account token. The Secret is created (type Opaque) when
 * there is none, otherwise its two keys are merge-patched and every other key is left as it is; a
 * Secret that holds the key already is not patched. The Secret is read back and both keys compared.
 * With `restart`, the Deployment's pod template is annotated with the new key's id afterwards, so
 * its pods roll once per new key (the same key twice changes nothing, and rolls nothing).
 */
export function createKubernetesWriter(
  dest: KubernetesDestination,
  token: Redacted<string>,
  deps: HttpDeps = DEFAULT_HTTP_DEPS,
): DestinationWriter {
  const names = dest.names ?? DEFAULT_VARIABLE_NAMES;
  const place = kubernetesPlace(dest);
  const fixes = fixesFor(dest);
  const what = `Kubernetes Secret ${place}`;
  const ns = `/api/v1/namespaces/${encodeURIComponent(dest.namespace)}`;
  const secrets = apiUrl(dest.apiUrl, `${ns}/secrets`);
  const secret = `${secrets}/${encodeURIComponent(dest.name)}`;
  const call = (
    request: Omit<ApiRequest, "headers">,
    text: FailureText = { what, fixes, refusals: REFUSALS },
    options?: { allowNotFound?: boolean },
  ) =>
    callApi(
      deps,
      { ...request, headers: { authorization: `Bearer ${token.reveal()}`, accept: "application/json" } },
      text,
      options,
    );
  const read = () => call({ method: "GET", url: secret }, undefined, { allowNotFound: true });
  const holds = (found: Record<string, unknown>, data: Record<string, string>) =>
    Object.entries(data).every(([name, value]) => found[name] === value);
  const patch = (data: Record<string, string>) =>
    call({ method: "PATCH", url: secret, contentType: MERGE_PATCH, body: { data } });

  async function restart(deployment: string, accessKeyId: string) {
    const at = `${dest.namespace}/${deployment} at ${hostOf(dest.apiUrl)}`;
    await call(
      {
        method: "PATCH",
        url: apiUrl(
          dest.apiUrl,
          `/apis/apps/v1/namespaces/${encodeURIComponent(dest.namespace)}/deployments/${encodeURIComponent(deployment)}`,
        ),
        contentType: MERGE_PATCH,
        body: {
          spec: { template: { metadata: { annotations: { [ROTATED_KEY_ANNOTATION]: accessKeyId } } } },
        },
      },
      {
        what: `the restart of Kubernetes Deployment ${at} (the Secret is written)`,
        fixes: {
          ...fixes,
          "not-found": `check restart.deployment (${deployment}) and namespace ${dest.namespace} in keyrotor's configuration`,
          rejected: `check restart.deployment (${deployment}) in keyrotor's configuration`,
        },
      },
    );
  }

  return {
    async deliver(key) {
      const data = {
        [names.accessKeyId]: base64(key.accessKeyId),
        [names.secretAccessKey]: base64(key.secretAccessKey.reveal()),
      };
      const found = await read();
      if (found.status === 404) {
        const created = {
          apiVersion: "v1",
          kind: "Secret",
          metadata: {
            name: dest.name,
            namespace: dest.namespace,
            labels: { "app.kubernetes.io/managed-by": "keyrotor" },
          },
          type: "Opaque",
          data,
        };
        try {
          await call({ method: "POST", url: secrets, body: created });
        } catch (error) {
          // Another delivery of this key (a job delivered twice) created it since the read: patch it.
          if (!(error instanceof DeliveryError) || error.status !== 409) throw error;
          await patch(data);
        }
      } else if (!holds(dataOf(found), data)) {
        await patch(data);
      }
      if (!holds(dataOf(await read()), data)) throw readBackError(what, `Secret ${place}`);
      if (dest.restart) await restart(dest.restart.deployment, key.accessKeyId);
    },
  };
}
