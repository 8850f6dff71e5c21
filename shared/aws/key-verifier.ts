import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { describeError, isTransientCode, KeyVerificationError } from "../errors";
import type { Verification } from "../lifecycle";
import type { KeyVerifier, NewAccessKey } from "../rotation/ports";
import { type ClientOptions, sdkClient } from "./client-config";
import { awsErrorCode } from "./errors";

/**
 * How long a new key is given to start working. IAM is eventually consistent: a key that was just
 * created is usually accepted within seconds, rarely after tens of seconds. Waits between attempts.
 */
export const VERIFY_WAITS_MS = [1_000, 2_000, 3_000, 5_000, 8_000, 13_000];

/** IAM's answers while a new key is not usable yet: it propagates within seconds, rarely tens of them. */
const PROPAGATING = /InvalidClientTokenId|SignatureDoesNotMatch|AuthFailure|UnrecognizedClient/i;

/** Answers that are no verdict on the key: not usable yet, or STS itself failing for a moment. Asked again. */
const notYet = (code: string) => PROPAGATING.test(code) || isTransientCode(code);

/**
 * Proves a new key with STS GetCallerIdentity signed by the key itself: the answer must name the
 * user the key was made for. Patient with IAM's propagation (`waits`); never logs the key. Says when
 * and where the call that proved it was answered: IAM records it as the key's last use. The instant is
 * the `Date` of STS's answer (AWS's clock, as IAM's is; keyrotor's own only if STS sent none).
 */
export class StsKeyVerifier implements KeyVerifier {
  constructor(
    private readonly options: ClientOptions = {},
    private readonly waits: readonly number[] = VERIFY_WAITS_MS,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  async verify(key: NewAccessKey, userArn: string): Promise<Verification> {
    const client = sdkClient(STSClient, {
      ...this.options,
      maxAttempts: 1,
      credentials: { accessKeyId: key.id, secretAccessKey: key.secretAccessKey.reveal() },
    });
    let answeredAt: Date | undefined;
    client.middlewareStack.add(
      (next) => async (args) => {
        const out = await next(args);
        answeredAt = answerDate((out.response as { headers?: Record<string, string> }).headers?.date);
        return out;
      },
      { step: "deserialize", name: "keyrotorAnswerDate" },
    );
    let last = "no answer";
    try {
      for (let attempt = 0; attempt <= this.waits.length; attempt++) {
        try {
          answeredAt = undefined;
          const out = await client.send(new GetCallerIdentityCommand({}));
          if (out.Arn === userArn)
            return { at: answeredAt ?? new Date(), region: await client.config.region() };
          last = `it signed in as ${out.Arn ?? "nobody"}, not ${userArn}`;
          break;
        } catch (error) {
          const code = awsErrorCode(error);
          last = `STS GetCallerIdentity failed (${code}): ${describeError(error).message}`;
          if (!notYet(code)) break;
        }
        const wait = this.waits[attempt];
        if (wait === undefined) break;
        await this.sleep(wait);
      }
    } finally {
      client.destroy();
    }
    throw new KeyVerificationError(`new key ${key.id} did not work as ${userArn} (${last})`);
  }
}

/** The instant of an HTTP `Date` header, `undefined` when there is none or it is no date. */
function answerDate(header: string | undefined): Date | undefined {
  if (!header) return undefined;
  const date = new Date(header);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
