import * as z from "zod/mini";
import { apiUrl, names, tokenSecret } from "../fields";
import type { DestinationKind } from "../kind";
import { anyCase, apiBase, at, exact, halves } from "../places";

const USUAL_API = "https://gitlab.com/api/v4";

const schema = z.strictObject({
  type: z.literal("gitlab"),
  /** A project's id or full path (`group/project`), or a group's. */
  project: z.optional(z.string().check(z.minLength(1))),
  group: z.optional(z.string().check(z.minLength(1))),
  environmentScope: z._default(z.string().check(z.minLength(1)), "*"),
  masked: z._default(z.boolean(), true),
  protected: z._default(z.boolean(), true),
  apiUrl: z._default(apiUrl, USUAL_API),
  tokenSecret,
  names,
});

export type GitLabDestination = z.infer<typeof schema>;

/** GitLab CI/CD variables of a project or a group, in one environment scope. */
export const gitlabKind: DestinationKind<GitLabDestination> = {
  type: "gitlab",
  schema,
  placeId: (d) =>
    `gitlab:${d.apiUrl}:${d.project ? `project:${d.project}` : `group:${d.group}`}:${d.environmentScope}`,
  describe: (d) =>
    `GitLab CI/CD variables of ${d.project ? `project ${d.project}` : `group ${d.group}`} (scope ${d.environmentScope})${d.apiUrl === USUAL_API ? "" : ` at ${d.apiUrl}`}`,
  problems: (d) => (!!d.project === !!d.group ? ["gitlab: name either project or group"] : []),
  places: (d) =>
    halves(
      d,
      [
        exact("gitlab"),
        anyCase(apiBase(d.apiUrl)),
        exact(d.project ? "project" : "group"),
        anyCase(d.project ?? d.group ?? ""),
        exact(d.environmentScope),
      ],
      ([, base = "", kind, owner, scope, name]) =>
        `GitLab variable ${name} (scope ${scope}) of ${kind} ${owner}${at(base, USUAL_API)}`,
    ),
};
