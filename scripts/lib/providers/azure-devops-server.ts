import { randomUUID } from "node:crypto";
import {
  type FailureInjection,
  fieldsOf,
  type Reply,
  type ServerRequest,
  startHttpServer,
} from "./http-server";

/**
 * A local stand-in for Azure DevOps Services' REST API (7.1), only the variable group endpoints
 * keyrotor calls: `GET /{organization}/{project}/_apis/distributedtask/variablegroups?groupName=`
 * (a project's groups by name, `*` a wildcard, any case) and `PUT
 * /{organization}/_apis/distributedtask/variablegroups/{groupId}`, which replaces the whole group
 * with what it is sent (its variables, name, description, type and project references). A secret's
 * value is never shown (`null`); a secret sent without a value is stored without one: a replace that
 * does not repeat a secret's value erases it. A personal access token goes as Basic auth with any
 * user name; a wrong one is a 401, no credentials at all a 203 sign-in page, as the service answers.
 * Every call must say `api-version=7.1`.
 */

/** A variable as the server keeps it: a secret's value included, so a test can read what was delivered. */
export interface AzureVariable {
  value: string | null;
  isSecret?: boolean;
  isReadOnly?: boolean;
}

export interface AzureVariableGroup {
  readonly id: number;
  name: string;
  description: string;
  type: string;
  variables: Record<string, AzureVariable>;
  /** The projects (ids) the group is shared with. */
  projects: string[];
}

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly authorization: string | undefined;
  readonly body: unknown;
}

