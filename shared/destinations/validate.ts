import { wildcardMatches } from "../wildcard";
import { collisionProblems, type DeliveryProblem } from "./collisions";
import type { Binding, Destination } from "./schema";
import { DEFAULT_VARIABLE_NAMES, type VariableNames } from "./types";

const hasWildcard = (s: string) => s.includes("*");

/**
 * A destination's identity: the place it writes and, when not the usual ones, the variable names it
 * writes there; never its token. Two destinations with one identity would overwrite each other's key.
 */
export function destinationId(d: Destination): string {
  const names = otherNames(d);
  return names ? `${placeId(d)}:names:${names.accessKeyId},${names.secretAccessKey}` : placeId(d);
}

/** The variable names a destination writes when they are not the usual ones; a place bound under two is two destinations. */
function otherNames(d: Destination): VariableNames | undefined {
  const names = "names" in d ? d.names : undefined;
  if (!names) return undefined;
  const usual =
    names.accessKeyId === DEFAULT_VARIABLE_NAMES.accessKeyId &&
    names.secretAccessKey === DEFAULT_VARIABLE_NAMES.secretAccessKey;
  return usual ? undefined : names;
}

function placeId(d: Destination): string {
  switch (d.type) {
    case "github":
      return d.organization
        ? `github:${d.apiUrl}:org:${d.organization}`
        : `github:${d.apiUrl}:repo:${d.repository}${d.environment ? `:env:${d.environment}` : ""}`;
    case "gitlab":
      return `gitlab:${d.apiUrl}:${d.project ? `project:${d.project}` : `group:${d.group}`}:${d.environmentScope}`;
    case "circleci":
      return `circleci:${d.apiUrl}:${d.project ? `project:${d.project}` : `context:${d.context}`}`;
    case "terraform-cloud":
      return `terraform-cloud:${d.apiUrl}:${d.organization}/${d.workspace}:${d.category}`;
    case "ssm":
      return `ssm:${d.account ?? "{accountId}"}:${d.region ?? "-"}:${d.path}`;
    case "secrets-manager":
      return `secrets-manager:${d.account}:${d.region ?? "-"}:${d.name}`;
  }
}

/** How a destination reads in a notice or a report: the place, never the token. */
export function describeDestination(d: Destination): string {
  const names = otherNames(d);
  return names ? `${describePlace(d)} as ${names.accessKeyId}/${names.secretAccessKey}` : describePlace(d);
}

function describePlace(d: Destination): string {
  const host = (url: string, usual: string) => (url === usual ? "" : ` at ${url}`);
  switch (d.type) {
    case "github": {
      const where = d.organization
        ? `organization ${d.organization}`
        : `repository ${d.repository}${d.environment ? ` (environment ${d.environment})` : ""}`;
      return `GitHub Actions secrets of ${where}${host(d.apiUrl, "https://api.github.com")}`;
    }
    case "gitlab":
      return `GitLab CI/CD variables of ${d.project ? `project ${d.project}` : `group ${d.group}`} (scope ${d.environmentScope})${host(d.apiUrl, "https://gitlab.com/api/v4")}`;
    case "circleci":
      return `CircleCI ${d.project ? `project ${d.project}` : `context ${d.context}`} variables${host(d.apiUrl, "https://circleci.com/api/v2")}`;
    case "terraform-cloud":
      return `Terraform Cloud workspace ${d.organization}/${d.workspace} (${d.category} variables)${host(d.apiUrl, "https://app.terraform.io/api/v2")}`;
    case "ssm":
      return `SSM parameters ${d.path}/*${d.account ? ` in account ${d.account}` : ""}${d.region ? ` (${d.region})` : ""}`;
    case "secrets-manager":
      return `Secrets Manager secret ${d.name} in account ${d.account}${d.region ? ` (${d.region})` : ""}`;
  }
}

