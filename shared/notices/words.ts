/** One line of a notice: what happened or is coming, what to do next and who can do it. */
export interface Line {
  readonly what: string;
  /** Items listed under the line (the destinations a new key reached), after their lead-in. */
  readonly list?: { readonly lead: string; readonly items: readonly string[] };
  /** Why the line says what it says (the reasons behind advice). */
  readonly why?: string;
  readonly next?: string;
  /** A command for the person the line names (never for the account owner, unless it is theirs to run). */
  readonly command?: string;
}

export const day = (iso: string | undefined) => (iso ?? "").slice(0, 10);

/** `1 key`, `2 keys`. */
export const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * Who reads a rendering: the account's and users' owners, or keyrotor's operators (`adminEmail`), who
 * alone can fix what lives in keyrotor's own account (a destination's API token).
 */
export type Audience = "owner" | "operator";