export interface AzureDevOpsServer extends FailureInjection<ServerRequest> {
  /** The API base to configure as `apiUrl`: `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Adds a group to a project (and any others), as someone would in Pipelines > Library; returns its id. */
  addGroup(
    organization: string,
    project: string,
    group: { name: string; variables?: Record<string, AzureVariable>; type?: string; alsoIn?: string[] },
  ): number;
  /** A copy of a group, secret values included; throws for an unknown one. */
  group(organization: string, id: number): AzureVariableGroup;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Azure DevOps' error body: a message and the exception's type. */
const errorBody = (message: string, typeKey = "VssServiceException") => ({
  $id: "1",
  innerException: null,
  message,
  typeName: `Microsoft.VisualStudio.Services.WebApi.${typeKey}, Microsoft.VisualStudio.Services.WebApi`,
  typeKey,
  errorCode: 0,
  eventId: 3000,
});
const MESSAGES: Record<number, string> = {
  400: "The request is invalid.",
  403: "Access denied: the user needs the Administrator role on this variable group.",
  404: "The requested resource was not found.",
  429: "Request was blocked due to exceeding usage of resource in namespace.",
  500: "Internal server error",
  503: "Service unavailable",
};
const defaultBody = (status: number) => errorBody(MESSAGES[status] ?? "error");
const SIGN_IN = "<!DOCTYPE html><html><head><title>Azure DevOps Services | Sign In</title></head></html>";

/** Whether `name` matches a `groupName` filter: `*` any run of characters, in any case. */
function matches(filter: string, name: string): boolean {
  const pattern = filter
    .split("*")
    .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${pattern}$`, "i").test(name);
}

/**
 * Starts the server on 127.0.0.1 (a free port); `projects` maps each organization to its projects'
 * names. `token` is the only personal access token it takes.
 */
export async function startAzureDevOpsServer(options: {
  token: string;
  projects: Readonly<Record<string, readonly string[]>>;
}): Promise<AzureDevOpsServer> {
  const orgs = new Map<string, { projects: { id: string; name: string }[]; groups: AzureVariableGroup[] }>();
  for (const [org, names] of Object.entries(options.projects)) {
    orgs.set(org.toLowerCase(), { projects: names.map((name) => ({ id: randomUUID(), name })), groups: [] });
  }
  let nextId = 1;
  const orgOf = (name: string) => orgs.get(name.toLowerCase());
  const projectOf = (org: string, ref: string) =>
    orgOf(org)?.projects.find(
      (p) => p.id === ref.toLowerCase() || p.name.toLowerCase() === ref.toLowerCase(),
    );

  /** A group as the API shows it: secrets' values `null`, and a reference per project it is in. */
  function shown(org: string, g: AzureVariableGroup) {
    const variables = Object.fromEntries(
      Object.entries(g.variables).map(([name, v]) => [name, v.isSecret ? { ...v, value: null } : { ...v }]),
    );
    const variableGroupProjectReferences = g.projects.map((id) => ({
      projectReference: { id, name: orgOf(org)?.projects.find((p) => p.id === id)?.name },
      name: g.name,
      description: g.description,
    }));
    return {
      variables,
      id: g.id,
      type: g.type,
      name: g.name,
      description: g.description,
      isShared: g.projects.length > 1,
      variableGroupProjectReferences,
    };
  }

  /** Checks a PUT's VariableGroupParameters; returns the problem, as the service's 400 message. */
  function invalid(org: string, body: Record<string, unknown>): string | undefined {
    if (typeof body.name !== "string" || body.name.trim() === "") return "Variable group name is required.";
    if (typeof body.variables !== "object" || body.variables === null) return "Variables are required.";
    for (const [name, v] of Object.entries(body.variables)) {
      if (!/^[A-Za-z0-9._]+$/.test(name)) return `Variable name ${name} is invalid.`;
      if (typeof v !== "object" || v === null) return `Variable ${name} is invalid.`;
    }
    const refs = body.variableGroupProjectReferences;
    if (!Array.isArray(refs) || refs.length === 0) return "Variable group must be shared with a project.";
    for (const r of refs) {
      const p = (r as { projectReference?: { id?: unknown; name?: unknown } }).projectReference;
      const ref = typeof p?.id === "string" ? p.id : typeof p?.name === "string" ? p.name : "";
      if (!projectOf(org, ref)) return "A project of the variable group does not exist.";
    }
    return undefined;
  }

  function answer(req: ServerRequest): Reply {
    const authorization = req.headers.authorization;
    if (authorization === undefined) return { status: 203, body: SIGN_IN };
    const basic = /^Basic (.+)$/.exec(authorization)?.[1] ?? "";
    const password = Buffer.from(basic, "base64").toString("utf8").split(":").slice(1).join(":");
    if (password !== options.token) return { status: 401, body: "" };
    const url = new URL(req.url, "http://localhost");
    if (url.searchParams.get("api-version") !== "7.1") {
      return { status: 400, body: errorBody("The api-version must be supplied and supported.") };
    }
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    const [org = "", second = "", ...rest] = parts;
    const organization = orgOf(org);
    if (!organization) return { status: 404, body: errorBody(`The organization ${org} does not exist.`) };
    const api = (p: string[]) => p[0] === "_apis" && p[1] === "distributedtask" && p[2] === "variablegroups";
    if (req.method === "GET" && api(rest) && rest.length === 3) {
      const project = projectOf(org, second);
      if (!project) {
        return {
          status: 404,
          body: errorBody(
            "TF200016: The following project does not exist.",
            "ProjectDoesNotExistWithNameException",
          ),
        };
      }
      const filter = url.searchParams.get("groupName");
      const value = organization.groups
        .filter((g) => g.projects.includes(project.id) && (filter === null || matches(filter, g.name)))
        .map((g) => shown(org, g));
      return { status: 200, body: { count: value.length, value } };
    }
    const put = [second, ...rest];
    if (req.method === "PUT" && api(put) && put.length === 4) {
      const group = organization.groups.find((g) => String(g.id) === put[3]);
      if (!group) return { status: 404, body: errorBody("Variable group was not found.") };
      if (req.headers["content-type"] !== "application/json") {
        return { status: 415, body: errorBody("Content-Type must be application/json.") };
      }
      const body = fieldsOf(req.body);
      const problem = invalid(org, body);
      if (problem) return { status: 400, body: errorBody(problem) };
      // The group becomes what was sent: a secret whose value was not sent is left without one.
      group.name = String(body.name);
      group.description = typeof body.description === "string" ? body.description : "";
      group.type = typeof body.type === "string" ? body.type : "Vsts";
      group.variables = Object.fromEntries(
        Object.entries(body.variables as Record<string, AzureVariable>).map(([name, v]) => [
          name,
          { ...v, value: typeof v.value === "string" ? v.value : null },
        ]),
      );
      group.projects = (
        body.variableGroupProjectReferences as { projectReference: { id?: string; name?: string } }[]
      )
        .map((r) => projectOf(org, r.projectReference.id ?? r.projectReference.name ?? "")?.id ?? "")
        .filter((id, i, all) => id !== "" && all.indexOf(id) === i);
      return { status: 200, body: shown(org, group) };
    }
    return { status: 404, body: defaultBody(404) };
  }

  const http = await startHttpServer<RecordedRequest>({
    answer,
    record: (req) => ({
      method: req.method,
      url: req.url,
      authorization: req.headers.authorization,
      body: req.body,
    }),
    failureBody: defaultBody,
    crashed: { status: 500, body: defaultBody(500) },
    contentType: "application/json; charset=utf-8",
  });

  return {
    url: http.origin,
    addGroup(org, project, g) {
      const organization = orgOf(org);
      const projects = [project, ...(g.alsoIn ?? [])].map((p) => projectOf(org, p)?.id);
      if (!organization || projects.some((p) => p === undefined))
        throw new Error(`no project ${org}/${project}`);
      const id = nextId++;
      organization.groups.push({
        id,
        name: g.name,
        description: "",
        type: g.type ?? "Vsts",
        variables: structuredClone(g.variables ?? {}),
        projects: projects as string[],
      });
      return id;
    },
    group(org, id) {
      const found = orgOf(org)?.groups.find((g) => g.id === id);
      if (!found) throw new Error(`no variable group ${id} in ${org}`);
      return structuredClone(found);
    },
    failNext: http.failNext,
    failWhen: http.failWhen,
    answerNext: http.answerNext,
    answerWhen: http.answerWhen,
    requests: http.requests,
    close: http.close,
  };
}
