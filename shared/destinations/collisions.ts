import { kindOf } from "./kinds";
import type { Place } from "./places";
import type { Binding } from "./schema";
import { type Atom, checkOf, type Side, sideOf } from "./sides";
import { writtenDestinations } from "./smtp/written";

/**
 * Whether two users' keys (or one user's key id and its secret) could land in one place. A place of
 * a destination, as its binding's users write it, is a language: its text, the user's account id (12
 * digits) and the user's name (the binding's pattern over IAM's name characters) where it says them.
 * The search walks two such places at once, a character at a time, and keeps track of who writes: an
 * account id or a name that starts and ends at the same characters on both sides is one value; one
 * side's against the other binding's literal value is compared character by character. Spans that do
 * not line up count as different users, and a place that says a name twice is read as saying two:
 * the search may refuse a configuration in which no two users could meet, never accept one in which
 * they could.
 */

/** A problem of the `deliveries` setting, at its place inside it (`[1, "destinations", 0]`). */
export interface DeliveryProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** Where two sides met: the place, as written there, and whether it is two users or two halves. */
interface Meeting {
  readonly label: string;
  readonly twoUsers: boolean;
}

const SEPARATOR = "\u0000";
/** The characters an example place is written with, when the search may choose. */
const PREFERRED = "x1abcdefghijklmnopqrstuvwyz023456789XABCDEFGHIJKLMNOPQRSTUVWYZ-_";

const common = new Map<string, string>();
function intersection(a: string, b: string): string {
  if (a === b) return a;
  const key = `${a}${SEPARATOR}${b}`;
  let found = common.get(key);
  if (found === undefined) {
    found = [...a].filter((c) => b.includes(c)).join("");
    if (common.size < 10_000) common.set(key, found);
  }
  return found;
}

/**
 * Whether two sides differ before any run of characters, from the start or from the end: what tells
 * nearly every pair apart without a search.
 */
function apart(x: Side, y: Side): boolean {
  const [a, b] = [x.atoms, y.atoms];
  for (let i = 0; ; i++) {
    const [p, q] = [a[i], b[i]];
    // One side ended while the other still needs a character.
    if (!p || !q) return (p ? a : b).slice(i).some((atom) => !atom.star);
    if (p.star || q.star) break;
    if (intersection(p.chars, q.chars) === "") return true;
  }
  for (let i = 1; i <= Math.min(a.length, b.length); i++) {
    const [p, q] = [a[a.length - i], b[b.length - i]];
    if (!p || !q || p.star || q.star) break;
    if (intersection(p.chars, q.chars) === "") return true;
  }
  return false;
}

interface State {
  readonly i: number;
  readonly j: number;
  /** Per check (account, user): its progress, as `Check.step` keeps it. */
  readonly tracks: readonly string[];
  readonly from: number;
  readonly char: string | null;
}

/** The first place `x` and `y` could both write for different users or halves, or `null`. */
function meeting(x: Side, y: Side): Meeting | null {
  if (apart(x, y)) return null;
  const checks = [checkOf(x, y, "account"), checkOf(x, y, "user")];
  const halves = x.half !== y.half;
  const states: State[] = [{ i: 0, j: 0, tracks: checks.map((c) => c.start), from: -1, char: null }];
  const seen = new Set<string>();
  const push = (s: State) => {
    const key = `${s.i},${s.j},${s.tracks.join(",")}`;
    if (!seen.has(key)) {
      seen.add(key);
      states.push(s);
    }
  };
  for (let n = 0; n < states.length; n++) {
    const s = states[n] as State;
    const [p, q] = [x.atoms[s.i], y.atoms[s.j]];
    if (!p && !q) {
      const twoUsers = checks.some((c, k) => c.differs(s.tracks[k] ?? ""));
      if (twoUsers || halves) return { label: labelOf(x.place, states, n), twoUsers };
      continue;
    }
    if (p?.star) push({ ...s, i: s.i + 1, from: n, char: null });
    if (q?.star) push({ ...s, j: s.j + 1, from: n, char: null });
    if (!p || !q) continue;
    const chars = intersection(p.chars, q.chars);
    if (chars === "") continue;
    const wanted = checks.flatMap((c, k) => c.wants(s.tracks[k] ?? "", p, q));
    for (const char of candidates(chars, wanted, p, q)) {
      push({
        i: p.star ? s.i : s.i + 1,
        j: q.star ? s.j : s.j + 1,
        tracks: checks.map((c, k) => c.step(s.tracks[k] ?? "", char, p, q)),
        from: n,
        char,
      });
    }
  }
  return null;
}

