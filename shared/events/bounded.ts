/**
 * Text an event may carry: user names, destinations, reasons and failure messages come from tags,
 * configuration or other services, so each is cut to a bound its schema states, and anything shaped
 * like a credential is blanked first (a URL's user-info, an AWS secret access key's 40 characters).
 */
const URL_CREDENTIALS = /(\/\/)[^\s@]+@/g;
const SECRET_KEY_SHAPE = /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/g;
const CONTROL = /\p{Cc}+/gu;
const HIDDEN = "[REDACTED]";

/** `text` without credentials or control characters, at most `max` characters. */
export function boundedText(text: string, max: number): string {
  const clean = text
    .replace(URL_CREDENTIALS, `$1${HIDDEN}@`)
    .replace(SECRET_KEY_SHAPE, HIDDEN)
    .replace(CONTROL, " ");
  return clean.length <= max ? clean : `${clean.slice(0, max - 1)}…`;
}

/** An IAM access key id as IAM shapes them, or nothing: a key id is never free text. */
export function keyIdOf(id: string | undefined): string | undefined {
  return id !== undefined && /^[A-Z0-9]{16,128}$/.test(id) ? id : undefined;
}

/** The bounds the schemas state (docs/schemas/events/). */
export const BOUNDS = {
  runId: 128,
  userName: 128,
  reason: 512,
  destination: 256,
  secretName: 512,
  listItems: 20,
  change: 200,
} as const;
