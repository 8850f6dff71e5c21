import { Redacted } from "../redacted";
import { apiUrl, callApi, type FailureText } from "./http";
import { type GitHubApp, type GitHubDestination, githubApp } from "./kinds/github";
import { sealBox } from "./sealed-box";
import {
  DEFAULT_HTTP_DEPS,
  DEFAULT_VARIABLE_NAMES,
  DeliveryError,
  type DestinationWriter,
  type HttpDeps,
} from "./types";

/**
 * The REST API version keyrotor speaks. GitHub keeps a version for at least two years after its
 * successor, and GitHub Enterprise Server releases of that age know only this one.
 */
const API_VERSION = "2022-11-28";

/** Where the secrets live: a repository's, one of its environments', or an organization's, of one app. */
interface Scope {
  /** The path the `/secrets/public-key` and `/secrets/{name}` endpoints hang under. */
  readonly path: string;
  readonly label: string;
  /** What the token needs, for a fix: fine-grained permissions, then classic scopes. */
  readonly grant: string;
}

/** How each app's secrets read (Actions' as they always did), and the fine-grained permissions that write them. */
const APPS: Readonly<Record<GitHubApp, { name: string; repository: string; organization: string }>> = {
  actions: { name: "", repository: "Secrets", organization: "Secrets" },
  dependabot: {
    name: "Dependabot ",
    repository: "Dependabot secrets",
    organization: "Organization dependabot secrets",
  },
  codespaces: {
    name: "Codespaces ",
    repository: "Codespaces secrets",
    organization: "Organization codespaces secrets",
  },
};

function scopeOf(dest: GitHubDestination): Scope {
  const app = githubApp(dest);
  const permission = APPS[app];
  if (dest.organization !== undefined) {
    return {
      path: `/orgs/${encodeURIComponent(dest.organization)}/${app}`,
      label: `organization ${dest.organization}`,
      grant: `the "${permission.organization}" organization permission (read and write) on organization ${dest.organization} for a fine-grained token, or the admin:org scope${app === "actions" ? " (and repo, for private repositories)" : ""} for a classic one`,
    };
  }
  const [owner = "", repo = ""] = (dest.repository ?? "").split("/");
  const repository = `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`;
  if (dest.environment !== undefined) {
    return {
      path: `${repository}/environments/${encodeURIComponent(dest.environment)}`,
      label: `environment ${dest.environment} of repository ${dest.repository}`,
      grant: `the "Secrets" and "Environments" repository permissions (read and write) on ${dest.repository} for a fine-grained token, or the repo scope for a classic one`,
    };
  }
  return {
    path: `${repository}/${app}`,
    label: `repository ${dest.repository}`,
    grant: `the "${permission.repository}" repository permission (read and write) on ${dest.repository} for a fine-grained token, or the repo scope for a classic one`,
  };
}

function fixesFor(dest: GitHubDestination, scope: Scope): FailureText["fixes"] {
  const where = dest.organization ?? dest.repository;
  return {
    unauthorized: `put a valid GitHub token with ${scope.grant} in the secret ${dest.tokenSecret}: the one there is missing, expired or revoked`,
    forbidden: `give the token in ${dest.tokenSecret} ${scope.grant}; an organization may also have to approve a fine-grained token`,
    "not-found": `check ${scope.label} and apiUrl ${dest.apiUrl} in keyrotor's configuration; GitHub also answers "Not Found" when the token in ${dest.tokenSecret} cannot see ${where}, so grant it access there`,
    rejected: `check the secret names in keyrotor's configuration (letters, digits and _, not starting with a digit or GITHUB_)${dest.organization ? ", visibility and selectedRepositoryIds" : ""}`,
  };
}

/** A scope's public key as GitHub hands it out: the id to name it by and the X25519 key. */
type PublicKey = { readonly keyId: string; readonly key: Uint8Array };

const sameKey = (a: PublicKey, b: PublicKey) => a.keyId === b.keyId && Buffer.from(a.key).equals(b.key);

