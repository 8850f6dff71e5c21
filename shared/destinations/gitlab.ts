import { Redacted } from "../redacted";
import { type ApiRequest, apiUrl, callApi, type FailureText, type Refusals } from "./http";
import type { GitLabDestination } from "./schema";
import {
  DEFAULT_HTTP_DEPS,
  DEFAULT_VARIABLE_NAMES,
  DeliveryError,
  type DestinationWriter,
  type HttpDeps,
} from "./types";

/** Where the variables live: a project's or a group's settings, by numeric id or full path. */
interface Owner {
  readonly path: string;
  readonly label: string;
  /** The least role that may write CI/CD variables there. */
  readonly role: string;
  /** The access tokens that can hold that role there. */
  readonly tokens: string;
}

function ownerOf(dest: GitLabDestination): Owner {
  if (dest.project !== undefined) {
    const path = `/projects/${encodeURIComponent(dest.project)}`;
    return {
      path,
      label: `project ${dest.project}`,
      role: "Maintainer",
      tokens: "a project or group access token",
    };
  }
  const group = dest.group ?? "";
  const path = `/groups/${encodeURIComponent(group)}`;
  return { path, label: `group ${group}`, role: "Owner", tokens: "a group access token" };
}

function fixesFor(dest: GitLabDestination, owner: Owner): FailureText["fixes"] {
  const grant = `${owner.tokens} with the api scope and the ${owner.role} role on ${owner.label}`;
  return {
    unauthorized: `put ${grant} in the secret ${dest.tokenSecret}: the one there is missing, expired or revoked`,
    forbidden: `give the token in ${dest.tokenSecret} the ${owner.role} role on ${owner.label} and the api scope`,
    "not-found": `check ${owner.label} in keyrotor's configuration (a numeric id or the full path), and that the token in ${dest.tokenSecret} is a member of it`,
    rejected: `check the variable names, environmentScope and masked in keyrotor's configuration (a masked value needs 8 characters or more, no spaces)`,
  };
}

/** The fields of a variable GitLab may refuse, in keyrotor's words; a taken key is told apart (it may be a race). */
const REFUSALS: Refusals = {
  phrases: {
    key: "key",
    "key-taken": "key (already taken in this scope)",
    value: "value",
    environment_scope: "environment scope",
    masked: "masked",
    protected: "protected",
    raw: "raw",
    variable_type: "variable type",
  },
  // GitLab's validation errors name fields, `{"message": {"key": ["(KEY) has already been taken"]}}`.
  recognise(body) {
    const message = (body as { message?: unknown } | null)?.message;
    if (typeof message !== "object" || message === null) return [];
    return Object.entries(message).map(([field, said]) => {
      const texts = Array.isArray(said) ? said : [said];
      const taken = texts.some((t) => typeof t === "string" && t.includes("has already been taken"));
      return field === "key" && taken ? "key-taken" : field;
    });
  },
};

/**
 * Writes a key to two CI/CD variables of a GitLab project or group (gitlab.com, or a self-managed
 * instance through `dest.apiUrl`), in `dest.environmentScope`. Each variable is updated in place,
 * or created when that key has no variable in that scope; variables of the same key in other
 * scopes are left alone. The values are raw (GitLab would otherwise expand a `$` in them). A group's
 * scope needs GitLab Premium: on Free, GitLab ignores it and the variables apply to every environment.
 *
 * Masking: GitLab masks only values of 8 characters or more, on one line, without spaces (and,
 * unless raw, from the Base64 alphabet plus `@ : . ~`). An access key id (20 capitals and digits)
 * and a secret access key (40 characters of `A-Za-z0-9+/`) meet every one of those rules.
 */
export function createGitLabWriter(
  dest: GitLabDestination,
  token: Redacted<string>,
  deps: HttpDeps = DEFAULT_HTTP_DEPS,
): DestinationWriter {
  const names = dest.names ?? DEFAULT_VARIABLE_NAMES;
  const owner = ownerOf(dest);
  const fixes = fixesFor(dest, owner);
  const scope = dest.environmentScope;
  const headers = () => ({ "PRIVATE-TOKEN": token.reveal(), accept: "application/json" });
  const flags = () => ({
    environment_scope: scope,
    masked: dest.masked,
    protected: dest.protected,
    raw: true,
    variable_type: "env_var",
  });

  async function upsert(name: string, value: Redacted<string>): Promise<void> {
    const text = {
      what: `GitLab variable ${name} (scope ${scope}) of ${owner.label}`,
      fixes,
      refusals: REFUSALS,
    };
    const call = (request: ApiRequest, options?: { allowNotFound?: boolean }) =>
      callApi(deps, request, text, options);
    // The filter picks the variable of this scope; without it GitLab answers 409 when the key has several.
    const filter = new URLSearchParams({ "filter[environment_scope]": scope });
    const update = () =>
      call(
        {
          method: "PUT",
          url: apiUrl(dest.apiUrl, `${owner.path}/variables/${encodeURIComponent(name)}?${filter}`),
          headers: headers(),
          body: { value: value.reveal(), ...flags() },
        },
        { allowNotFound: true },
      );
    const create = () =>
      call({
        method: "POST",
        url: apiUrl(dest.apiUrl, `${owner.path}/variables`),
        headers: headers(),
        body: { key: name, value: value.reveal(), ...flags() },
      });

    // 200 updated; 404 when no variable of this key has this scope (or no such project: the create says so).
    if ((await update()).status !== 404) return;
    try {
      await create();
    } catch (error) {
      // Another delivery of this key (a job delivered twice) may have created it since the update.
      if (!(error instanceof DeliveryError) || !error.refused.includes("key-taken")) throw error;
      if ((await update()).status === 404) throw error;
    }
  }

  return {
    async deliver(key) {
      await upsert(names.accessKeyId, new Redacted(key.accessKeyId));
      await upsert(names.secretAccessKey, key.secretAccessKey);
    },
  };
}
