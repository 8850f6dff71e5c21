import { Redacted } from "../redacted";
import { type ApiRequest, apiUrl, callApi, type FailureText } from "./http";
import type { TerraformCloudDestination } from "./schema";
import {
  DEFAULT_HTTP_DEPS,
  DEFAULT_VARIABLE_NAMES,
  DeliveryError,
  type DestinationWriter,
  type HttpDeps,
  type KeyToDeliver,
} from "./types";

/** HCP Terraform and Terraform Enterprise speak JSON:API, requests and answers alike. */
const JSON_API = "application/vnd.api+json";
/** 100 pages of 100: far more variables than a workspace holds. */
const MAX_PAGES = 100;

/** A workspace variable as listed: sensitive values come back as `null`, so only what identifies it. */
interface ListedVariable {
  readonly id: string;
  readonly key: string;
  readonly category: string;
}

/** What a person can do about each failure, naming the workspace, the host and the token's secret. */
function fixesFor(dest: TerraformCloudDestination, host: string): FailureText["fixes"] {
  const workspace = `${dest.organization}/${dest.workspace}`;
  const permission = `the "write variables" permission on workspace ${workspace}`;
  return {
    unauthorized: `put a valid team (or user) API token of ${host} in the secret ${dest.tokenSecret}: the one there is missing, expired or revoked`,
    forbidden: `give the team of the token in ${dest.tokenSecret} ${permission}`,
    // The API answers 404, never 403, for a workspace the token may not see or may not write.
    "not-found": `check organization ${dest.organization} and workspace ${dest.workspace} in keyrotor's configuration, and give the team of the token in ${dest.tokenSecret} ${permission} (${host} answers 404 when the token lacks it)`,
    rejected: `check the variable names and the category (${dest.category}) in keyrotor's configuration`,
  };
}

function listedVariables(body: unknown): ListedVariable[] {
  const data = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) return [];
  return data.flatMap((item) => {
    const v = item as { id?: unknown; attributes?: { key?: unknown; category?: unknown } };
    return typeof v.id === "string" && typeof v.attributes?.key === "string"
      ? [{ id: v.id, key: v.attributes.key, category: String(v.attributes.category) }]
      : [];
  });
}

/**
 * Writes a key to two sensitive variables of an HCP Terraform (Terraform Cloud) or Terraform
 * Enterprise workspace (`dest.apiUrl` names the instance): the workspace's id is looked up by name,
 * then each variable of that key and category is updated, or created when there is none. The token
 * needs the "write variables" permission on the workspace (a team token, or a user's).
 */
export function createTerraformCloudWriter(
  dest: TerraformCloudDestination,
  token: Redacted<string>,
  deps: HttpDeps = DEFAULT_HTTP_DEPS,
): DestinationWriter {
  const names = dest.names ?? DEFAULT_VARIABLE_NAMES;
  const host = new URL(dest.apiUrl).host;
  const place = `workspace ${dest.organization}/${dest.workspace} at ${host}`;
  const fixes = fixesFor(dest, host);
  const listing = `Terraform variables of ${place}`;

  /** One JSON:API request; the token is revealed into its header, the key only into `body`. */
  const call = (method: ApiRequest["method"], path: string, what: string, body?: unknown) =>
    callApi(
      deps,
      {
        method,
        url: apiUrl(dest.apiUrl, path),
        headers: { authorization: `Bearer ${token.reveal()}`, accept: JSON_API },
        ...(body === undefined ? {} : { contentType: JSON_API, body }),
      },
      { what, fixes },
    );

  async function workspaceVars(): Promise<string> {
    const org = encodeURIComponent(dest.organization);
    const answer = await call(
      "GET",
      `/organizations/${org}/workspaces/${encodeURIComponent(dest.workspace)}`,
      listing,
    );
    const id = (answer.body as { data?: { id?: unknown } } | null)?.data?.id;
    if (typeof id === "string" && id !== "") return `/workspaces/${encodeURIComponent(id)}/vars`;
    throw new DeliveryError(
      `${listing} could not be written: the workspace was found but the answer has no id`,
      "unavailable",
      "check that the configured apiUrl is the instance's API (ending in /api/v2)",
    );
  }

  /** Every variable of the workspace, page by page where the instance paginates the listing. */
  async function list(vars: string): Promise<ListedVariable[]> {
    const all: ListedVariable[] = [];
    // Page numbers only ever grow, and stop at a bound, whatever an answer says.
    for (let page = 1; page > 0 && page <= MAX_PAGES; ) {
      const { body } = await call("GET", `${vars}?page%5Bnumber%5D=${page}&page%5Bsize%5D=100`, listing);
      all.push(...listedVariables(body));
      const next = (body as { meta?: { pagination?: { "next-page"?: unknown } } } | null)?.meta?.pagination?.[
        "next-page"
      ];
      page = typeof next === "number" && next > page ? next : 0;
    }
    return all;
  }

  /** Updates the variable of that key and category, or creates it; always sensitive, never HCL. */
  async function put(
    vars: string,
    listed: ListedVariable[],
    name: string,
    value: Redacted<string>,
    key: KeyToDeliver,
  ) {
    const what = `Terraform ${dest.category} variable ${name} of ${place}`;
    const attributes = () => ({
      value: value.reveal(),
      category: dest.category,
      hcl: false,
      sensitive: true,
      description: `Written by keyrotor: access key of IAM user ${key.userName} in account ${key.accountId}`,
    });
    const patch = (id: string) =>
      call("PATCH", `${vars}/${encodeURIComponent(id)}`, what, {
        data: { type: "vars", id, attributes: attributes() },
      });
    const same = (v: ListedVariable) => v.key === name && v.category === dest.category;
    const existing = listed.find(same);
    if (existing) return patch(existing.id);
    try {
      return await call("POST", vars, what, {
        data: { type: "vars", attributes: { key: name, ...attributes() } },
      });
    } catch (error) {
      // Another delivery of this key (a job delivered twice) may have created it since the listing.
      if (!(error instanceof DeliveryError) || error.failure !== "rejected") throw error;
      const created = (await list(vars)).find(same);
      if (!created) throw error;
      return patch(created.id);
    }
  }

  return {
    async deliver(key) {
      const vars = await workspaceVars();
      const listed = await list(vars);
      await put(vars, listed, names.accessKeyId, new Redacted(key.accessKeyId), key);
      await put(vars, listed, names.secretAccessKey, key.secretAccessKey, key);
    },
  };
}
