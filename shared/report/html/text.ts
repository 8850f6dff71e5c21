/** Words and numbers as the HTML report writes them. Every text from the report passes through `text`. */

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Longest text taken from the report: names are short, but a reason can carry a long error message. */
const MAX_TEXT = 400;

/**
 * `value` safe in element content and in a quoted attribute. Account names, user names and reasons
 * come from the accounts themselves, so they are untrusted: markup in them must read as text.
 */
export function text(value: string): string {
  const clipped = value.length > MAX_TEXT ? `${value.slice(0, MAX_TEXT - 1)}…` : value;
  return clipped.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** A name set apart so right-to-left or control characters in it cannot reorder the text around it. */
export const name = (value: string) => `<bdi>${text(value)}</bdi>`;

const NUMBERS = new Intl.NumberFormat("en-US");

/** 12,345. */
export const num = (n: number) => NUMBERS.format(n);

/** `part` of `whole` as a share, `null` when there is nothing to share (no Active keys). */
export const shareOf = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);

/** "1 key", "2 keys". */
export const count = (n: number, noun: string) => `${num(n)} ${noun}${n === 1 ? "" : "s"}`;

/** "2026-05-04 06:00 UTC" from an ISO instant; the ISO text itself when it does not parse. */
export function instant(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return match ? `${match[1]} ${match[2]} UTC` : iso;
}

/** "2026-05-04" from an ISO instant. */
export const dayOf = (iso: string) => iso.slice(0, 10);
