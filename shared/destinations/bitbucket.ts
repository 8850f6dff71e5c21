import { Redacted } from "../redacted";
import { redirectFix } from "./failure-words";
import { type ApiResponse, apiUrl, callApi, type FailureText } from "./http";
import { BITBUCKET_API, type BitbucketDestination } from "./kinds/bitbucket";
import {
  DEFAULT_HTTP_DEPS,
  DEFAULT_VARIABLE_NAMES,
  DeliveryError,
  type DestinationWriter,
  type HttpDeps,
} from "./types";

/** Pages of a listing keyrotor reads at most, whatever `next` says: 50 pages of 100 variables. */
const MAX_PAGES = 50;

/** A variable as listed: a secured one comes without its value, so only what identifies it. */
interface ListedVariable {
  readonly uuid: string;
  readonly key: string;
  readonly secured: boolean;
}

const GRANT = `the Pipelines permissions "Read" and "Edit variables" (scopes pipeline and pipeline:variable)`;

function fixesFor(dest: BitbucketDestination, place: string): FailureText["fixes"] {
  const repository = `${dest.workspace}/${dest.repository}`;
  return {
    unauthorized: `put an access token of repository ${repository} (or of its workspace or project) with ${GRANT} in the secret ${dest.tokenSecret}: the one there is missing, expired or revoked`,
    forbidden: `give the access token in ${dest.tokenSecret} ${GRANT}`,
    "not-found": `check ${place} in keyrotor's configuration, and that the token in ${dest.tokenSecret} is an access token of that repository (or of its workspace or project)`,
    rejected:
      "check the variable names in keyrotor's configuration (ASCII letters, digits and _, not starting with a digit)",
  };
}

function listed(body: unknown): ListedVariable[] {
  const values = (body as { values?: unknown } | null)?.values;
  if (!Array.isArray(values)) return [];
  return values.flatMap((item) => {
    const v = item as { uuid?: unknown; key?: unknown; secured?: unknown };
    return typeof v.uuid === "string" && typeof v.key === "string"
      ? [{ uuid: v.uuid, key: v.key, secured: v.secured === true }]
      : [];
  });
}

/**
 * Writes a key to two secured Pipelines variables of a Bitbucket Cloud repository, or of one of its
 * deployment environments (`dest.environment`, a name: its uuid is looked up in the repository's
 * environments). Each variable is found by key in the listing (every page, `next` followed only on
 * the API's own origin), then updated by its uuid, or created when there is none; so writing the same
 * key again changes nothing. The secret access key is written first, the access key id last.
 *
 * Bitbucket never shows a secured variable's value, so the values cannot be read back: the listing
 * is read again and both variables must be there, secured.
 */
