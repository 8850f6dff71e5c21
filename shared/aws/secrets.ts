import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutResourcePolicyCommand,
  PutSecretValueCommand,
  paginateListSecrets,
  SecretsManagerClient,
  TagResourceCommand,
} from "@aws-sdk/client-secrets-manager";
import { Redacted } from "../redacted";
import type { NewSecret, SecretMeta, SecretsPort } from "../rotation/ports";
import { SECRET_TAGS } from "../rotation/secret-name";
import { type ClientOptions, clientConfig } from "./client-config";
import { call, isAwsError } from "./errors";

const SERVICE = "SecretsManager";
const PENDING_TAG = SECRET_TAGS.pendingSince;

const toTagList = (tags: Record<string, string>) =>
  Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

interface SecretMetadataShape {
  Name?: string;
  ARN?: string;
  Tags?: { Key?: string; Value?: string }[];
}

function toMeta(s: SecretMetadataShape, versionsToStages: Record<string, string[]> | undefined): SecretMeta {
  const tags: Record<string, string> = {};
  for (const t of s.Tags ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? "";
  const current = Object.entries(versionsToStages ?? {}).find(([, stages]) => stages.includes("AWSCURRENT"));
  return { name: s.Name ?? "", arn: s.ARN ?? "", tags, currentVersionId: current?.[0] ?? null };
}

/**
 * Secrets Manager for one account. Reads metadata only: keyrotor never reads a secret value
 * (the member role may not), and the one value it writes arrives `Redacted`.
 */
export class SecretsAdapter implements SecretsPort {
  constructor(private readonly client: SecretsManagerClient) {}

  static create(options?: ClientOptions): SecretsAdapter {
    return new SecretsAdapter(new SecretsManagerClient(clientConfig(options)));
  }

  /** Every secret whose name starts with `prefix`, keyed by name, with tags and current version. */
  listSecrets(prefix: string): Promise<Map<string, SecretMeta>> {
    return call(SERVICE, "ListSecrets", async () => {
      const secrets = new Map<string, SecretMeta>();
      const pages = paginateListSecrets(
        { client: this.client },
        { Filters: [{ Key: "name", Values: [prefix] }], IncludePlannedDeletion: false },
      );
      for await (const page of pages) {
        for (const s of page.SecretList ?? []) {
          // The name filter is a case-insensitive prefix match; keyrotor's prefix is exact.
          if (s.Name?.startsWith(prefix)) secrets.set(s.Name, toMeta(s, s.SecretVersionsToStages));
        }
      }
      return secrets;
    });
  }

  /**
   * The prefix's secrets whose pending mark is set. The mark is an ISO instant (it starts with the
   * year's "2"), cleared to "" once the key is recorded; the filter is a prefix match on any tag value,
   * so the result is checked again here. Usually empty: one call whatever the account's size.
   */
  listPendingSecrets(prefix: string): Promise<Map<string, SecretMeta>> {
    return call(SERVICE, "ListSecrets", async () => {
      const secrets = new Map<string, SecretMeta>();
      const filters = [
        { Key: "name" as const, Values: [prefix] },
        { Key: "tag-key" as const, Values: [PENDING_TAG] },
        { Key: "tag-value" as const, Values: ["2"] },
      ];
      for await (const page of paginateListSecrets({ client: this.client }, { Filters: filters })) {
        for (const s of page.SecretList ?? []) {
          const meta = toMeta(s, s.SecretVersionsToStages);
          if (s.Name?.startsWith(prefix) && (meta.tags[PENDING_TAG] ?? "") !== "")
            secrets.set(meta.name, meta);
        }
      }
      return secrets;
    });
  }

  describeSecret(name: string): Promise<SecretMeta | null> {
    return call(SERVICE, "DescribeSecret", async () => {
      try {
        const s = await this.client.send(new DescribeSecretCommand({ SecretId: name }));
        return toMeta(s, s.VersionIdsToStages);
      } catch (error) {
        if (isAwsError(error, "ResourceNotFoundException")) return null;
        throw error;
      }
    });
  }

  /** Creates the secret with no value; if it already exists (a concurrent or earlier run), describes it. */
  createSecret(secret: NewSecret): Promise<SecretMeta> {
    return call(SERVICE, "CreateSecret", async () => {
      try {
        const out = await this.client.send(
          new CreateSecretCommand({
            Name: secret.name,
            Description: secret.description,
            Tags: toTagList(secret.tags),
            ...(secret.replicaRegions.length > 0
              ? { AddReplicaRegions: secret.replicaRegions.map((Region) => ({ Region })) }
              : {}),
          }),
        );
        return { name: secret.name, arn: out.ARN ?? "", tags: { ...secret.tags }, currentVersionId: null };
      } catch (error) {
        if (!isAwsError(error, "ResourceExistsException")) throw error;
        const existing = await this.describeSecret(secret.name);
        if (existing === null) throw new Error(`secret ${secret.name} exists yet cannot be described`);
        return existing;
      }
    });
  }

  putResourcePolicy(name: string, policy: string): Promise<void> {
    return call(SERVICE, "PutResourcePolicy", async () => {
      await this.client.send(
        new PutResourcePolicyCommand({ SecretId: name, ResourcePolicy: policy, BlockPublicPolicy: true }),
      );
    });
  }

  tagSecret(name: string, tags: Record<string, string>): Promise<void> {
    return call(SERVICE, "TagResource", async () => {
      await this.client.send(new TagResourceCommand({ SecretId: name, Tags: toTagList(tags) }));
    });
  }

  /** Writes a new current version; the same `token` makes a retried write a no-op. */
  putSecretValue(name: string, value: Redacted<string>, token: string): Promise<string> {
    return call(SERVICE, "PutSecretValue", async () => {
      const out = await this.client.send(
        new PutSecretValueCommand({
          SecretId: name,
          SecretString: value.reveal(),
          ClientRequestToken: token,
        }),
      );
      return out.VersionId ?? token;
    });
  }

  /**
   * Reads a secret's current value, as a consumer does with its own credentials (`keyrotor
   * credential-process`). keyrotor's rotation never calls this; its member role may not.
   */
  readSecretValue(secretId: string): Promise<Redacted<string>> {
    return call(SERVICE, "GetSecretValue", async () => {
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: secretId }));
      if (out.SecretString === undefined) throw new Error(`secret ${secretId} has no string value yet`);
      return new Redacted(out.SecretString);
    });
  }
}
