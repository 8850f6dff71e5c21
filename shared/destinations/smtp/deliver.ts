import type { Redacted } from "../../redacted";
import { DeliveryError, type DestinationWriter, type KeyToDeliver } from "../types";
import type { SmtpDelivery } from "./binding";
import { smtpPassword } from "./derive";
import { type SmtpAuthOutcome, SmtpCheckError, type SmtpEndpoint } from "./verify";

/** Asks an SMTP endpoint whether it takes a user name and password (`checkSmtpLogin`, or a test's). */
export type SmtpLoginCheck = (
  endpoint: SmtpEndpoint,
  username: string,
  password: Redacted<string>,
) => Promise<SmtpAuthOutcome>;

/** One run's checks, per Region, endpoint and key: each destination of a Region needs the answer once. */
export type SmtpChecks = Map<string, Promise<void>>;

/**
 * A writer that delivers a Region's SES SMTP credentials instead of the key: the access key id as the
 * user name, the password derived from the secret for the Region. With `verify` the Region's endpoint
 * must take them first; until it does nothing is written and the old key stays in use.
 */
export function smtpWriter(
  delivery: SmtpDelivery,
  writer: DestinationWriter,
  check: SmtpLoginCheck | undefined,
  checks: SmtpChecks,
): DestinationWriter {
  return {
    async deliver(key: KeyToDeliver): Promise<void> {
      const password = smtpPassword(key.secretAccessKey, delivery.region);
      if (delivery.verify) {
        const at = `${delivery.region}/${delivery.endpoint.host}:${delivery.endpoint.port}/${key.accessKeyId}`;
        let checked = checks.get(at);
        if (!checked) {
          checked = verified(delivery, key, password, check);
          checks.set(at, checked);
        }
        await checked;
      }
      await writer.deliver({ ...key, secretAccessKey: password });
    },
  };
}

async function verified(
  delivery: SmtpDelivery,
  key: KeyToDeliver,
  password: Redacted<string>,
  check: SmtpLoginCheck | undefined,
): Promise<void> {
  const { region } = delivery;
  const retry = "keyrotor tries again on its next run; the old key stays active until then";
  if (!check) {
    throw new DeliveryError(`this run cannot check SES SMTP logins in ${region}`, "unavailable", retry);
  }
  let outcome: SmtpAuthOutcome;
  try {
    outcome = await check(delivery.endpoint, key.accessKeyId, password);
  } catch (error) {
    const why = error instanceof SmtpCheckError ? error.message : "the check failed";
    throw new DeliveryError(
      `the SES SMTP login check in ${region} could not be made (${why})`,
      "unavailable",
      retry,
      {
        cause: error,
      },
    );
  }
  if (outcome === "rejected") {
    throw new DeliveryError(
      `SES SMTP in ${region} refused the credentials of key ${key.accessKeyId} (535): nothing was written`,
      "rejected",
      `allow ${key.userName} ses:SendRawEmail in ${region} (SMTP sending needs it); ${retry}`,
    );
  }
}
