import * as z from "zod/mini";
import { apiUrl, names, tokenSecret } from "../fields";
import type { DestinationKind } from "../kind";
import { anyCase, apiBase, exact, type Place } from "../places";
import { DEFAULT_VARIABLE_NAMES } from "../types";

/** A mount or a namespace: segments of letters, digits and `_.-`, joined by `/`. */
const segments = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;
/** A secret's path in its mount: segments as Vault's CLI writes them, no `.` or `..` segment. */
const secretPath = /^(?!.*(^|\/)\.{1,2}(\/|$))[A-Za-z0-9_.@+=-]+(\/[A-Za-z0-9_.@+=-]+){0,31}$/;

const schema = z.strictObject({
  type: z.literal("vault"),
  /** The server's address, e.g. `https://vault.example.com:8200` (keyrotor adds `/v1/...`). */
  apiUrl,
  /** The KV version 2 engine's mount path. */
  mount: z._default(
    z.string().check(z.maxLength(200), z.regex(segments, "must be a mount path such as secret or kv/ci")),
    "secret",
  ),
  /** The secret's path within the mount, e.g. `ci/deployer`. */
  path: z
    .string()
    .check(
      z.maxLength(500),
      z.regex(
        secretPath,
        "must be a path such as ci/deployer (letters, digits, _.@+=-, segments joined by /)",
      ),
    ),
  /** Vault Enterprise or HCP Vault: the namespace the mount is in (HCP's is `admin` or under it). */
  namespace: z.optional(
    z.string().check(z.maxLength(200), z.regex(segments, "must be a namespace path such as admin/ci")),
  ),
  tokenSecret,
  names,
});

export type VaultDestination = z.infer<typeof schema>;

/** Where the secret is, as keyrotor's messages name it: `secret/ci/deployer (namespace admin) at host`. */
export function vaultPlace(d: VaultDestination): string {
  const host = URL.canParse(d.apiUrl) ? new URL(d.apiUrl).host : d.apiUrl;
  return `${d.mount}/${d.path}${d.namespace ? ` (namespace ${d.namespace})` : ""} at ${host}`;
}

/** Where a Vault destination writes: the server, the namespace, and the secret in its mount. */
export const vaultKind: DestinationKind<VaultDestination> = {
  type: "vault",
  schema,
  placeId: (d) => `vault:${apiBase(d.apiUrl)}:${d.namespace ?? ""}:${d.mount}/${d.path}`,
  describe: (d) => `Vault secret ${vaultPlace(d)}`,
  // The schema says all a Vault destination's fields may get wrong.
  problems: () => [],
  nameFold: "exact",
  places(d): Place[] {
    const names = d.names ?? DEFAULT_VARIABLE_NAMES;
    return (["accessKeyId", "secretAccessKey"] as const).map((half) => ({
      fields: [
        exact("vault"),
        anyCase(apiBase(d.apiUrl)),
        exact(d.namespace ?? ""),
        exact(`${d.mount}/${d.path}`),
        exact(names[half]),
      ],
      half,
      label: ([, base, namespace, secret, name]) =>
        `Vault secret ${secret} field ${name}${namespace ? ` (namespace ${namespace})` : ""} at ${base}`,
    }));
  },
};
