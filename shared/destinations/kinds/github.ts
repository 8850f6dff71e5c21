import * as z from "zod/mini";
import { apiUrl, names, tokenSecret } from "../fields";
import type { DestinationKind } from "../kind";
import { anyCase, apiBase, at, exact, halves } from "../places";

const USUAL_API = "https://api.github.com";

const schema = z.strictObject({
  type: z.literal("github"),
  /** `owner/repo`: a repository secret, or with `environment` an environment secret. */
  repository: z.optional(z.string().check(z.regex(/^[\w.-]+\/[\w.-]+$/, "must be owner/repo"))),
  environment: z.optional(z.string().check(z.regex(/^[^\s/][^/]{0,254}$/, "must be an environment name"))),
  /** An organization secret, visible to `visibility` repositories. */
  organization: z.optional(z.string().check(z.regex(/^[\w.-]+$/, "must be an organization login"))),
  visibility: z.optional(z.enum(["all", "private", "selected"])),
  selectedRepositoryIds: z.optional(z.array(z.number().check(z.int(), z.positive()))),
  apiUrl: z._default(apiUrl, USUAL_API),
  tokenSecret,
  names,
});

export type GitHubDestination = z.infer<typeof schema>;

/** GitHub Actions secrets of a repository, one of its environments, or an organization. */
export const githubKind: DestinationKind<GitHubDestination> = {
  type: "github",
  schema,
  placeId: (d) =>
    d.organization
      ? `github:${d.apiUrl}:org:${d.organization}`
      : `github:${d.apiUrl}:repo:${d.repository}${d.environment ? `:env:${d.environment}` : ""}`,
  describe(d) {
    const where = d.organization
      ? `organization ${d.organization}`
      : `repository ${d.repository}${d.environment ? ` (environment ${d.environment})` : ""}`;
    return `GitHub Actions secrets of ${where}${d.apiUrl === USUAL_API ? "" : ` at ${d.apiUrl}`}`;
  },
  problems(d) {
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
  },
  places(d) {
    const scope = d.organization ? "org" : d.environment !== undefined ? "env" : "repo";
    return halves(
      d,
      [
        exact("github"),
        anyCase(apiBase(d.apiUrl)),
        exact(scope),
        anyCase(d.organization ?? d.repository ?? ""),
        anyCase(d.environment ?? ""),
      ],
      ([, base = "", kind, owner, environment, name]) => {
        const of =
          kind === "org"
            ? `organization ${owner}`
            : kind === "env"
              ? `environment ${environment} of repository ${owner}`
              : `repository ${owner}`;
        return `GitHub secret ${name} of ${of}${at(base, USUAL_API)}`;
      },
      // GitHub upper-cases a secret's name: aws_key and AWS_KEY are one secret.
      (name) => name.toUpperCase(),
    );
  },
};