export function createBitbucketWriter(
  dest: BitbucketDestination,
  token: Redacted<string>,
  deps: HttpDeps = DEFAULT_HTTP_DEPS,
): DestinationWriter {
  const names = dest.names ?? DEFAULT_VARIABLE_NAMES;
  const repository = `repository ${dest.workspace}/${dest.repository}`;
  const place =
    dest.environment === undefined ? repository : `environment ${dest.environment} of ${repository}`;
  const fixes = fixesFor(dest, place);
  const origin = new URL(dest.apiUrl).origin;
  const base = apiUrl(
    dest.apiUrl,
    `/repositories/${encodeURIComponent(dest.workspace)}/${encodeURIComponent(dest.repository)}`,
  );
  const headers = () => ({ authorization: `Bearer ${token.reveal()}`, accept: "application/json" });
  const get = (url: string, what: string) =>
    callApi(deps, { method: "GET", url, headers: headers() }, { what, fixes });

  /** Every value of a paginated listing; a `next` on another origin is refused (it would get the token). */
  async function listAll(first: string, what: string): Promise<unknown[]> {
    const values: unknown[] = [];
    const seen = new Set<string>();
    for (let url: string | undefined = first, pages = 0; url !== undefined && pages < MAX_PAGES; pages++) {
      seen.add(url);
      const { body } = await get(url, what);
      const page = (body as { values?: unknown } | null)?.values;
      if (!Array.isArray(page)) {
        throw new DeliveryError(
          `${what} could not be read: the answer is not a Bitbucket listing`,
          "unavailable",
          `check apiUrl ${dest.apiUrl} in keyrotor's configuration: it must be Bitbucket's API, ${BITBUCKET_API}`,
        );
      }
      values.push(...page);
      const next: unknown = (body as { next?: unknown }).next;
      if (typeof next !== "string" || !URL.canParse(next)) break;
      if (new URL(next).origin !== origin) {
        throw new DeliveryError(
          `${what} could not be read: the listing's next page is on another origin (refused)`,
          "not-found",
          redirectFix(origin),
        );
      }
      url = seen.has(next) ? undefined : next;
    }
    return values;
  }

  async function variablesPath(): Promise<string> {
    if (dest.environment === undefined) return `${base}/pipelines_config/variables`;
    const what = `Deployment environments of ${repository}`;
    const environments = await listAll(`${base}/environments?pagelen=100`, what);
    const found = environments.find((e) => (e as { name?: unknown } | null)?.name === dest.environment);
    const uuid = (found as { uuid?: unknown } | undefined)?.uuid;
    if (typeof uuid !== "string" || uuid === "") {
      throw new DeliveryError(
        `Bitbucket variables of ${place} could not be written: ${repository} has no deployment environment of that name`,
        "not-found",
        `check environment ${dest.environment} in keyrotor's configuration against the repository's Deployments settings (names are case-sensitive)`,
      );
    }
    return `${base}/deployments_config/environments/${encodeURIComponent(uuid)}/variables`;
  }

  return {
    async deliver(key) {
      const path = await variablesPath();
      const listing = `Bitbucket variables of ${place}`;
      const list = async () => listed({ values: await listAll(`${path}?pagelen=100`, listing) });
      const before = await list();

      const put = (
        v: ListedVariable,
        name: string,
        value: Redacted<string>,
        what: string,
      ): Promise<ApiResponse> =>
        callApi(
          deps,
          {
            method: "PUT",
            url: `${path}/${encodeURIComponent(v.uuid)}`,
            headers: headers(),
            body: { key: name, value: value.reveal(), secured: true },
          },
          { what, fixes },
        );

      async function upsert(name: string, value: Redacted<string>): Promise<void> {
        const what = `Bitbucket variable ${name} of ${place}`;
        const existing = before.find((v) => v.key === name);
        if (existing) {
          await put(existing, name, value, what);
          return;
        }
        try {
          await callApi(
            deps,
            {
              method: "POST",
              url: path,
              headers: headers(),
              body: { key: name, value: value.reveal(), secured: true },
            },
            { what, fixes },
          );
        } catch (error) {
          // Another delivery of this key (a job delivered twice) may have created it since the listing.
          if (!(error instanceof DeliveryError) || error.status !== 409) throw error;
          const created = (await list()).find((v) => v.key === name);
          if (!created) throw error;
          await put(created, name, value, what);
        }
      }

      await upsert(names.secretAccessKey, key.secretAccessKey);
      await upsert(names.accessKeyId, new Redacted(key.accessKeyId));

      const after = await list();
      for (const name of [names.secretAccessKey, names.accessKeyId]) {
        const v = after.find((x) => x.key === name);
        if (!v?.secured) {
          throw new DeliveryError(
            `Bitbucket variable ${name} of ${place} could not be confirmed: after writing, the listing ${v ? "shows it not secured" : "does not show it"}`,
            v ? "rejected" : "unavailable",
            v
              ? `check variable ${name} in the settings of ${place}: keyrotor writes it secured`
              : "nothing if someone was editing the variables at the same time: keyrotor writes again on its next run",
          );
        }
      }
    },
  };
}
