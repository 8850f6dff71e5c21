import type { Fold, Half, Place } from "./places";
import type { Binding } from "./schema";

/**
 * One place of one destination as its binding's users could write it: a sequence of atoms (a
 * character from a set, or any run of them) and what is known of who writes it. The collision
 * search (collisions.ts) walks two of them at once.
 */

export type Variable = "account" | "user";

/** One character of a place, or any run of characters (`star`). */
export interface Atom {
  readonly chars: string;
  readonly star: boolean;
  /** The account id or user name this character belongs to, and which mention of it in the place. */
  readonly of?: { readonly variable: Variable; readonly mention: number };
}

/**
 * Who writes, as far as one variable goes: pinned by the binding (`fixed`), said by the place
 * (`placed`: it can be read back from the place), or neither (`open`: any of the binding's users).
 */
type Identity =
  | { readonly kind: "fixed"; readonly value: string }
  | { readonly kind: "placed"; readonly mentions: number }
  | { readonly kind: "open" };

export interface Side {
  readonly place: Place;
  readonly half: Half;
  readonly atoms: readonly Atom[];
  readonly account: Identity;
  readonly user: Identity;
  /** How the place compares the user's name where it says it. */
  readonly userFold: Fold;
}

const SEPARATOR = "\u0000";
const DIGITS = "0123456789";
const IAM_NAME = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+=,.@-";
const REGION = "abcdefghijklmnopqrstuvwxyz0123456789-";

/** One character's set: itself, and in a field of any case its other case after it (the one spelt first). */
const charsOf = (c: string, fold: Fold) => {
  const other = c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase();
  return fold === "anyCase" && other !== c ? `${c}${other}` : c;
};

/** The user's name as a binding's pattern allows it: at least one character, `*` any run. */
function nameAtoms(pattern: string, fold: Fold, of: Atom["of"]): Atom[] {
  const atoms: Atom[] = [...pattern].map((c) =>
    c === "*" ? { chars: IAM_NAME, star: true, of } : { chars: charsOf(c, fold), star: false, of },
  );
  // IAM names have a character at least: a pattern of `*` alone must not match the empty name.
  return atoms.every((a) => a.star) ? [{ chars: IAM_NAME, star: false, of }, ...atoms] : atoms;
}

/** `place` as `binding`'s users write it: its account id and name filled in where the binding pins them. */
export function sideOf(place: Place, binding: Binding): Side {
  const atoms: Atom[] = [];
  const mentions = { account: 0, user: 0 };
  let userFold: Fold = "exact";
  const literalUser = !binding.user.includes("*");
  const literalAccount = binding.account !== "*";
  place.fields.forEach((field, f) => {
    if (f > 0) atoms.push({ chars: SEPARATOR, star: false });
    const put = (value: string) => {
      for (const c of value) atoms.push({ chars: charsOf(c, field.fold), star: false });
    };
    for (const part of field.parts) {
      if (part.kind === "text") put(part.text);
      else if (part.kind === "anyRegion") atoms.push({ chars: REGION, star: true });
      else if (part.kind === "accountId") {
        if (literalAccount) put(binding.account);
        else {
          const of = { variable: "account" as const, mention: mentions.account++ };
          for (let k = 0; k < 12; k++) atoms.push({ chars: DIGITS, star: false, of });
        }
      } else {
        userFold = field.fold;
        if (literalUser) put(binding.user);
        else
          atoms.push(...nameAtoms(binding.user, field.fold, { variable: "user", mention: mentions.user++ }));
      }
    }
  });
  const identity = (literal: boolean, value: string, count: number): Identity =>
    literal ? { kind: "fixed", value } : count > 0 ? { kind: "placed", mentions: count } : { kind: "open" };
  return {
    place,
    half: place.half,
    atoms,
    account: identity(literalAccount, binding.account, mentions.account),
    user: identity(literalUser, binding.user, mentions.user),
    userFold,
  };
}

/**
 * What the search keeps of one variable while it walks two sides: whether the two could be different
 * users, as far as that variable goes. `track` is the check's progress, a string so states compare.
 */
export interface Check {
  readonly start: string;
  /** The progress once both sides took `char` (`x` at atom `p`, `y` at atom `q`). */
  step(track: string, char: string, p: Atom, q: Atom): string;
  /** The characters the check tells apart at this step (a literal name's next one). */
  wants(track: string, p: Atom, q: Atom): string[];
  /** At the end of the place: whether the variable's values can differ. */
  differs(track: string): boolean;
}

const decided = (differ: boolean): Check => ({
  start: "",
  step: () => "",
  wants: () => [],
  differs: () => differ,
});

const mentioned = (atom: Atom, variable: Variable) => (atom.of?.variable === variable ? atom.of.mention : -1);

/**
 * A value one side's binding pins against the other side's mentions of it: equal when a mention
 * spells it exactly (each mention's progress through `value`, -1 once it strays).
 */
function matching(variable: Variable, onY: boolean, value: string, fold: Fold, mentions: number): Check {
  const same = (a: string, b: string | undefined) =>
    fold === "anyCase" ? a.toLowerCase() === b?.toLowerCase() : a === b;
  const read = (track: string) => track.split(".").map(Number);
  return {
    start: Array.from({ length: mentions }, () => "0").join("."),
    step(track, char, p, q) {
      const k = mentioned(onY ? q : p, variable);
      if (k < 0) return track;
      const progress = read(track);
      const at = progress[k] ?? -1;
      progress[k] = at >= 0 && same(char, value[at]) ? at + 1 : -1;
      return progress.join(".");
    },
    wants(track, p, q) {
      const k = mentioned(onY ? q : p, variable);
      const next = k < 0 ? undefined : value[read(track)[k] ?? -1];
      return next === undefined ? [] : [next];
    },
    differs: (track) => !read(track).some((at) => at === value.length),
  };
}

/**
 * Both sides' mentions against each other: a pair of mentions that start and end at the same
 * characters holds one value. Per pair: 0 neither begun, S both running, E ended together, X apart.
 */
function aligned(variable: Variable, xs: number, ys: number): Check {
  return {
    start: "0".repeat(xs * ys),
    step(track, _char, p, q) {
      const [inX, inY] = [mentioned(p, variable), mentioned(q, variable)];
      return [...track]
        .map((phase, n) => {
          const [a, b] = [inX === Math.floor(n / ys), inY === n % ys];
          if (phase === "0") return a && b ? "S" : a || b ? "X" : "0";
          if (phase === "S") return a && b ? "S" : a || b ? "X" : "E";
          return phase;
        })
        .join("");
    },
    wants: () => [],
    differs: (track) => ![...track].some((phase) => phase !== "X"),
  };
}

/** How the search compares `variable` (the account id or the user's name) of side `x` and side `y`. */
export function checkOf(x: Side, y: Side, variable: Variable): Check {
  const [a, b] = variable === "account" ? [x.account, y.account] : [x.user, y.user];
  if (a.kind === "open" || b.kind === "open") return decided(true);
  if (a.kind === "fixed" && b.kind === "fixed")
    return decided(a.value.toLowerCase() !== b.value.toLowerCase());
  if (a.kind === "fixed" && b.kind === "placed") {
    return matching(variable, true, a.value, variable === "user" ? y.userFold : "exact", b.mentions);
  }
  if (a.kind === "placed" && b.kind === "fixed") {
    return matching(variable, false, b.value, variable === "user" ? x.userFold : "exact", a.mentions);
  }
  return aligned(variable, (a as { mentions: number }).mentions, (b as { mentions: number }).mentions);
}
