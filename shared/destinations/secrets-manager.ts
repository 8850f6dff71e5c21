import { Redacted } from "../redacted";
import type { SecretsPort } from "../rotation/ports";
import { requestTokenFor, SECRET_TAGS } from "../rotation/secret-name";
import { MAX_POLICY_CHARS } from "../rotation/secret-policy";
import { claimCopy } from "./copy-claim";
import type { CopyLedger } from "./copy-ledger";
import { COPY_NONCE_TAG } from "./copy-standing";
import type { SecretsManagerDestination } from "./schema";
import { type AwsFailureText, awsDeliveryError } from "./ssm";
import { DeliveryError, type DestinationWriter, type KeyToDeliver } from "./types";

export { COPY_NONCE_TAG };

/** The Secrets Manager calls the central copy makes, in the destination's account and region. */
export type SecretCopyPort = Pick<
  SecretsPort,
  "describeSecret" | "createSecret" | "putResourcePolicy" | "putSecretValue"
>;

/**
 * The tag keyrotor puts on a copy it creates, naming whose key it holds (`<accountId>/<userName>`), for
 * the people who look at it. It decides nothing: whoever administers the account can write it, so only
 * the ledger's record (`claimCopy`) says a secret is keyrotor's copy.
 */
export const COPY_TAG = "keyrotor:copy-of";

/**
 * The copy's resource policy: `readers` may read it, and every other principal is explicitly denied
 * `GetSecretValue` whatever its identity policy says. With no readers, nobody may read it (the copy
 * then waits for the operator to name some). Writes are not denied, so the next key can be stored.
 */
export function buildCopyPolicy(name: string, readers: readonly string[]): string {
  const principals = [...new Set(readers)].sort();
  const deny = {
    Sid: "KeyrotorDenyEveryoneElse",
    Effect: "Deny",
    Principal: "*",
    Action: "secretsmanager:GetSecretValue",
    Resource: "*",
  };
  const statements =
    principals.length === 0
      ? [{ ...deny, Sid: "KeyrotorNoReaders" }]
      : [
          {
            Sid: "KeyrotorReaders",
            Effect: "Allow",
            Principal: { AWS: principals },
            Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            Resource: "*",
          },
          { ...deny, Condition: { ArnNotEquals: { "aws:PrincipalArn": principals } } },
        ];
  const policy = JSON.stringify({ Version: "2012-10-17", Statement: statements });
  if (policy.length > MAX_POLICY_CHARS) {
    throw new DeliveryError(
      `the policy of secret ${name} would be ${policy.length} characters, over AWS's ${MAX_POLICY_CHARS}`,
      "rejected",
      "name fewer readers of the destination in keyrotor's configuration",
    );
  }
  return policy;
}

/** What the central copy's writer needs beyond Secrets Manager: keyrotor's record of its copies and a clock. */
export interface CopyWriterDeps {
  readonly copies: CopyLedger;
  /** The region the copy is written in: the destination's, or the one its client defaults to. */
  readonly region: string;
  readonly now: () => number;
}

/**
 * Writes a key to a secret in another account (and region): the central copy. Only into a secret
 * keyrotor created itself and recorded in its ledger (`claimCopy`): created here if absent, its intent
 * recorded first; never one someone else made at that name, whatever its tags say, nor one with
 * rotation, a customer KMS key, replicas or a deletion scheduled. Puts the policy that only
 * `dest.readers` may read it, then stores the same JSON as the user's own secret under a version id
 * derived from the key id, so a retried write is a no-op. Both writes name the recorded ARN, so a
 * secret made again at that name meanwhile is not reached. `dest.name` arrives with its placeholders
 * filled in.
 */
export function createSecretsManagerWriter(
  dest: SecretsManagerDestination,
  secrets: SecretCopyPort,
  deps: CopyWriterDeps,
): DestinationWriter {
  const where = `account ${dest.account}${dest.region ? ` (${dest.region})` : ""}`;
  const what = `secret ${dest.name} in ${where}`;
  const place = { account: dest.account, region: deps.region, name: dest.name };
  return {
    async deliver(key: KeyToDeliver): Promise<void> {
      const owner = `${key.accountId}/${key.userName}`;
      const policy = buildCopyPolicy(dest.name, dest.readers);
      const value = new Redacted(
        JSON.stringify({
          AccessKeyId: key.accessKeyId,
          SecretAccessKey: key.secretAccessKey.reveal(),
          UserName: key.userName,
        }),
      );
      try {
        const arn = await claimCopy({
          secrets,
          copies: deps.copies,
          place,
          owner,
          what,
          now: deps.now,
          secretFor: (nonce) => ({
            name: dest.name,
            description: `Copy of the current access key of IAM user ${key.userName} in account ${key.accountId}, kept by keyrotor`,
            tags: { [SECRET_TAGS.user]: key.userName, [COPY_TAG]: owner, [COPY_NONCE_TAG]: nonce },
            replicaRegions: [],
          }),
        });
        await secrets.putResourcePolicy(arn, policy);
        await secrets.putSecretValue(arn, value, requestTokenFor(key.accessKeyId));
      } catch (error) {
        if (error instanceof DeliveryError) throw error;
        throw awsDeliveryError(error, failureText(what, where), key.secretAccessKey);
      }
    },
  };
}

const UNAVAILABLE_FIX = "nothing if AWS is having an outage: keyrotor retries on its next run";

function failureText(what: string, where: string): AwsFailureText {
  return {
    what,
    codes: {
      ResourceNotFoundException: "not-found",
      MalformedPolicyDocumentException: "rejected",
      PublicPolicyException: "rejected",
      LimitExceededException: "rejected",
      InvalidRequestException: "rejected",
      InvalidParameterException: "rejected",
      EncryptionFailure: "rejected",
      InternalServiceError: "unavailable",
    },
    fixes: {
      unauthorized: `check that keyrotor can assume its member role in ${where} (the StackSet deploys it to every member account)`,
      forbidden:
        `give keyrotor's member role in ${where} secretsmanager:DescribeSecret, CreateSecret (with tags), TagResource, ` +
        "PutResourcePolicy and PutSecretValue on the secret: keyrotor's member role template grants them under the secret prefix",
      "not-found": `check the destination's account and region in keyrotor's configuration (${where})`,
      "rate-limited": "nothing: keyrotor retries on its next run",
      rejected:
        "check the destination's name and readers in keyrotor's configuration: every reader must be an existing IAM user or role",
      unavailable: UNAVAILABLE_FIX,
    },
  };
}
