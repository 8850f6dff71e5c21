import * as z from "zod/mini";
import { apiUrl, names, tokenSecret } from "../fields";
import type { DestinationKind } from "../kind";
import { anyCase, apiBase, at, exact, halves } from "../places";

export const BITBUCKET_API = "https://api.bitbucket.org/2.0";

/**
 * A workspace or repository slug, or its `{uuid}`, as Bitbucket takes either in a path. A slug and a
 * uuid of one repository are two places to keyrotor, which cannot tell them one without asking
 * Bitbucket: the README asks to spell each one way throughout.
 */
const slug = (what: string) =>
  z
    .string()
    .check(
      z.regex(
        /^([A-Za-z0-9_.-]{1,128}|\{[0-9a-fA-F-]{36}\})$/,
        `must be the ${what}'s slug (letters, digits, -, _ and .) or its {uuid}`,
      ),
    );

const schema = z.strictObject({
  type: z.literal("bitbucket"),
  workspace: slug("workspace"),
  /** The repository's slug: its variables, or with `environment` that deployment environment's. */
  repository: slug("repository"),
  /** A deployment environment's name, as the repository's settings (and `deployment:` in bitbucket-pipelines.yml) say it. */
  environment: z.optional(
    z
      .string()
      .check(
        z.regex(
          /^[^\s\p{Cc}][^\p{Cc}]{0,98}[^\s\p{Cc}]$|^[^\s\p{Cc}]$/u,
          "must be a deployment environment's name (no leading or trailing spaces)",
        ),
      ),
  ),
  apiUrl: z._default(apiUrl, BITBUCKET_API),
  tokenSecret,
  names,
});

export type BitbucketDestination = z.infer<typeof schema>;

const where = (d: BitbucketDestination) =>
  d.environment === undefined
    ? `repository ${d.workspace}/${d.repository}`
    : `environment ${d.environment} of repository ${d.workspace}/${d.repository}`;

/**
 * Bitbucket Cloud Pipelines variables: a repository's, or a deployment environment's (which
 * override the repository's in that environment's deployment steps). Always secured.
 */
export const bitbucketKind: DestinationKind<BitbucketDestination> = {
  type: "bitbucket",
  schema,
  placeId: (d) =>
    `bitbucket:${d.apiUrl}:${d.workspace}/${d.repository}${d.environment === undefined ? "" : `:env:${d.environment}`}`,
  describe: (d) =>
    `Bitbucket Pipelines ${d.environment === undefined ? "repository" : "deployment"} variables of ${where(d)}${d.apiUrl === BITBUCKET_API ? "" : ` at ${d.apiUrl}`}`,
  problems: () => [],
  // Bitbucket tells variable names apart by case.
  nameFold: "exact",
  places: (d) =>
    halves(
      d,
      [
        exact("bitbucket"),
        anyCase(apiBase(d.apiUrl)),
        anyCase(`${d.workspace}/${d.repository}`),
        // An environment's variables are not the repository's: another place, even under one name.
        anyCase(d.environment === undefined ? "" : `env:${d.environment}`),
      ],
      ([, base = "", repository, environment = "", name]) =>
        `Bitbucket variable ${name} of ${environment ? `environment ${environment.slice(4)} of ` : ""}repository ${repository}${at(base, BITBUCKET_API)}`,
      undefined,
      "exact",
    ),
};
