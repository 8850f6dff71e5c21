import * as z from "zod/mini";
import { apiUrl, names, tokenSecret } from "../fields";
import type { DestinationKind } from "../kind";
import { anyCase, apiBase, at, exact, halves } from "../places";

const USUAL_API = "https://api.github.com";

/** The GitHub products that keep secrets of their own: Actions (when left out), Dependabot, Codespaces. */
export const GITHUB_APPS = ["actions", "dependabot", "codespaces"] as const;
export type GitHubApp = (typeof GITHUB_APPS)[number];

/** How each app's secrets read. */
const APP_NAMES: Readonly<Record<GitHubApp, string>> = {
  actions: "Actions",
  dependabot: "Dependabot",
  codespaces: "Codespaces",
};

/** The app a destination writes for: Actions unless it says otherwise. */
export const githubApp = (d: { readonly app?: GitHubApp | undefined }): GitHubApp => d.app ?? "actions";

const schema = z.strictObject({
  type: z.literal("github"),
  /** Whose secrets: Actions' (when left out), Dependabot's or Codespaces'. */
  app: z.optional(z.enum(GITHUB_APPS)),
  /** `owner/repo`: a repository secret, or with `environment` an environment secret (Actions only). */
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

/**
 * GitHub Actions, Dependabot or Codespaces secrets of a repository, an organization, or (Actions
 * only) one of a repository's environments.
 */
export const githubKind: DestinationKind<GitHubDestination> = {
  type: "github",
  schema,
  placeId(d) {
    // Actions' identities stay as they were before the other apps: a ledger knows them.
    const app = githubApp(d) === "actions" ? "" : `${d.app}:`;
    return d.organization
      ? `github:${d.apiUrl}:${app}org:${d.organization}`
      : `github:${d.apiUrl}:${app}repo:${d.repository}${d.environment ? `:env:${d.environment}` : ""}`;
  },
  describe(d) {
    const where = d.organization
      ? `organization ${d.organization}`
      : `repository ${d.repository}${d.environment ? ` (environment ${d.environment})` : ""}`;
    return `GitHub ${APP_NAMES[githubApp(d)]} secrets of ${where}${d.apiUrl === USUAL_API ? "" : ` at ${d.apiUrl}`}`;
  },
  problems(d) {
    if (!!d.repository === !!d.organization) return ["github: name either repository or organization"];
    if (d.organization && d.environment)
      return ["github: environment goes with a repository, not an organization"];
    if (d.environment !== undefined && githubApp(d) !== "actions") {
      return [`github: environment goes with app actions only (${d.app} has no environment secrets)`];
    }
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
    // Each app keeps its own secrets: an Actions and a Dependabot secret of one name are two.
    const app = githubApp(d);
    const whose = app === "actions" ? "" : `${APP_NAMES[app]} `;
    return halves(
      d,
      [
        exact("github"),
        anyCase(apiBase(d.apiUrl)),
        exact(app),
        exact(scope),
        anyCase(d.organization ?? d.repository ?? ""),
        anyCase(d.environment ?? ""),
      ],
      ([, base = "", , kind, owner, environment, name]) => {
        const of =
          kind === "org"
            ? `organization ${owner}`
            : kind === "env"
              ? `environment ${environment} of repository ${owner}`
              : `repository ${owner}`;
        return `GitHub ${whose}secret ${name} of ${of}${at(base, USUAL_API)}`;
      },
      // GitHub upper-cases a secret's name: aws_key and AWS_KEY are one secret.
      (name) => name.toUpperCase(),
    );
  },
};
