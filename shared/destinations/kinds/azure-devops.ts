import * as z from "zod/mini";
import { apiUrl, names, tokenSecret } from "../fields";
import type { DestinationKind } from "../kind";
import { anyCase, apiBase, at, exact, halves } from "../places";
import { DEFAULT_VARIABLE_NAMES } from "../types";

export const AZURE_DEVOPS_API = "https://dev.azure.com";

const schema = z.strictObject({
  type: z.literal("azure-devops"),
  organization: z
    .string()
    .check(
      z.regex(
        /^[A-Za-z0-9]([A-Za-z0-9-]{0,48}[A-Za-z0-9])?$/,
        "must be an Azure DevOps organization's name (letters, digits and -)",
      ),
    ),
  /**
   * The project's name or id. A name and an id of one project are two places to keyrotor, which
   * cannot tell them one without asking Azure DevOps: the README asks to spell it one way throughout.
   */
  project: z
    .string()
    .check(
      z.regex(
        /^(?![_.\s])[^/\\:*?"<>|;#$%{}+=[\],\p{Cc}]{1,64}(?<![.\s])$/u,
        "must be a project's name or id (no / \\ : * ? \" < > | ; # $ % { } + = [ ] or ,)",
      ),
    ),
  /** The variable group's name, in Pipelines > Library: the group must exist. */
  group: z
    .string()
    .check(
      z.regex(
        /^(?!\s)[^*\p{Cc}]{1,128}(?<!\s)$/u,
        "must be a variable group's name (no *, no leading or trailing spaces)",
      ),
    ),
  apiUrl: z._default(apiUrl, AZURE_DEVOPS_API),
  tokenSecret,
  names,
});

export type AzureDevOpsDestination = z.infer<typeof schema>;

/** Prefixes Azure Pipelines reserves for its own variables, in any case. */
const RESERVED = /^(endpoint|input|secret|path|securefile)/i;

/**
 * Azure DevOps (Azure Pipelines) variable groups: two secret variables in an existing group of a
 * project, the group's other variables kept as they are.
 */
export const azureDevOpsKind: DestinationKind<AzureDevOpsDestination> = {
  type: "azure-devops",
  schema,
  placeId: (d) => `azure-devops:${d.apiUrl}:${d.organization}/${d.project}:group:${d.group}`,
  describe: (d) =>
    `Azure DevOps variable group ${d.group} of project ${d.organization}/${d.project}${d.apiUrl === AZURE_DEVOPS_API ? "" : ` at ${d.apiUrl}`}`,
  // Azure Pipelines variable names are one variable in any case.
  nameFold: "anyCase",
  problems(d) {
    const { accessKeyId, secretAccessKey } = d.names ?? DEFAULT_VARIABLE_NAMES;
    return [accessKeyId, secretAccessKey].some((n) => RESERVED.test(n))
      ? [
          "azure-devops: variable names may not start with endpoint, input, secret, path or securefile (Azure Pipelines reserves them)",
        ]
      : [];
  },
  places: (d) =>
    halves(
      d,
      [
        exact("azure-devops"),
        anyCase(apiBase(d.apiUrl)),
        anyCase(`${d.organization}/${d.project}`),
        anyCase(d.group),
      ],
      ([, base = "", project, group, name]) =>
        `Azure DevOps variable ${name} of group ${group} of project ${project}${at(base, AZURE_DEVOPS_API)}`,
    ),
};
