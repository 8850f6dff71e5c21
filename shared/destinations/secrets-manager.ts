import { Redacted } from "../redacted";
import type { SecretMeta, SecretsPort } from "../rotation/ports";
import { requestTokenFor, SECRET_TAGS } from "../rotation/secret-name";
import { MAX_POLICY_CHARS } from "../rotation/secret-policy";
import type { SecretsManagerDestination } from "./schema";
import { type AwsFailureText, awsDeliveryError } from "./ssm";
import { DeliveryError, type DestinationWriter, type KeyToDeliver } from "./types";

/** The Secrets Manager calls the central copy makes, in the destination's account and region. */
export type SecretCopyPort = Pick<
  SecretsPort,
  "describeSecret" | "createSecret" | "putResourcePolicy" | "putSecretValue"
>;

/**
 * The tag that marks a copy keyrotor made, naming whose key it holds (`<accountId>/<userName>`). There
 * is no ledger record of a copy, so this tag, set at creation, is what tells keyrotor's copy from a
 * secret someone else put at that name.
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

/** Why keyrotor will not write into the secret found at the copy's name; `null` when it is keyrotor's copy. */
function refusal(meta: SecretMeta, owner: string): string | null {
  if (meta.tags[COPY_TAG] !== owner) {
    return `was not created by keyrotor for this user (its ${COPY_TAG} tag does not say ${owner})`;
  }
  if (meta.deletionDate) {
    return `is scheduled for deletion on ${meta.deletionDate.toISOString()}: someone deleted it on purpose`;
  }
  if (meta.kmsKeyId !== null)
    return `is encrypted with a KMS key keyrotor does not control (${meta.kmsKeyId})`;
  if (meta.replicaRegions && meta.replicaRegions.length > 0) {
    return `is replicated to ${meta.replicaRegions.join(", ")}, which keyrotor did not set up`;
  }
  return null;
}

/**
 * Writes a key to a secret in another account (and region): the central copy. Creates it if absent,
 * tagged as keyrotor's copy of that user's key; puts the policy that only `dest.readers` may read it;
 * then stores the same JSON as the user's own secret, under a version id derived from the key id so a
 * retried write is a no-op. A secret at that name that is not keyrotor's copy is never written to.
 * `dest.name` arrives with its placeholders filled in.
 */
export function createSecretsManagerWriter(
  dest: SecretsManagerDestination,
  secrets: SecretCopyPort,
): DestinationWriter {
  const where = `account ${dest.account}${dest.region ? ` (${dest.region})` : ""}`;
  const what = `secret ${dest.name} in ${where}`;
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
        const meta =
          (await secrets.describeSecret(dest.name)) ??
          // A concurrent delivery may create it first: then it is looked at like any existing one.
          (await secrets.createSecret({
            name: dest.name,
            description: `Copy of the current access key of IAM user ${key.userName} in account ${key.accountId}, kept by keyrotor`,
            tags: { [SECRET_TAGS.user]: key.userName, [COPY_TAG]: owner },
            replicaRegions: [],
          })) ??
          (await secrets.describeSecret(dest.name));
        if (meta === null) {
          throw new DeliveryError(`${what} vanished while it was created`, "unavailable", UNAVAILABLE_FIX);
        }
        const refused = refusal(meta, owner);
        if (refused) {
          throw new DeliveryError(
            `${what} ${refused}: keyrotor does not write into it`,
            "rejected",
            REFUSED_FIX,
          );
        }
        await secrets.putResourcePolicy(dest.name, policy);
        await secrets.putSecretValue(dest.name, value, requestTokenFor(key.accessKeyId));
      } catch (error) {
        if (error instanceof DeliveryError) throw error;
        throw awsDeliveryError(error, failureText(what, where), key.secretAccessKey);
      }
    },
  };
}

const REFUSED_FIX =
  "delete that secret (keyrotor then creates its own copy) or name another secret in keyrotor's configuration; " +
  "if it is keyrotor's copy scheduled for deletion and still wanted, restore it (aws secretsmanager restore-secret)";

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
