import type { Redacted } from "../redacted";
import { apiUrl, callApi, type FailureText } from "./http";
import { AZURE_DEVOPS_API, type AzureDevOpsDestination } from "./kinds/azure-devops";
import {
  DEFAULT_HTTP_DEPS,
  DEFAULT_VARIABLE_NAMES,
  DeliveryError,
  type DestinationWriter,
  type HttpDeps,
} from "./types";

const API_VERSION = "7.1";
/** Where Azure DevOps' API is, as a fix names it. */
const AZURE_DEVOPS_API_WORDS = `${AZURE_DEVOPS_API}, or an Azure DevOps Server's address`;

/** A variable as the group holds it; a secret's `value` reads back as `null`. */
interface Variable {
  readonly value?: unknown;
  readonly isSecret?: unknown;
  readonly isReadOnly?: unknown;
}

/** A variable group as read: only what a replace must send back, and its variables. */
interface Group {
  readonly id: number;
  readonly name: string;
  readonly description: unknown;
  readonly type: unknown;
  readonly providerData: unknown;
  readonly variables: Readonly<Record<string, Variable>>;
  readonly references: readonly unknown[];
}

function fixesFor(dest: AzureDevOpsDestination, group: string): FailureText["fixes"] {
  const project = `project ${dest.organization}/${dest.project}`;
  const role = `the Administrator role on ${group} (Pipelines > Library > ${dest.group} > Security)`;
  return {
    unauthorized: `put a personal access token with the scope "Variable Groups (Read, create & manage)" of a user with ${role} in the secret ${dest.tokenSecret}: the one there is missing, expired, revoked or lacks that scope`,
    forbidden: `give the user of the token in ${dest.tokenSecret} ${role}`,
    "not-found": `check organization ${dest.organization} and project ${dest.project} in keyrotor's configuration, and that the user of the token in ${dest.tokenSecret} can see ${project}`,
    rejected: `check the variable names in keyrotor's configuration (letters, digits and _)`,
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

function groupOf(item: unknown): Group | undefined {
  if (!isObject(item) || typeof item.id !== "number" || typeof item.name !== "string") return undefined;
  const variables = isObject(item.variables) ? (item.variables as Record<string, Variable>) : {};
  const references = Array.isArray(item.variableGroupProjectReferences)
    ? item.variableGroupProjectReferences
    : [];
  return {
    id: item.id,
    name: item.name,
    description: item.description,
    type: item.type,
    providerData: item.providerData,
    variables,
    references,
  };
}

/**
 * Writes a key to two secret variables of an Azure DevOps variable group, `dest.group` of project
 * `dest.project`, found by name. Azure DevOps updates a group only as a whole (a PUT replaces it), and
 * never reads a secret's value back: so the group is read first, and written with every other
 * variable as read, which is safe only while none of them is a secret. A group holding another
 * secret is refused (writing would erase it), as is a group linked to a key vault, and a group that
 * does not exist: keyrotor does not create one, whose security and pipeline permissions are the
 * operator's to set. Both variables are written in one PUT, so writing the same key again changes
 * nothing.
 *
 * After writing, the group is read again: both variables must be secrets and every other variable as
 * it was. The values themselves cannot be read back.
 */
export function createAzureDevOpsWriter(
  dest: AzureDevOpsDestination,
  token: Redacted<string>,
  deps: HttpDeps = DEFAULT_HTTP_DEPS,
): DestinationWriter {
  const names = dest.names ?? DEFAULT_VARIABLE_NAMES;
  const label = `variable group ${dest.group} of project ${dest.organization}/${dest.project}`;
  const what = `Azure DevOps ${label}`;
  const fixes = fixesFor(dest, `variable group ${dest.group}`);
  const text = { what, fixes };
  const org = encodeURIComponent(dest.organization);
  const headers = () => ({
    authorization: `Basic ${Buffer.from(`:${token.reveal()}`).toString("base64")}`,
    accept: "application/json",
  });
  const ours = new Set([names.accessKeyId, names.secretAccessKey].map((n) => n.toLowerCase()));
  const failed = (why: string, failure: DeliveryError["failure"], fix: string) =>
    new DeliveryError(`${what} could not be written: ${why}`, failure, fix);

  async function read(): Promise<Group> {
    const query = new URLSearchParams({ groupName: dest.group, "api-version": API_VERSION });
    const url = apiUrl(
      dest.apiUrl,
      `/${org}/${encodeURIComponent(dest.project)}/_apis/distributedtask/variablegroups?${query}`,
    );
    const answer = await callApi(deps, { method: "GET", url, headers: headers() }, text);
    // Without credentials it would take, Azure DevOps answers 203 with a sign-in page.
    if (answer.status === 203) {
      throw failed(
        "HTTP 203 (the token was refused: a sign-in page)",
        "unauthorized",
        fixes.unauthorized ?? "",
      );
    }
    const value = isObject(answer.body) ? answer.body.value : undefined;
    if (!Array.isArray(value)) {
      throw failed(
        "the answer is not a list of variable groups",
        "unavailable",
        `check apiUrl ${dest.apiUrl} in keyrotor's configuration: ${AZURE_DEVOPS_API_WORDS}`,
      );
    }
    const named = value.map(groupOf).filter((g) => g?.name.toLowerCase() === dest.group.toLowerCase());
    const [group, ...more] = named;
    if (!group) {
      throw failed(
        "the project has no variable group of that name",
        "not-found",
        `create the variable group ${dest.group} in project ${dest.organization}/${dest.project} (Pipelines > Library > + Variable group), give the token's user the Administrator role on it and allow the pipelines that need the key to use it; keyrotor does not create groups`,
      );
    }
    if (more.length > 0) {
      throw failed(
        "the project has several variable groups of that name",
        "rejected",
        `rename all but one of them`,
      );
    }
    return group;
  }

  return {
    async deliver(key) {
      const group = await read();
      if (group.type !== undefined && group.type !== "Vsts") {
        throw failed(
          "the group is linked to an Azure key vault, whose secrets it only shows",
          "rejected",
          `name a variable group that is not linked to a key vault in keyrotor's configuration`,
        );
      }
      const others = Object.entries(group.variables).filter(([name]) => !ours.has(name.toLowerCase()));
      const secrets = others.filter(([, v]) => v.isSecret === true).length;
      if (secrets > 0) {
        throw failed(
          `the group holds ${secrets} other secret variable${secrets === 1 ? "" : "s"}, which Azure DevOps never reads back; its API replaces a group whole, so writing would erase ${secrets === 1 ? "it" : "them"}`,
          "rejected",
          `move ${names.accessKeyId} and ${names.secretAccessKey} to a variable group of their own (and name it in keyrotor's configuration), or make the group's other secrets plain variables`,
        );
      }
      if (group.references.length === 0) {
        throw failed(
          "the answer does not say which projects the group is shared with (writing would unshare it)",
          "unavailable",
          "nothing if Azure DevOps is having an outage: keyrotor retries on its next run",
        );
      }
      const variables = {
        ...Object.fromEntries(others),
        [names.accessKeyId]: { value: key.accessKeyId, isSecret: true },
        [names.secretAccessKey]: { value: key.secretAccessKey.reveal(), isSecret: true },
      };
      await callApi(
        deps,
        {
          method: "PUT",
          url: apiUrl(
            dest.apiUrl,
            `/${org}/_apis/distributedtask/variablegroups/${group.id}?api-version=${API_VERSION}`,
          ),
          headers: headers(),
          body: {
            name: group.name,
            description: typeof group.description === "string" ? group.description : "",
            type: "Vsts",
            ...(group.providerData === undefined ? {} : { providerData: group.providerData }),
            variableGroupProjectReferences: group.references,
            variables,
          },
        },
        text,
      );

      const after = await read();
      const kept = others.every(
        ([name, v]) => after.variables[name] !== undefined && after.variables[name]?.value === v.value,
      );
      const secret = (name: string) => after.variables[name]?.isSecret === true;
      if (after.id !== group.id || !kept || !secret(names.accessKeyId) || !secret(names.secretAccessKey)) {
        throw new DeliveryError(
          `${what} could not be confirmed: after writing, the group does not hold ${names.accessKeyId} and ${names.secretAccessKey} as secrets beside its other variables as they were`,
          "unavailable",
          "nothing if someone was editing the group at the same time: keyrotor writes again on its next run",
        );
      }
    },
  };
}
