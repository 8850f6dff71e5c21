import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetResourcePolicyCommand,
  GetSecretValueCommand,
  PutResourcePolicyCommand,
  PutSecretValueCommand,
  paginateListSecrets,
  RemoveRegionsFromReplicationCommand,
  ReplicateSecretToRegionsCommand,
  RestoreSecretCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { Redacted } from "../redacted";
import type { NewSecret, SecretMeta, SecretRotation, SecretsPort } from "../rotation/ports";
import { type ClientOptions, sdkClient } from "./client-config";
import { call, isAwsError } from "./errors";

const SERVICE = "SecretsManager";

/** CreateSecret's answer when a secret of that name is scheduled for deletion. */
const scheduledForDeletion = (error: unknown) =>
  isAwsError(error, "InvalidRequestException") &&
  /scheduled for deletion/i.test(String((error as Error).message));

const toTagList = (tags: Record<string, string>) =>
  Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

interface SecretMetadataShape {
  Name?: string;
  ARN?: string;
  Tags?: { Key?: string; Value?: string }[];
  KmsKeyId?: string;
  DeletedDate?: Date;
  ReplicationStatus?: { Region?: string }[];
  CreatedDate?: Date;
  RotationEnabled?: boolean;
  RotationLambdaARN?: string;
}

/** The AWS managed key, however Secrets Manager names it; `null` stands for it in `SecretMeta`. */
const AWS_MANAGED_KEY =
  /^(alias\/aws\/secretsmanager|arn:aws[\w-]*:kms:[\w-]+:\d{12}:alias\/aws\/secretsmanager)$/;

/** `described`: from DescribeSecret, which tells the replicas; ListSecrets does not. */
function toMeta(
  s: SecretMetadataShape,
  versionsToStages: Record<string, string[]> | undefined,
  described: boolean,
): SecretMeta {
  const tags: Record<string, string> = {};
  for (const t of s.Tags ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? "";
  const current = Object.entries(versionsToStages ?? {}).find(([, stages]) => stages.includes("AWSCURRENT"));
  const kms = s.KmsKeyId && !AWS_MANAGED_KEY.test(s.KmsKeyId) ? s.KmsKeyId : null;
  return {
    name: s.Name ?? "",
    arn: s.ARN ?? "",
    tags,
    currentVersionId: current?.[0] ?? null,
    kmsKeyId: kms,
    deletionDate: s.DeletedDate ?? null,
    replicaRegions: described
      ? (s.ReplicationStatus ?? []).flatMap((r) => (r.Region ? [r.Region] : []))
      : null,
    createdAt: s.CreatedDate ?? null,
    rotation: rotationOf(s),
  };
}

/** The rotation configured on a secret: enabled, or naming a Lambda even while off; `null` for none. */
function rotationOf(s: SecretMetadataShape): SecretRotation | null {
  const lambdaArn = s.RotationLambdaARN ? s.RotationLambdaARN : null;
  return s.RotationEnabled === true || lambdaArn !== null
    ? { enabled: s.RotationEnabled === true, lambdaArn }
    : null;
}

/**
 * Secrets Manager for one account. Reads metadata only: keyrotor never reads a secret value
 * (the member role may not), and the one value it writes arrives `Redacted`.
 */
export class SecretsAdapter implements SecretsPort {
  constructor(private readonly client: SecretsManagerClient) {}

  static create(options?: ClientOptions): SecretsAdapter {
    return new SecretsAdapter(sdkClient(SecretsManagerClient, options));
  }

  /** The region this adapter's calls go to (the client's, resolved as the SDK resolves it). */
  region(): Promise<string> {
    return this.client.config.region();
  }

  /** Every secret whose name starts with `prefix`, keyed by name, with tags and current version. */
  listSecrets(prefix: string): Promise<Map<string, SecretMeta>> {
    return call(SERVICE, "ListSecrets", async () => {
      const secrets = new Map<string, SecretMeta>();
      const pages = paginateListSecrets(
        { client: this.client },
        { Filters: [{ Key: "name", Values: [prefix] }], IncludePlannedDeletion: true },
      );
      for await (const page of pages) {
        for (const s of page.SecretList ?? []) {
          // The name filter is a case-insensitive prefix match; keyrotor's prefix is exact.
          if (s.Name?.startsWith(prefix)) secrets.set(s.Name, toMeta(s, s.SecretVersionsToStages, false));
        }
      }
      return secrets;
    });
  }

  describeSecret(name: string): Promise<SecretMeta | null> {
    return call(SERVICE, "DescribeSecret", async () => {
      try {
        const s = await this.client.send(new DescribeSecretCommand({ SecretId: name }));
        return toMeta(s, s.VersionIdsToStages, true);
      } catch (error) {
        if (isAwsError(error, "ResourceNotFoundException")) return null;
        throw error;
      }
    });
  }

  /**
   * Creates the secret with no value. A secret already at that name (someone else's, a concurrent run's,
   * or one scheduled for deletion) is never adopted here: `null`, and the caller decides.
   */
  createSecret(secret: NewSecret): Promise<SecretMeta | null> {
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
        return {
          name: secret.name,
          arn: out.ARN ?? "",
          tags: { ...secret.tags },
          currentVersionId: null,
          kmsKeyId: null,
          deletionDate: null,
          replicaRegions: [...secret.replicaRegions],
          createdAt: new Date(),
          rotation: null,
        };
      } catch (error) {
        if (isAwsError(error, "ResourceExistsException") || scheduledForDeletion(error)) return null;
        throw error;
      }
    });
  }

  getResourcePolicy(name: string): Promise<string | null> {
    return call(SERVICE, "GetResourcePolicy", async () => {
      const out = await this.client.send(new GetResourcePolicyCommand({ SecretId: name }));
      return out.ResourcePolicy ?? null;
    });
  }

  restoreSecret(name: string): Promise<void> {
    return call(SERVICE, "RestoreSecret", async () => {
      await this.client.send(new RestoreSecretCommand({ SecretId: name }));
    });
  }

  replicateToRegions(name: string, regions: readonly string[]): Promise<void> {
    return call(SERVICE, "ReplicateSecretToRegions", async () => {
      await this.client.send(
        new ReplicateSecretToRegionsCommand({
          SecretId: name,
          AddReplicaRegions: regions.map((Region) => ({ Region })),
        }),
      );
    });
  }

  removeReplicaRegions(name: string, regions: readonly string[]): Promise<void> {
    return call(SERVICE, "RemoveRegionsFromReplication", async () => {
      await this.client.send(
        new RemoveRegionsFromReplicationCommand({ SecretId: name, RemoveReplicaRegions: [...regions] }),
      );
    });
  }

  putResourcePolicy(name: string, policy: string): Promise<void> {
    return call(SERVICE, "PutResourcePolicy", async () => {
      await this.client.send(
        new PutResourcePolicyCommand({ SecretId: name, ResourcePolicy: policy, BlockPublicPolicy: true }),
      );
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
