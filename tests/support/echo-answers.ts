import fc from "fast-check";
import { ENCODINGS, type Encoding, halves, headerSafe } from "../../scripts/lib/providers/echo";
import type { Reply, ReplyTo, ServerRequest } from "../../scripts/lib/providers/http-server";

/**
 * Arbitrary answers that echo what keyrotor sent: fast-check draws a plan (a status, and pieces of
 * the request or of what the provider knows, each encoded, maybe split, wrapped in noise and put
 * somewhere in the body or the headers), and `replyOf` makes the answer of a plan to a request.
 */

/** What a piece repeats: the token, the value being written, the request's body or one of its headers. */
type Source = "token" | "secret" | "body" | "header";
type Part = "whole" | "first" | "second";
type Place =
  | "message"
  | "error"
  | "errors.detail"
  | "errors.title"
  | "message.key"
  | "message.value"
  | "message.other"
  | "data.attributes.value"
  | "text"
  | "header:location"
  | "header:retry-after"
  | "header:x-ratelimit-reset"
  | "header:www-authenticate"
  | "header:x-echo";

interface Piece {
  readonly source: Source;
  readonly header: number;
  readonly encoding: Encoding;
  readonly part: Part;
  readonly before: string;
  readonly after: string;
  readonly place: Place;
}

export interface EchoPlan {
  readonly status: number;
  /** Which request of the delivery (from 0) gets the answer. */
  readonly at: number;
  readonly pieces: readonly Piece[];
}

const PLACES: readonly Place[] = [
  "message",
  "error",
  "errors.detail",
  "errors.title",
  "message.key",
  "message.value",
  "message.other",
  "data.attributes.value",
  "text",
  "header:location",
  "header:retry-after",
  "header:x-ratelimit-reset",
  "header:www-authenticate",
  "header:x-echo",
];

const piece: fc.Arbitrary<Piece> = fc.record({
  source: fc.constantFrom<Source>("token", "secret", "body", "header"),
  header: fc.nat(20),
  encoding: fc.constantFrom(...(Object.keys(ENCODINGS) as Encoding[])),
  part: fc.constantFrom<Part>("whole", "whole", "first", "second"),
  before: fc.string({ maxLength: 12 }),
  after: fc.string({ maxLength: 12 }),
  place: fc.constantFrom(...PLACES),
});

/** Plans for a delivery of up to `requests` requests; statuses weighted towards errors and redirects. */
export function echoPlans(requests: number): fc.Arbitrary<EchoPlan> {
  return fc.record({
    status: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(400, 401, 403, 404, 409, 422, 429, 500, 502, 503) },
      { weight: 1, arbitrary: fc.constantFrom(301, 302, 307, 308) },
      { weight: 1, arbitrary: fc.integer({ min: 200, max: 599 }) },
    ),
    at: fc.nat(requests - 1),
    pieces: fc.array(piece, { minLength: 1, maxLength: 6 }),
  });
}

function textOf(p: Piece, request: ServerRequest, known: { token: string; secret: string }): string {
  const headers = Object.values(request.headers).map(String);
  const source =
    p.source === "token"
      ? known.token
      : p.source === "secret"
        ? known.secret
        : p.source === "body"
          ? request.text
          : (headers[p.header % Math.max(1, headers.length)] ?? "");
  const spelled = ENCODINGS[p.encoding](source);
  const [first, second] = halves(spelled);
  const part = p.part === "whole" ? spelled : p.part === "first" ? first : second;
  return `${p.before}${part}${p.after}`;
}

/** Puts `text` at `path` (dotted; `errors` is an array of objects) in `body`. */
function place(body: Record<string, unknown>, path: string, text: string): void {
  const [head = "", ...rest] = path.split(".");
  if (rest.length === 0) {
    body[head] = text;
    return;
  }
  if (head === "errors") {
    const errors = Array.isArray(body.errors) ? (body.errors as Record<string, unknown>[]) : [];
    errors.push({ [rest.join(".")]: text });
    body.errors = errors;
    return;
  }
  const inner = typeof body[head] === "object" && body[head] !== null ? body[head] : {};
  body[head] = inner;
  if (rest.length === 1 && head === "message") {
    // GitLab's field errors: `{"message": {"key": ["..."]}}`.
    (inner as Record<string, unknown>)[rest[0] ?? ""] = [text];
    return;
  }
  place(inner as Record<string, unknown>, rest.join("."), text);
}

/** The answer a plan makes of a request, given the token and the value the provider knows. */
export function replyOf(plan: EchoPlan, known: { token: string; secret: string }): ReplyTo {
  return (request): Reply => {
    const body: Record<string, unknown> = {};
    const headers: Record<string, string> = {};
    let text: string | undefined;
    for (const p of plan.pieces) {
      const said = textOf(p, request, known);
      if (p.place === "text") text = `${text ?? ""}${said}`;
      else if (p.place.startsWith("header:")) {
        const name = p.place.slice("header:".length);
        const value = headerSafe(said).slice(0, 4_000);
        headers[name] = name === "location" ? `http://127.0.0.2/${encodeURIComponent(value)}` : value;
      } else place(body, p.place, said);
    }
    return { status: plan.status, headers, body: text ?? body };
  };
}

/** Every way an echo may spell the hidden strings, whole or halved, that is long enough to stand for them. */
export function spellingsOf(hidden: readonly string[]): string[] {
  const spelled = hidden.flatMap((s) => Object.values(ENCODINGS).map((encode) => encode(s)));
  return [...new Set(spelled.flatMap((s) => [s, ...halves(s)]))].filter((s) => s.length >= 8);
}
