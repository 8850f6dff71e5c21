import type { Destination } from "./schema";
import { DEFAULT_VARIABLE_NAMES } from "./types";

/**
 * The places a destination writes, as its provider tells them apart: what two writes must share to
 * land in one place. Read from the writers: defaults filled in, a trailing `/` of an SSM path dropped
 * (as the SSM writer drops it), names compared regardless of case where the provider does (GitHub
 * upper-cases secret names) or may (repositories, projects, workspaces, hosts, CI variable names).
 */

/** A piece of a place: text, the user's account id or name (filled in per user), or any region. */
export type PlacePart =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "accountId" }
  | { readonly kind: "userName" }
  | { readonly kind: "anyRegion" };

/** How a field's characters are compared: as they are, or regardless of case. */
export type Fold = "exact" | "anyCase";

/** One field of a place (a repository, a name, an account); places are one when every field is. */
export interface PlaceField {
  readonly parts: readonly PlacePart[];
  readonly fold: Fold;
}

/** Which half of the key a place holds; a central copy holds both. */
export type Half = "accessKeyId" | "secretAccessKey" | "both";

/** One place a destination writes. */
export interface Place {
  /** The provider first: places of two providers never meet. */
  readonly fields: readonly PlaceField[];
  readonly half: Half;
  /** How the place reads, its fields as written for one user. */
  readonly label: (values: readonly string[]) => string;
}

export const text = (value: string): PlacePart => ({ kind: "text", text: value });
export const exact = (value: string): PlaceField => ({ parts: [text(value)], fold: "exact" });
export const anyCase = (value: string): PlaceField => ({ parts: [text(value)], fold: "anyCase" });

/** `{accountId}` and `{userName}` in a path or name, the rest text. */
export function templateParts(template: string): PlacePart[] {
  return template
    .split(/(\{accountId\}|\{userName\})/)
    .filter((piece) => piece !== "")
    .map((piece) =>
      piece === "{accountId}"
        ? { kind: "accountId" }
        : piece === "{userName}"
          ? { kind: "userName" }
          : text(piece),
    );
}

/** A provider's API base as one host: scheme, host and path, without a trailing `/`, in any case. */
export function apiBase(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, "")}`.toLowerCase();
  } catch {
    return url.replace(/\/+$/, "").toLowerCase();
  }
}

export const at = (base: string, usual: string) => (base === apiBase(usual) ? "" : ` at ${base}`);

/**
 * The two places of a CI destination, one per half, behind the same fields; `spelt` is how the
 * provider stores a variable's name.
 */
export function halves(
  d: Destination & { names?: { accessKeyId: string; secretAccessKey: string } },
  fields: PlaceField[],
  label: Place["label"],
  spelt: (name: string) => string = (name) => name,
): Place[] {
  const names = d.names ?? DEFAULT_VARIABLE_NAMES;
  return (["accessKeyId", "secretAccessKey"] as const).map((half) => ({
    fields: [...fields, anyCase(spelt(names[half]))],
    half,
    label,
  }));
}

/** Every place `d` writes for a user, its templates not yet filled in. */
export function placesOf(d: Destination): Place[] {
  switch (d.type) {
    case "ssm": {
      const names = d.names ?? DEFAULT_VARIABLE_NAMES;
      const path = templateParts(d.path.replace(/\/+$/, ""));
      const account = d.account === undefined ? { kind: "accountId" as const } : text(d.account);
      const region = d.region === undefined ? { kind: "anyRegion" as const } : text(d.region);
      return (["accessKeyId", "secretAccessKey"] as const).map((half) => ({
        fields: [
          exact("ssm"),
          { parts: [...path, text(`/${names[half]}`)], fold: "exact" },
          { parts: [account], fold: "exact" },
          { parts: [region], fold: "exact" },
        ],
        half,
        label: ([, name, accountId, where]) =>
          `SSM parameter ${name} in account ${accountId}${where ? ` (${where})` : ""}`,
      }));
    }
    case "secrets-manager":
      return [
        {
          fields: [
            exact("secrets-manager"),
            { parts: templateParts(d.name), fold: "anyCase" },
            exact(d.account),
            { parts: [d.region === undefined ? { kind: "anyRegion" } : text(d.region)], fold: "exact" },
          ],
          half: "both",
          label: ([, name, accountId, where]) =>
            `Secrets Manager secret ${name} in account ${accountId}${where ? ` (${where})` : ""}`,
        },
      ];
    case "github": {
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
          return `GitHub secret ${name} of ${of}${at(base, "https://api.github.com")}`;
        },
        // GitHub upper-cases a secret's name: aws_key and AWS_KEY are one secret.
        (name) => name.toUpperCase(),
      );
    }
    case "gitlab":
      return halves(
        d,
        [
          exact("gitlab"),
          anyCase(apiBase(d.apiUrl)),
          exact(d.project ? "project" : "group"),
          anyCase(d.project ?? d.group ?? ""),
          exact(d.environmentScope),
        ],
        ([, base = "", kind, owner, scope, name]) =>
          `GitLab variable ${name} (scope ${scope}) of ${kind} ${owner}${at(base, "https://gitlab.com/api/v4")}`,
      );
    case "circleci":
      return halves(
        d,
        [
          exact("circleci"),
          anyCase(apiBase(d.apiUrl)),
          exact(d.project ? "project" : "context"),
          anyCase(d.project ?? d.context ?? ""),
        ],
        ([, base = "", kind, owner, name]) =>
          `CircleCI variable ${name} of ${kind} ${owner}${at(base, "https://circleci.com/api/v2")}`,
      );
    case "terraform-cloud":
      // The writer finds a variable by key and category: an env and a terraform variable of one key are two.
      return halves(
        d,
        [
          exact("terraform-cloud"),
          anyCase(apiBase(d.apiUrl)),
          anyCase(`${d.organization}/${d.workspace}`),
          exact(d.category),
        ],
        ([, base = "", workspace, category, name]) =>
          `Terraform Cloud ${category} variable ${name} of workspace ${workspace}${at(base, "https://app.terraform.io/api/v2")}`,
      );
  }
}
