import { DEFAULT_VARIABLE_NAMES } from "../destinations/types";
import type { CiProvider, IdentityProvider, PipelineChange, Placeholder } from "./types";

/**
 * Per CI provider: the IAM OIDC identity provider (URL and audience), the trust condition for the
 * exact repository, project, context or workspace a destination names (audience with StringEquals,
 * subject with StringEquals when it is one value, StringLike when it is a pattern), and the pipeline
 * lines that take the role instead of the key.
 */

/** What every provider's trust and pipeline lines need to know of the role. */
export interface TrustContext {
  readonly accountId: string;
  readonly partition: string;
  readonly roleArn: string;
  /** The region for the pipeline's AWS calls, or the `<AWS_REGION>` placeholder. */
  readonly region: string;
}

/** One destination's part of the role: its provider, its trust condition, its pipeline's change. */
export interface ProviderTrust {
  readonly provider: IdentityProvider;
  readonly condition: TrustCondition;
  readonly pipeline: PipelineChange;
  readonly placeholders: readonly Placeholder[];
  readonly notes: readonly string[];
}

/**
 * The provider's public origin for an API base. Plain http is only allowed to this machine, where
 * keyrotor's local stand-ins for the providers (demo, tests) play the public service.
 */
export function publicOrigin(apiUrl: string, suffix: RegExp, usual: string): string {
  return apiUrl.startsWith("http://") ? usual : apiUrl.replace(suffix, "").replace(/\/$/, "");
}

/** The provider URL without its scheme: how IAM names the provider in ARNs and condition keys. */
export const issuerKey = (url: string) => url.replace(/^https:\/\//, "");

/** The IAM OIDC identity provider for `url`, in the role's account: its ARN names it in trust policies. */
export function identityProvider(
  provider: CiProvider,
  url: string,
  audience: string,
  ctx: TrustContext,
): IdentityProvider {
  const arn = `arn:${ctx.partition}:iam::${ctx.accountId}:oidc-provider/${issuerKey(url)}`;
  return { provider, url, audience, arn };
}

/** A trust statement's conditions: operator → condition key → value. */
export type TrustCondition = Record<string, Record<string, string>>;

/** StringEquals for one exact subject, StringLike for a pattern; the audience always exact. */
export function condition(key: string, audience: string, sub: string, exact: boolean): TrustCondition {
  return exact
    ? { StringEquals: { [`${key}:aud`]: audience, [`${key}:sub`]: sub } }
    : { StringEquals: { [`${key}:aud`]: audience }, StringLike: { [`${key}:sub`]: sub } };
}

/** The CI variables that held the key: to delete once the pipeline assumes the role. */
export const keyNames = (d: { names?: { accessKeyId: string; secretAccessKey: string } | undefined }) => {
  const names = d.names ?? DEFAULT_VARIABLE_NAMES;
  return [names.accessKeyId, names.secretAccessKey];
};
