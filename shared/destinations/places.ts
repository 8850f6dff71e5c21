import { DEFAULT_VARIABLE_NAMES } from "./types";

/**
 * The places a destination writes, as its provider tells them apart: what two writes must share to
 * land in one place; each kind (kinds/) builds its own with these. Read from the writers: defaults filled in, a trailing `/` of an SSM path dropped
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
 * provider stores a variable's name, `fold` how it compares two (its kind's `nameFold`).
 */
export function halves(
  d: { readonly names?: { readonly accessKeyId: string; readonly secretAccessKey: string } | undefined },
  fields: PlaceField[],
  label: Place["label"],
  spelt: (name: string) => string = (name) => name,
  fold: Fold = "anyCase",
): Place[] {
  const names = d.names ?? DEFAULT_VARIABLE_NAMES;
  return (["accessKeyId", "secretAccessKey"] as const).map((half) => ({
    fields: [...fields, { parts: [text(spelt(names[half]))], fold }],
    half,
    label,
  }));
}
