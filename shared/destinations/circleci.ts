import { Redacted } from "../redacted";
import { type ApiRequest, apiUrl, callApi, type FailureText } from "./http";
import type { CircleCiDestination } from "./schema";
import { DEFAULT_HTTP_DEPS, DEFAULT_VARIABLE_NAMES, type DestinationWriter, type HttpDeps } from "./types";

function fixesFor(dest: CircleCiDestination, place: string): FailureText["fixes"] {
  const who = dest.project
    ? `a user with write access to project ${dest.project}`
    : `a user in a security group of context ${dest.context} (or an organization admin when it has none)`;
  return {
    // Project API tokens cannot write environment variables through API v2: only personal ones can.
    unauthorized: `put a personal API token of ${who} in the secret ${dest.tokenSecret}: the one there is missing, revoked or not a personal token`,
    forbidden: `put a personal API token of ${who} in the secret ${dest.tokenSecret}`,
    "not-found": `check ${place} in keyrotor's configuration, and that the user of the token in ${dest.tokenSecret} can see it`,
    rejected: "check the variable names in keyrotor's configuration",
  };
}

/**
 * Writes a key to two environment variables of a CircleCI project (by slug, e.g. `gh/org/repo`,
 * or `circleci/<org id>/<project id>` for GitHub App and GitLab projects) or of a context (by id),
 * on circleci.com or a CircleCI server through `dest.apiUrl`. Both calls create the variable or
 * replace its value, so writing the same key again changes nothing.
 */
export function createCircleCiWriter(
  dest: CircleCiDestination,
  token: Redacted<string>,
  deps: HttpDeps = DEFAULT_HTTP_DEPS,
): DestinationWriter {
  const names = dest.names ?? DEFAULT_VARIABLE_NAMES;
  const place = dest.project ? `project ${dest.project}` : `context ${dest.context}`;
  const fixes = fixesFor(dest, place);
  // Without an Accept header parts of CircleCI's API answer in EDN rather than JSON.
  const headers = () => ({ "Circle-Token": token.reveal(), accept: "application/json" });

  function request(name: string, value: Redacted<string>): ApiRequest {
    if (dest.project) {
      const slug = dest.project.split("/").map(encodeURIComponent).join("/");
      // A POST of an existing name replaces its value (201 either way).
      return {
        method: "POST",
        url: apiUrl(dest.apiUrl, `/project/${slug}/envvar`),
        headers: headers(),
        body: { name, value: value.reveal() },
      };
    }
    const context = encodeURIComponent(dest.context ?? "");
    return {
      method: "PUT",
      url: apiUrl(dest.apiUrl, `/context/${context}/environment-variable/${encodeURIComponent(name)}`),
      headers: headers(),
      body: { value: value.reveal() },
    };
  }

  async function put(name: string, value: Redacted<string>): Promise<void> {
    await callApi(deps, request(name, value), { what: `CircleCI variable ${name} of ${place}`, fixes });
  }

  return {
    async deliver(key) {
      await put(names.accessKeyId, new Redacted(key.accessKeyId));
      await put(names.secretAccessKey, key.secretAccessKey);
    },
  };
}