/** What a destination's own fields get wrong, each naming the field. */
function fieldProblems(d: Destination, secretPrefix: string): string[] {
  // One variable for both halves: the secret would overwrite the key id, or the other way round.
  const names = "names" in d ? d.names : undefined;
  if (names && names.accessKeyId.toUpperCase() === names.secretAccessKey.toUpperCase()) {
    return [`${d.type}: names.accessKeyId and names.secretAccessKey name one variable`];
  }
  switch (d.type) {
    case "github":
      if (!!d.repository === !!d.organization) return ["github: name either repository or organization"];
      if (d.organization && d.environment)
        return ["github: environment goes with a repository, not an organization"];
      if (d.repository && (d.visibility || d.selectedRepositoryIds)) {
        return ["github: visibility and selectedRepositoryIds go with an organization"];
      }
      if (d.visibility === "selected" && !d.selectedRepositoryIds?.length) {
        return ['github: visibility "selected" needs selectedRepositoryIds'];
      }
      if (d.names && [d.names.accessKeyId, d.names.secretAccessKey].some((n) => /^GITHUB_/i.test(n))) {
        return ["github: secret names may not start with GITHUB_"];
      }
      return [];
    case "gitlab":
      return !!d.project === !!d.group ? ["gitlab: name either project or group"] : [];
    case "circleci":
      return !!d.project === !!d.context ? ["circleci: name either project or context"] : [];
    case "terraform-cloud":
      return [];
    case "ssm":
      return d.path.startsWith(`/${secretPrefix}`)
        ? []
        : [`ssm: path must start with /${secretPrefix} (where keyrotor's member role may write)`];
    case "secrets-manager": {
      const rest = d.name.startsWith(secretPrefix) ? d.name.slice(secretPrefix.length) : null;
      if (rest === null) return [`secrets-manager: name must start with ${secretPrefix}`];
      // A user's own secret is the prefix and the user's name, which never holds a `/`.
      return rest.includes("/")
        ? []
        : [
            `secrets-manager: name needs a / after ${secretPrefix} (e.g. ${secretPrefix}central/{accountId}/{userName})`,
          ];
    }
  }
}

/** What a destination's place must say so that each user of the binding gets a place of its own. */
function sharingProblems(b: Binding, d: Destination): string[] {
  const place = d.type === "ssm" ? d.path : d.type === "secrets-manager" ? d.name : null;
  if (place === null) {
    return hasWildcard(b.user) || b.account === "*"
      ? [`${d.type}: a CI destination takes one user's key: name one account and one user (no *)`]
      : [];
  }
  const problems: string[] = [];
  if (hasWildcard(b.user) && !place.includes("{userName}")) {
    problems.push(`${d.type}: user ${b.user} may match several users: the path or name must say {userName}`);
  }
  const elsewhere = d.type === "secrets-manager" || (d.type === "ssm" && d.account !== undefined);
  if (elsewhere && b.account === "*" && !place.includes("{accountId}")) {
    problems.push(
      `${d.type}: account * writes to one account for all: the path or name must say {accountId}`,
    );
  }
  return problems;
}

export type { DeliveryProblem } from "./collisions";

/**
 * Every problem of the `deliveries` setting, each at the destination it is about. Beyond field rules:
 * one key per place (no binding may send several users' keys to one place, no two destinations may
 * write two users' keys, or one user's key id and secret, to one place), and no place named twice.
 */
export function deliveryProblems(bindings: readonly Binding[], secretPrefix: string): DeliveryProblem[] {
  const problems: DeliveryProblem[] = [];
  const seen = new Map<string, string>();
  bindings.forEach((b, i) => {
    b.destinations.forEach((d, j) => {
      const path = [i, "destinations", j];
      const at = `deliveries[${i}].destinations[${j}]`;
      for (const message of [...fieldProblems(d, secretPrefix), ...sharingProblems(b, d)]) {
        problems.push({ path, message });
      }
      // The same user's destinations are told apart by their identity: a second one would not be written.
      const id = `${b.account}/${b.user}/${destinationId(d)}`;
      const earlier = seen.get(id);
      if (earlier) problems.push({ path, message: `writes where ${earlier} already does` });
      else seen.set(id, at);
    });
  });
  return [...problems, ...collisionProblems(bindings)];
}

/** A destination as it applies to one user: its templates filled in, and its identity. */
export interface BoundDestination {
  readonly id: string;
  readonly label: string;
  readonly destination: Destination;
}

/** Fills `{accountId}` and `{userName}` into a destination's path or name. */
function fill(d: Destination, accountId: string, userName: string): Destination {
  const put = (s: string) => s.replaceAll("{accountId}", accountId).replaceAll("{userName}", userName);
  if (d.type === "ssm") return { ...d, path: put(d.path) };
  if (d.type === "secrets-manager") return { ...d, name: put(d.name) };
  return d;
}

/** The destinations of one user, from every binding that matches it (each place once). */
export function destinationsOf(
  bindings: readonly Binding[],
  accountId: string,
  userName: string,
): BoundDestination[] {
  const byId = new Map<string, BoundDestination>();
  for (const b of bindings) {
    if (b.account !== "*" && b.account !== accountId) continue;
    if (!wildcardMatches(b.user, userName)) continue;
    for (const d of b.destinations) {
      const destination = fill(d, accountId, userName);
      const id = destinationId(destination).replace("{accountId}", accountId);
      if (!byId.has(id)) byId.set(id, { id, label: describeDestination(destination), destination });
    }
  }
  return [...byId.values()];
}
