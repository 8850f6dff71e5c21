import type { Redacted } from "../redacted";
import type { SecretsPort } from "../rotation/ports";
import { createAzureDevOpsWriter } from "./azure-devops";
import { createBitbucketWriter } from "./bitbucket";
import { createCircleCiWriter } from "./circleci";
import type { CopyLedger } from "./copy-ledger";
import { createGitHubWriter } from "./github";
import { createGitLabWriter } from "./gitlab";
import type { Destination } from "./kinds";
import { createKubernetesWriter } from "./kubernetes";
import { createSecretsManagerWriter } from "./secrets-manager";
import { createSsmWriter, type KeyLookupPort, type SecureStringPort } from "./ssm";
import { createTerraformCloudWriter } from "./terraform-cloud";
import { fetchTrusting } from "./trusted-fetch";
import type { DestinationWriter, HttpDeps } from "./types";
import { createVaultWriter } from "./vault";
import { createWebhookWriter } from "./webhook";

/**
 * How each kind's writer is built, by type: the one place a writer is registered. A kind missing
 * here does not compile.
 */

/**
 * The AWS ports of one account and region, with keyrotor's member role there: each built when first
 * asked for (a writer asks only for those it uses), then the same one.
 */
export interface MemberPorts {
  secureStrings(): SecureStringPort;
  keys(): KeyLookupPort;
  secrets(): SecretsPort;
  /** The region the ports call. */
  region(): Promise<string>;
}

/** What a writer is built with. */
export interface WriterContext {
  /** The API token in the named secret of keyrotor's own account (`keyrotor-tokens/...`), kept a few minutes. */
  token(secretName: string): Promise<Redacted<string>>;
  readonly http: HttpDeps;
  /** The account whose user's key is delivered. */
  readonly accountId: string;
  /** The member role's ports in `accountId` (another account of the organization), in `region` or keyrotor's. */
  member(accountId: string, region: string | undefined): Promise<MemberPorts>;
  /** keyrotor's record of the central copies it created: the ledger. */
  readonly copies: CopyLedger;
  readonly now: () => number;
}

type WriterOf<D> = (d: D, context: WriterContext) => Promise<DestinationWriter>;

const WRITERS: { readonly [T in Destination["type"]]: WriterOf<Extract<Destination, { type: T }>> } = {
  github: async (d, c) => createGitHubWriter(d, await c.token(d.tokenSecret), c.http),
  gitlab: async (d, c) => createGitLabWriter(d, await c.token(d.tokenSecret), c.http),
  circleci: async (d, c) => createCircleCiWriter(d, await c.token(d.tokenSecret), c.http),
  "terraform-cloud": async (d, c) => createTerraformCloudWriter(d, await c.token(d.tokenSecret), c.http),
  async ssm(d, c) {
    const member = await c.member(d.account ?? c.accountId, d.region);
    return createSsmWriter(d, member.secureStrings(), member.keys());
  },
  async "secrets-manager"(d, c) {
    const member = await c.member(d.account, d.region);
    return createSecretsManagerWriter(d, member.secrets(), {
      copies: c.copies,
      region: d.region ?? (await member.region()),
      now: c.now,
    });
  },
  kubernetes: async (d, c) =>
    createKubernetesWriter(
      d,
      await c.token(d.tokenSecret),
      d.caCertificate === undefined ? c.http : { ...c.http, fetch: fetchTrusting(d.caCertificate) },
    ),
  vault: async (d, c) => createVaultWriter(d, await c.token(d.tokenSecret), c.http),
  bitbucket: async (d, c) => createBitbucketWriter(d, await c.token(d.tokenSecret), c.http),
  "azure-devops": async (d, c) => createAzureDevOpsWriter(d, await c.token(d.tokenSecret), c.http),
  webhook: async (d, c) => createWebhookWriter(d, await c.token(d.tokenSecret), c.http, c.now),
};

/** The writer of `d`, for one delivery. */
export function writerOf(d: Destination, context: WriterContext): Promise<DestinationWriter> {
  const build = WRITERS[d.type] as WriterOf<Destination>;
  return build(d, context);
}
