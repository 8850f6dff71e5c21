import { createHash } from "node:crypto";

/**
 * The tag keyrotor puts on each secret it creates, naming the user for people reading the console.
 * keyrotor never reads secret tags to decide anything: its record is the ledger (docs/security.md).
 */
export const SECRET_TAGS = {
  user: "keyrotor:user",
} as const;

/**
 * IAM user names allow `[\w+=,.@-]`; secret names allow `[A-Za-z0-9/_+=.@-]`. Only `,` is refused,
 * so it is written `=2C`, and `=` itself `=3D` to keep the mapping reversible (quoted-printable style).
 */
export function encodeUserName(userName: string): string {
  return userName.replaceAll("=", "=3D").replaceAll(",", "=2C");
}

export function decodeUserName(encoded: string): string {
  return encoded.replace(/=(3D|2C)/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** The user's secret in its own account: `<prefix><encoded user name>`. */
export function secretNameFor(prefix: string, userName: string): string {
  return `${prefix}${encodeUserName(userName)}`;
}

/**
 * The `ClientRequestToken` (and so the version id) for the value holding `keyId`: 64 hex characters,
 * within AWS's 32–64. Deterministic, so a retried write is idempotent and the version id tells which
 * key the secret holds without reading it.
 */
export function requestTokenFor(keyId: string): string {
  return createHash("sha256").update(`keyrotor:${keyId}`).digest("hex");
}