/**
 * The characters worth trying: each one a check is waiting for, and one that none is, as the later
 * destination spells it where it says a letter, else a plain one.
 */
function candidates(chars: string, wanted: readonly string[], p: Atom, q: Atom): string[] {
  const spelt = [p, q].flatMap((atom) => (atom.chars.length <= 2 ? [atom.chars[0] ?? ""] : []));
  const order = [...new Set([...spelt, ...PREFERRED, ...chars])].filter((c) => chars.includes(c));
  const isWanted = (c: string) => wanted.some((w) => w.toLowerCase() === c.toLowerCase());
  const other = order.find((c) => !isWanted(c));
  return [...order.filter(isWanted), ...(other === undefined ? [] : [other])];
}

/** The place as the search wrote it, field by field, as its label reads. */
function labelOf(place: Place, states: readonly State[], last: number): string {
  const chars: string[] = [];
  for (let n = last; n >= 0; n = states[n]?.from ?? -1) {
    const char = states[n]?.char;
    if (char) chars.push(char);
  }
  return place.label(chars.reverse().join("").split(SEPARATOR));
}

/** A destination of a binding, by where it is in `deliveries`, with the sides it writes. */
interface Writer {
  readonly at: string;
  readonly path: readonly (string | number)[];
  readonly sides: readonly Side[];
}

/**
 * The places two destinations of `bindings` share, each named once, at the later destination: which
 * place (an example, when users' names and accounts fill it in) and which earlier destination writes
 * there for another user (or writes there the other half of the same user's key).
 */
export function collisionProblems(bindings: readonly Binding[]): DeliveryProblem[] {
  const writers: Writer[] = bindings.flatMap((b, i) =>
    writtenDestinations(b).map(({ destination, index: j, smtp }) => ({
      at: `deliveries[${i}].destinations[${j}]${smtp ? ` (SMTP ${smtp.region})` : ""}`,
      path: [i, "destinations", j],
      sides: kindOf(destination)
        .places(destination)
        .map((place) => sideOf(place, b)),
    })),
  );
  const problems: DeliveryProblem[] = [];
  const earlierOf = candidatesIndex();
  writers.forEach((writer, k) => {
    for (const e of earlierOf(writer.sides, k)) {
      const earlier = writers[e] as Writer;
      const met = firstMeeting(writer.sides, earlier.sides);
      if (!met) continue;
      const whose = met.twoUsers
        ? `which ${earlier.at} writes for another user (one user's key would replace the other's)`
        : `where ${earlier.at} writes the other half of the key`;
      problems.push({ path: writer.path, message: `could write ${met.label}, ${whose}` });
      return;
    }
  });
  return problems;
}

/**
 * A side that is one text (no run of characters, each character one letter up to case): two such
 * sides can meet only if their texts are equal up to case, so they need comparing only then.
 */
function literalKey(side: Side): string | null {
  let key = "";
  for (const atom of side.atoms) {
    const folded = new Set(atom.chars.toLowerCase());
    if (atom.star || folded.size !== 1) return null;
    key += [...folded][0];
  }
  return key;
}

/**
 * The earlier writers worth searching against a writer's sides, in order: those with a side of the same
 * text, and every one with a side that is not one text (a pattern, an open account). With thousands of
 * bindings of their own repositories this keeps the check near linear instead of comparing every pair.
 */
function candidatesIndex(): (sides: readonly Side[], k: number) => number[] {
  const byText = new Map<string, number[]>();
  const patterned: number[] = [];
  return (sides, k) => {
    const keys = sides.map(literalKey);
    const literal = keys.every((key): key is string => key !== null);
    const found = literal
      ? [...new Set([...patterned, ...keys.flatMap((key) => byText.get(key) ?? [])])].sort((a, b) => a - b)
      : Array.from({ length: k }, (_, i) => i);
    if (!literal) patterned.push(k);
    else {
      for (const key of new Set(keys)) {
        const list = byText.get(key) ?? [];
        list.push(k);
        byText.set(key, list);
      }
    }
    return found;
  };
}

function firstMeeting(xs: readonly Side[], ys: readonly Side[]): Meeting | null {
  for (const x of xs) {
    for (const y of ys) {
      const met = meeting(x, y);
      if (met) return met;
    }
  }
  return null;
}
