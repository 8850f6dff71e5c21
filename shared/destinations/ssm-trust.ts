/**
 * Which SSM parameters keyrotor writes a key into. Whoever may write Parameter Store in the
 * destination's account can create a parameter at keyrotor's path before keyrotor does, under a KMS
 * key they control, in the advanced tier (which RAM sharing and parameter policies need), with an
 * allowed pattern or another data type; a write that overwrites keeps all of that. So a parameter
 * that exists must look exactly like one keyrotor makes, or no key is written into it.
 */

/** The account's AWS managed key for Parameter Store, as keyrotor names it in every write. */
export const AWS_SSM_KEY_ALIAS = "alias/aws/ssm";

/** What DescribeParameters tells of a parameter: never its value. `null` where AWS reported nothing. */
export interface ParameterMeta {
  readonly name: string;
  readonly type: string | null;
  /** The KMS key as Parameter Store names it: an alias, a key id or an ARN (of either). */
  readonly keyId: string | null;
  readonly tier: string | null;
  readonly policyCount: number;
  readonly hasAllowedPattern: boolean;
  /** `null`: not reported, which Parameter Store documents as `text`. */
  readonly dataType: string | null;
}

/** A KMS key as DescribeKey names it. */
export interface KeyIdentity {
  readonly keyId: string;
  readonly arn: string;
}

/** Whether `meta`'s key needs KMS to tell: it names a key some other way than keyrotor's alias. */
export function namesKeyById(meta: ParameterMeta): boolean {
  return meta.keyId !== null && meta.keyId !== AWS_SSM_KEY_ALIAS;
}

/** Every name Parameter Store may report for the account's aws/ssm key, given what its alias resolves to. */
export function awsSsmKeyNames(key: KeyIdentity | null): ReadonlySet<string> {
  if (!key) return new Set([AWS_SSM_KEY_ALIAS]);
  const aliasArn = key.arn.replace(/:key\/[^:]+$/, `:${AWS_SSM_KEY_ALIAS}`);
  return new Set([AWS_SSM_KEY_ALIAS, key.keyId, key.arn, aliasArn]);
}

/**
 * Why keyrotor will not write into the parameter `meta` describes; empty when it looks like one keyrotor
 * made: a SecureString under the account's aws/ssm key (`awsSsmKey`: the names it may go by), standard
 * tier, no policies, no allowed pattern, data type `text`. The reasons quote only what AWS constrains
 * (the key's name, the tier, the data type) and only when it reads as such: the rest is someone's text.
 */
export function parameterRefusals(meta: ParameterMeta, awsSsmKey: ReadonlySet<string>): string[] {
  const reasons: string[] = [];
  if (meta.type !== "SecureString") {
    reasons.push(
      meta.type === "String" || meta.type === "StringList"
        ? `is a ${meta.type}, not a SecureString`
        : "is of another type, not a SecureString",
    );
  } else if (meta.keyId === null || !awsSsmKey.has(meta.keyId)) {
    const key =
      meta.keyId !== null && /^[A-Za-z0-9:/_.-]{1,256}$/.test(meta.keyId) ? meta.keyId : "(unnamed)";
    reasons.push(`is encrypted with KMS key ${key}, not the account's aws/ssm key`);
  }
  if (meta.tier === null) reasons.push("is in no reported tier");
  else if (meta.tier !== "Standard") {
    reasons.push(
      /^[A-Za-z-]{1,32}$/.test(meta.tier)
        ? `is in the ${meta.tier} tier (sharing and parameter policies need it)`
        : "is in another tier than Standard",
    );
  }
  if (meta.policyCount > 0) {
    reasons.push(`has ${meta.policyCount} parameter polic${meta.policyCount === 1 ? "y" : "ies"}`);
  }
  if (meta.hasAllowedPattern) reasons.push("has an allowed pattern");
  if (meta.dataType !== null && meta.dataType !== "text") {
    reasons.push(
      /^[a-z0-9:]{1,32}$/.test(meta.dataType)
        ? `has data type ${meta.dataType}, not text`
        : "has another data type, not text",
    );
  }
  return reasons;
}
