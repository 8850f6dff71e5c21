import { MessageRefusedError } from "../errors";
import { accessKeyIdSchema, type HealthEvent } from "../messages";

/** The Health event type keyrotor answers: AWS found an access key in public. */
export const EXPOSED = "AWS_RISK_CREDENTIALS_EXPOSED";

/** At most this many keys are taken from one event; AWS names one. */
const MAX_KEYS = 10;

/** What one Health event asks of keyrotor: the account it was raised in and the exposed keys it names. */
export interface ExposureAsked {
  readonly accountId: string;
  readonly keyIds: readonly string[];
  /** What was not taken: other entities, keys beyond the limit. */
  readonly ignored: readonly string[];
}

/**
 * Reads an exposed-credentials event. The event only asks: it is bound to the account it was raised
 * in (an organizational view's `affectedAccount` must be that account), and its entities are taken
 * only when they are IAM users' access key ids; the rotator still checks each in that account's IAM.
 * @throws MessageRefusedError when the event names another account than the one it came from.
 */
export function exposureAsked(event: HealthEvent): ExposureAsked | { readonly ignored: string } {
  const { account, detail } = event;
  if (detail.eventTypeCode !== EXPOSED)
    return { ignored: `Health event ${detail.eventTypeCode} is not ${EXPOSED}` };
  if (detail.affectedAccount !== undefined && detail.affectedAccount !== account) {
    throw new MessageRefusedError(
      `Health event ${event.id} from account ${account} names account ${detail.affectedAccount}: refused`,
    );
  }
  const values = (detail.affectedEntities ?? []).map((e) => e.entityValue ?? "");
  const keys = [...new Set(values.filter((v) => accessKeyIdSchema.safeParse(v).success))];
  const keyIds = keys.slice(0, MAX_KEYS);
  const ignored = [
    ...values
      .filter((v) => !keys.includes(v))
      .map((v) => `entity ${JSON.stringify(v.slice(0, 40))} is not an access key id`),
    ...keys.slice(MAX_KEYS).map((k) => `key ${k} is beyond the ${MAX_KEYS} keys taken from one event`),
  ];
  if (keyIds.length === 0) return { ignored: `Health event ${event.id} names no access key id` };
  return { accountId: account, keyIds, ignored };
}
