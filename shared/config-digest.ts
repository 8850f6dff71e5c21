import { createHash } from "node:crypto";

/** JSON with every object's keys in order: the same settings, however written, give the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The digest of a canonical text: what `keyrotor config validate` prints and each function logs. */
export const textDigest = (text: string) => `sha256:${createHash("sha256").update(text).digest("hex")}`;

/** The digest of settings as given: YAML or JSON, key order and layout do not change it. */
export const settingsDigest = (settings: Record<string, unknown>) => textDigest(canonicalJson(settings));
