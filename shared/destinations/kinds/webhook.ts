import * as z from "zod/mini";
import { apiUrl, names, tokenSecret } from "../fields";
import type { DestinationKind } from "../kind";
import { anyCase, apiBase, exact, text } from "../places";

/** The body's fields besides the key's two, which `names` may not take. */
export const WEBHOOK_FIELDS = ["type", "version", "eventId", "accountId", "userName"] as const;

/** The JSON fields of the key's two halves unless `names` says others. */
export const WEBHOOK_NAMES = { accessKeyId: "accessKeyId", secretAccessKey: "secretAccessKey" } as const;

const schema = z.strictObject({
  type: z.literal("webhook"),
  /** The receiver's https URL (plain http to this machine only), printed in labels: no credential in it. */
  url: apiUrl,
  /** The secret under `keyrotor-tokens/` holding the HMAC signing secret the receiver verifies with. */
  tokenSecret,
  /** The JSON fields of the access key id and the secret access key. */
  names,
});

export type WebhookDestination = z.infer<typeof schema>;

/**
 * A receiver of keyrotor's own choosing: the key POSTed as signed JSON to `url`, the account and the
 * user named in the body. The receiver's 2xx is the confirmation: what it stores cannot be read back
 * (it has no API keyrotor knows), so nothing is read back. A receiver files each key by the user the
 * body names, so one destination may take several users' keys (`namesUser`); each user's key is a
 * place of its own.
 */
export const webhookKind: DestinationKind<WebhookDestination> = {
  type: "webhook",
  schema,
  placeId: (d) => `webhook:${apiBase(d.url)}`,
  describe: (d) => `webhook ${apiBase(d.url)} (signed, not read back)`,
  problems(d) {
    const taken = [d.names?.accessKeyId, d.names?.secretAccessKey].filter(
      (n): n is string => n !== undefined && (WEBHOOK_FIELDS as readonly string[]).includes(n),
    );
    return taken.length > 0
      ? [
          `webhook: names may not be ${taken.join(" or ")}: the body's own fields are ${WEBHOOK_FIELDS.join(", ")}`,
        ]
      : [];
  },
  places: (d) => [
    {
      fields: [
        exact("webhook"),
        anyCase(apiBase(d.url)),
        { parts: [{ kind: "accountId" }, text("/"), { kind: "userName" }], fold: "anyCase" },
      ],
      half: "both",
      label: ([, url, user]) => `webhook ${url} for ${user}`,
    },
  ],
  namesUser: true,
};
