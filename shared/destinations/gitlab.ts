import { Redacted } from "../redacted";
import { type ApiRequest, apiUrl, callApi, type FailureText } from "./http";
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

/**
 * GitLab's validation errors name fields, `{"message": {"key": ["(KEY) has already been taken"]}}`,
 * which `callApi` does not read (it takes string messages); this remembers the body of the last
 * 400 so the error can say which fields were refused.
 */
function rememberingRefusals(deps: HttpDeps): { deps: HttpDeps; refusal: () => unknown } {
  let refusal: unknown;
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const response = await deps.fetch(input, init);
    refusal =
      response.status === 400
        ? await response
            .clone()
            .json()
            .catch(() => undefined)
        : undefined;
    return response;
  };
  return { deps: { ...deps, fetch }, refusal: () => refusal };
}

/**
 * The refused fields, e.g. `key (AWS_ACCESS_KEY_ID) has already been taken`. What GitLab says about
 * the value is never repeated (only that it was refused): an error must not risk echoing a secret.
 */
function fieldErrors(body: unknown): string | undefined {
  const message = (body as { message?: unknown } | null | undefined)?.message;
  if (typeof message !== "object" || message === null) return undefined;
  const parts = Object.entries(message).map(([field, said]) => {
    if (field === "value") return field;
    const texts = (Array.isArray(said) ? said : [said]).filter((t): t is string => typeof t === "string");
    return [field, ...texts].join(" ");
  });
  return parts.length
    ? parts
        .join("; ")
        .replace(/[\r\n\t]+/g, " ")
        .slice(0, 200)
    : undefined;
}

/** A refused request's error, naming the fields GitLab refused when its body lists them. */
function explained(error: unknown, refusal: unknown, text: FailureText): unknown {
  const fields = fieldErrors(refusal);
  if (!(error instanceof DeliveryError) || error.failure !== "rejected" || !fields) return error;
  return new DeliveryError(
    `${text.what} could not be written: HTTP 400 (refused: ${fields})`,
    "rejected",
    text.fixes.rejected ?? error.fix,
    { cause: error },
  );
}

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
    const text = { what: `GitLab variable ${name} (scope ${scope}) of ${owner.label}`, fixes };
    const watched = rememberingRefusals(deps);
    const call = async (request: ApiRequest, options?: { allowNotFound?: boolean }) => {
      try {
        return await callApi(watched.deps, request, text, options);
      } catch (error) {
        throw explained(error, watched.refusal(), text);
      }
    };
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
      if (!(error instanceof DeliveryError) || !error.message.includes("already been taken")) throw error;
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
