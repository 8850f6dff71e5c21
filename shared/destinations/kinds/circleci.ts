import * as z from "zod/mini";
import { apiUrl, names, tokenSecret } from "../fields";
import type { DestinationKind } from "../kind";
import { anyCase, apiBase, at, exact, halves } from "../places";

const USUAL_API = "https://circleci.com/api/v2";

const schema = z.strictObject({
  type: z.literal("circleci"),
  /** A project slug such as `gh/org/repo`, or a context's id. */
  project: z.optional(
    z.string().check(z.regex(/^[\w-]+\/[\w.-]+\/[\w.-]+$/, "must be a slug such as gh/org/repo")),
  ),
  context: z.optional(z.string().check(z.regex(/^[0-9a-f-]{36}$/, "must be a context id (a UUID)"))),
  apiUrl: z._default(apiUrl, USUAL_API),
  tokenSecret,
  names,
});

export type CircleCiDestination = z.infer<typeof schema>;

/** Environment variables of a CircleCI project or context. */
export const circleciKind: DestinationKind<CircleCiDestination> = {
  type: "circleci",
  schema,
  placeId: (d) => `circleci:${d.apiUrl}:${d.project ? `project:${d.project}` : `context:${d.context}`}`,
  describe: (d) =>
    `CircleCI ${d.project ? `project ${d.project}` : `context ${d.context}`} variables${d.apiUrl === USUAL_API ? "" : ` at ${d.apiUrl}`}`,
  problems: (d) => (!!d.project === !!d.context ? ["circleci: name either project or context"] : []),
  places: (d) =>
    halves(
      d,
      [
        exact("circleci"),
        anyCase(apiBase(d.apiUrl)),
        exact(d.project ? "project" : "context"),
        anyCase(d.project ?? d.context ?? ""),
      ],
      ([, base = "", kind, owner, name]) =>
        `CircleCI variable ${name} of ${kind} ${owner}${at(base, USUAL_API)}`,
    ),
};
