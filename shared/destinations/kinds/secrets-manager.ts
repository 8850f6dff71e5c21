import * as z from "zod/mini";
import { accountId, principalArn, region, template } from "../fields";
import type { DestinationKind } from "../kind";
import { exact, templateParts, text } from "../places";

const schema = z.strictObject({
  type: z.literal("secrets-manager"),
  /** The secret's name, under the secret prefix and with a `/` after it, e.g. `keyrotor/central/{accountId}/{userName}`. */
  name: template,
  account: accountId,
  region: z.optional(region),
  /** Who may read the copy (besides nobody else: its policy denies every other principal). */
  readers: z._default(z.array(principalArn), []),
});

export type SecretsManagerDestination = z.infer<typeof schema>;

/** A central copy of the key, both halves in one secret, in an account of the organization. */
export const secretsManagerKind: DestinationKind<SecretsManagerDestination> = {
  type: "secrets-manager",
  schema,
  placeId: (d) => `secrets-manager:${d.account}:${d.region ?? "-"}:${d.name}`,
  describe: (d) =>
    `Secrets Manager secret ${d.name} in account ${d.account}${d.region ? ` (${d.region})` : ""}`,
  problems(d, { secretPrefix }) {
    const rest = d.name.startsWith(secretPrefix) ? d.name.slice(secretPrefix.length) : null;
    if (rest === null) return [`secrets-manager: name must start with ${secretPrefix}`];
    // A user's own secret is the prefix and the user's name, which never holds a `/`.
    return rest.includes("/")
      ? []
      : [
          `secrets-manager: name needs a / after ${secretPrefix} (e.g. ${secretPrefix}central/{accountId}/{userName})`,
        ];
  },
  template: {
    get: (d) => d.name,
    set: (d, name) => ({ ...d, name }),
    elsewhere: () => true,
  },
  places: (d) => [
    {
      fields: [
        exact("secrets-manager"),
        { parts: templateParts(d.name), fold: "anyCase" },
        exact(d.account),
        { parts: [d.region === undefined ? { kind: "anyRegion" } : text(d.region)], fold: "exact" },
      ],
      half: "both",
      label: ([, name, accountId, where]) =>
        `Secrets Manager secret ${name} in account ${accountId}${where ? ` (${where})` : ""}`,
    },
  ],
};
