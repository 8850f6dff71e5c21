import type { Reply, ReplyTo, ServerRequest } from "./http-server";

/**
 * Answers that repeat what a request carried, as a careless provider, a debugging proxy or a hostile
 * one may: the token headers and the body (which holds the value being written), raw and encoded,
 * whole and split, in every field providers put their explanations in, and in headers. The local
 * provider servers send them through `answerNext` / `answerWhen`.
 */

/** The ways an echo may spell a string. */
export const ENCODINGS = {
  raw: (s: string) => s,
  json: (s: string) => JSON.stringify(s).slice(1, -1),
  base64: (s: string) => Buffer.from(s).toString("base64"),
  base64url: (s: string) => Buffer.from(s).toString("base64url"),
  url: (s: string) => encodeURIComponent(s),
  hex: (s: string) => Buffer.from(s).toString("hex"),
  upper: (s: string) => s.toUpperCase(),
} as const satisfies Record<string, (s: string) => string>;

export type Encoding = keyof typeof ENCODINGS;

/**
 * What a request carried that an echo may repeat, the most telling first: what the provider knows,
 * the token headers (with and without their scheme), the body, then every other header's value.
 */
export function carried(request: ServerRequest, known: readonly string[] = []): string[] {
  const values = (names: (name: string) => boolean) =>
    Object.entries(request.headers).flatMap(([name, v]) =>
      v === undefined || !names(name) ? [] : [String(v)],
    );
  const tokens = values((name) => TOKEN_HEADERS.includes(name));
  // A token without its scheme, as a provider that quotes the token itself would.
  const bare = tokens.map((v) => v.replace(/^(Bearer|token|Basic) /i, ""));
  const others = values((name) => !TOKEN_HEADERS.includes(name));
  return [...new Set([...known, ...tokens, ...bare, request.text, ...others].filter((s) => s !== ""))];
}

const TOKEN_HEADERS = ["authorization", "private-token", "circle-token"];

/** The first and second half of a string, as an echo that splits what it repeats. */
export function halves(s: string): [string, string] {
  const middle = Math.ceil(s.length / 2);
  return [s.slice(0, middle), s.slice(middle)];
}

/** A header value that Node sends as it is: visible ASCII and spaces only, else base64. */
export function headerSafe(s: string): string {
  return /^[\x20-\x7e]*$/.test(s) ? s : Buffer.from(s).toString("base64");
}

/**
 * Answers `status` repeating everything the request carried (and `known`, strings a provider knows,
 * such as a value it decrypted) in every encoding: as `message`, `error`, `errors[].detail` and
 * `title`, field errors, `Location`, `WWW-Authenticate`, `Retry-After` and a header of its own.
 */
export function echoEverything(status: number, known: readonly string[] = []): ReplyTo {
  return (request): Reply => {
    const spelled = carried(request, known).flatMap((s) =>
      Object.values(ENCODINGS).flatMap((encode) => [encode(s), ...halves(encode(s))]),
    );
    const all = spelled.join(" | ");
    const body = {
      message: all,
      error: all,
      error_description: all,
      errors: spelled.map((s) => ({ status: String(status), title: s, detail: s, message: s })),
      fields: { key: spelled, value: spelled },
      request: { headers: request.headers, body: request.text },
    };
    // Headers hold what fits in them (clients refuse a header block over 16 KiB): the short strings, tokens among them.
    const short = spelled.filter((s) => s.length <= 200);
    const first = short[0] ?? "";
    const headers = {
      location: `http://127.0.0.2/${encodeURIComponent(short.slice(0, 8).join(" "))}`,
      "www-authenticate": `Bearer error="${headerSafe(first)}"`,
      "retry-after": headerSafe(first),
      "x-echo": headerSafe(short.join(" ")).slice(0, 8_000),
    };
    return { status, body, headers };
  };
}
