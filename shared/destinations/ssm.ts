import { AwsCallError } from "../errors";
import { Redacted } from "../redacted";
import type { SsmDestination } from "./schema";
import {
  AWS_SSM_KEY_ALIAS,
  awsSsmKeyNames,
  type KeyIdentity,
  namesKeyById,
  type ParameterMeta,
  parameterRefusals,
} from "./ssm-trust";
import {
  DEFAULT_VARIABLE_NAMES,
  DeliveryError,
  type DeliveryFailure,
  type DestinationWriter,
  type KeyToDeliver,
} from "./types";

/** The Parameter Store calls the SSM destination makes, in the destination's account and region. */
export interface SecureStringPort {
  /** The metadata of those of `names` that exist (DescribeParameters), never their values. */
  describeParameters(names: readonly string[]): Promise<ParameterMeta[]>;
  /**
   * Writes a SecureString under the account's aws/ssm key in the standard tier, replacing any value;
   * resolves to the parameter's version.
   */
  putSecureString(name: string, value: Redacted<string>, description?: string): Promise<number>;
}

/** KMS in the destination's account and region, asked only which key the aws/ssm alias names. */
export interface KeyLookupPort {
  /** The key `keyId` (an alias) names; `null` when there is none. */
  describeKey(keyId: string): Promise<KeyIdentity | null>;
}

/** How an AWS destination's failures read to a person: what was written, codes its service names, fixes. */
export interface AwsFailureText {
  readonly what: string;
  /** AWS error codes of this service with the failure they mean; the common ones need not be listed. */
  readonly codes: Readonly<Record<string, DeliveryFailure>>;
  readonly fixes: Readonly<Record<DeliveryFailure, string>>;
}

const COMMON_CODES: Readonly<Record<string, DeliveryFailure>> = {
  AccessDenied: "forbidden",
  AccessDeniedException: "forbidden",
  ExpiredToken: "unauthorized",
  ExpiredTokenException: "unauthorized",
  InvalidClientTokenId: "unauthorized",
  UnrecognizedClientException: "unauthorized",
  InvalidSignatureException: "unauthorized",
};

function failureOf(error: unknown, codes: AwsFailureText["codes"]): DeliveryFailure {
  if (!(error instanceof AwsCallError)) return "unavailable";
  const known = codes[error.code] ?? COMMON_CODES[error.code];
  if (known) return known;
  if (/Throttl|TooManyRequests|RequestLimitExceeded|TooManyUpdates/i.test(error.code)) return "rate-limited";
  return error.retryable || error.code === "UnknownError" ? "unavailable" : "rejected";
}

/**
 * A failed AWS write as a `DeliveryError`. AWS's own explanation is kept (it names the principal and
 * the action that was denied) with the secret masked should AWS ever echo a request's value; the
 * SDK error is kept as `cause` only when it does not hold the secret either.
 */
export function awsDeliveryError(
  error: unknown,
  text: AwsFailureText,
  secret: Redacted<string>,
): DeliveryError {
  const failure = failureOf(error, text.codes);
  const hidden = secret.reveal();
  const said =
    error instanceof AwsCallError ? error.message : error instanceof Error ? error.name : "unknown error";
  const leaks = hidden !== "" && said.includes(hidden);
  const clean = (leaks ? said.replaceAll(hidden, "[REDACTED]") : said).replace(/\s+/g, " ").slice(0, 300);
  return new DeliveryError(
    `${text.what} could not be written: ${clean}`,
    failure,
    text.fixes[failure],
    leaks ? undefined : { cause: error },
  );
}

/**
 * Writes a key to Parameter Store as two SecureString parameters, `<path>/<names.accessKeyId>` and
 * `<path>/<names.secretAccessKey>`, in the account and region its `ssm` port was opened for. `dest.path`
 * arrives with its placeholders filled in. Both names are looked at first: a parameter already there is
 * written into only if it looks like one keyrotor made (`parameterRefusals`), else neither is written.
 * `kms` is asked which key aws/ssm is only when a parameter names its key by id.
 */