/** The key GitHub seals secrets for in this scope, checked so that a wrong `apiUrl` fails here, clearly. */
function publicKeyOf(body: unknown, what: string, dest: GitHubDestination): PublicKey {
  const b = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  const key = typeof b.key === "string" ? Buffer.from(b.key, "base64") : undefined;
  if (typeof b.key_id !== "string" || key?.length !== 32) {
    throw new DeliveryError(
      `${what} could not be written: GitHub answered without a usable public key`,
      "unavailable",
      `check apiUrl ${dest.apiUrl} in keyrotor's configuration: https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server`,
    );
  }
  return { keyId: b.key_id, key: new Uint8Array(key) };
}

/**
 * Writes a key to two GitHub Actions, Dependabot or Codespaces secrets of a repository, an
 * organization or (Actions only) a repository's environment (github.com, or GitHub Enterprise
 * Server through `dest.apiUrl`). Each app keeps its own secrets behind its own endpoints and public
 * keys; Dependabot's organization endpoint takes repository ids as strings. GitHub takes a
 * secret's value only sealed (libsodium's sealed box) for the scope's public key, fetched once per
 * delivery, and once more should GitHub refuse a value sealed for it (it rotated the key). A PUT
 * creates the secret (201) or replaces it (204), so a second delivery of the same key leaves the
 * same values.
 *
 * The secret access key is written first and the access key id last, so the id, the one value of
 * the pair anyone compares or prints, names the new key only once its secret is stored.
 */
export function createGitHubWriter(
  dest: GitHubDestination,
  token: Redacted<string>,
  deps: HttpDeps = DEFAULT_HTTP_DEPS,
): DestinationWriter {
  const names = dest.names ?? DEFAULT_VARIABLE_NAMES;
  const scope = scopeOf(dest);
  const fixes = fixesFor(dest, scope);
  const headers = () => ({
    authorization: `Bearer ${token.reveal()}`,
    accept: "application/vnd.github+json",
    "x-github-api-version": API_VERSION,
    // GitHub refuses requests without a User-Agent.
    "user-agent": "keyrotor",
  });
  const app = githubApp(dest);
  const whose = APPS[app].name;
  const ids = app === "dependabot" ? dest.selectedRepositoryIds?.map(String) : dest.selectedRepositoryIds;
  const access =
    dest.organization === undefined
      ? {}
      : {
          visibility: dest.visibility ?? "private",
          ...(dest.visibility === "selected" ? { selected_repository_ids: ids } : {}),
        };

  async function put(name: string, value: Redacted<string>, publicKey: PublicKey) {
    const sealed = sealBox(new TextEncoder().encode(value.reveal()), publicKey.key);
    await callApi(
      deps,
      {
        method: "PUT",
        url: apiUrl(dest.apiUrl, `${scope.path}/secrets/${encodeURIComponent(name)}`),
        headers: headers(),
        body: { encrypted_value: Buffer.from(sealed).toString("base64"), key_id: publicKey.keyId, ...access },
      },
      { what: `GitHub ${whose}secret ${name} of ${scope.label}`, fixes },
    );
  }

  return {
    async deliver(key) {
      const what = `GitHub ${whose}secrets ${names.secretAccessKey} and ${names.accessKeyId} of ${scope.label}`;
      const fetchKey = async () => {
        const url = apiUrl(dest.apiUrl, `${scope.path}/secrets/public-key`);
        const answer = await callApi(deps, { method: "GET", url, headers: headers() }, { what, fixes });
        return publicKeyOf(answer.body, what, dest);
      };
      let publicKey = await fetchKey();
      let refetched = false;
      const write = async (name: string, value: Redacted<string>) => {
        try {
          await put(name, value, publicKey);
        } catch (error) {
          // GitHub rotates a scope's key now and then, refusing (422) what was sealed for the old one:
          // fetch it again, once a delivery, and seal again if it changed; otherwise the 422 stands.
          if (refetched || !(error instanceof DeliveryError) || error.status !== 422) throw error;
          refetched = true;
          const fresh = await fetchKey();
          if (sameKey(fresh, publicKey)) throw error;
          publicKey = fresh;
          await put(name, value, publicKey);
        }
      };
      await write(names.secretAccessKey, key.secretAccessKey);
      await write(names.accessKeyId, new Redacted(key.accessKeyId));
    },
  };
}