export function createSsmWriter(
  dest: SsmDestination,
  ssm: SecureStringPort,
  kms: KeyLookupPort,
): DestinationWriter {
  const names = dest.names ?? DEFAULT_VARIABLE_NAMES;
  const base = dest.path.replace(/\/+$/, "");
  return {
    async deliver(key: KeyToDeliver): Promise<void> {
      const account = dest.account ?? key.accountId;
      const owner = `IAM user ${key.userName} in account ${key.accountId}, kept by keyrotor`;
      // The secret first: a reader that notices the new key id finds its secret already there.
      const writes = [
        { name: `${base}/${names.secretAccessKey}`, value: key.secretAccessKey, about: "Secret access key" },
        {
          name: `${base}/${names.accessKeyId}`,
          value: new Redacted(key.accessKeyId),
          about: "Access key id",
        },
      ];
      const all = writes.map((w) => w.name);
      try {
        await refuseUntrusted(all, ssm, kms, where(account, dest.region));
      } catch (error) {
        if (error instanceof DeliveryError) throw error;
        throw awsDeliveryError(
          error,
          failureText(all.join(" and "), account, dest.region),
          key.secretAccessKey,
        );
      }
      for (const w of writes) {
        try {
          await ssm.putSecureString(w.name, w.value, `${w.about} of ${owner}`);
        } catch (error) {
          throw awsDeliveryError(error, failureText(w.name, account, dest.region), key.secretAccessKey);
        }
      }
    },
  };
}

const where = (account: string, region: string | undefined) =>
  `account ${account}${region ? ` (${region})` : ""}`;

/** Throws a rejected `DeliveryError` naming each of `names` that exists and is not a parameter keyrotor trusts. */
async function refuseUntrusted(
  names: readonly string[],
  ssm: SecureStringPort,
  kms: KeyLookupPort,
  place: string,
): Promise<void> {
  // Names compare exactly: a parameter whose name differs in case is another parameter.
  const found = (await ssm.describeParameters(names)).filter((meta) => names.includes(meta.name));
  if (found.length === 0) return;
  const awsSsmKey = awsSsmKeyNames(
    found.some(namesKeyById) ? await kms.describeKey(AWS_SSM_KEY_ALIAS) : null,
  );
  const refused = found.flatMap((meta) => {
    const reasons = parameterRefusals(meta, awsSsmKey);
    return reasons.length === 0 ? [] : [{ name: meta.name, reasons }];
  });
  if (refused.length === 0) return;
  throw new DeliveryError(
    `${refused.map((r) => `SSM parameter ${r.name} in ${place} ${r.reasons.join(", ")}`).join("; ")}: ` +
      "keyrotor does not write into it, so it wrote neither of the destination's parameters",
    "rejected",
    `delete ${refused.map((r) => r.name).join(" and ")} in ${place} (keyrotor then creates its own on its ` +
      "next run), or name another path in keyrotor's configuration",
  );
}

function failureText(parameter: string, account: string, region: string | undefined): AwsFailureText {
  const place = where(account, region);
  return {
    what: `SSM parameter ${parameter} in ${place}`,
    codes: {
      ParameterLimitExceeded: "rejected",
      ParameterMaxVersionLimitExceeded: "rejected",
      HierarchyLevelLimitExceededException: "rejected",
      HierarchyTypeMismatchException: "rejected",
      InternalServerError: "unavailable",
    },
    fixes: {
      unauthorized: `check that keyrotor can assume its member role in ${place} (the StackSet deploys it to every member account)`,
      forbidden:
        `give keyrotor's member role in ${place} ssm:PutParameter on ${parameter}, ssm:DescribeParameters ` +
        "and kms:DescribeKey through alias/aws/ssm: keyrotor's member role template grants them (PutParameter " +
        "under /<secretPrefix> only); a path outside it, or an SCP or permissions boundary denying them, must be changed",
      "not-found": `check the destination's account and region in keyrotor's configuration (${place})`,
      "rate-limited": "nothing: keyrotor retries on its next run",
      rejected:
        "check the destination's path and names in keyrotor's configuration: parameter names take only " +
        "letters, digits and _.-/ (a user name with +=,@ cannot be part of one), at most 15 levels deep; " +
        "or remove old labelled versions if the parameter has reached 100 versions; a parameter someone else " +
        "made advanced or with an allowed pattern refuses keyrotor's write: delete it",
      unavailable: "nothing if AWS is having an outage: keyrotor retries on its next run",
    },
  };
}
