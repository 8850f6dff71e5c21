import type { AccountPasswordPolicy } from "../../shared/compliance/password-policy";
import { AwsCallError } from "../../shared/errors";
import { MemoryLedger } from "../../shared/ledger/memory-ledger";
import type { KeyFacts } from "../../shared/lifecycle";
import { Redacted } from "../../shared/redacted";
import {
  type IamPort,
  type IamUser,
  type NewSecret,
  type ReportedUser,
  requestTokenFor,
  type SecretMeta,
  type SecretsPort,
} from "../../shared/rotation";

interface FakeUser {
  arn: string;
  keys: KeyFacts[];
  tags: Record<string, string>;
}

/**
 * An in-memory IAM + Secrets Manager account for unit tests of the rotation use case. Records every
 * mutating call, can fail any named operation, and hands out recognisable fake secrets.
 */
export class FakeAccount implements IamPort, SecretsPort {
  readonly users = new Map<string, FakeUser>();
  readonly groupMembers = new Set<string>();
  /** The exemption group `groupMembers` belong to. */
  groupName = "IAMKeyRotationExemptionGroup";
  readonly secrets = new Map<string, SecretMeta & { value?: string; policy?: string }>();
  readonly lastUsed = new Map<string, Date | null>();
  /** With what and where a key of `lastUsed` was used, when a test says (IAM's service and region). */
  readonly lastUsedWhere = new Map<string, { service: string; region: string }>();
  readonly mutations: string[] = [];
  passwordPolicy: AccountPasswordPolicy | null = null;
  readonly failing = new Set<string>();
  clock: () => Date = () => new Date();
  private serial = 0;
  private secretSerial = 0;
  /** The management account's ledger, as this account's rotations write it. */
  readonly ledger = new MemoryLedger();

  /**
   * A secret keyrotor made for the user, as an earlier run leaves it: the secret in this account and its
   * record in the ledger, holding `recordedKeyId` (none: no value yet) and an unsettled creation since
   * `pendingSince`. With `foreign`, the secret exists but the ledger never heard of it.
   */
  ownSecret(
    userName: string,
    options: { recordedKeyId?: string; pendingSince?: Date; foreign?: boolean; accountId?: string } = {},
  ): SecretMeta {
    const name = `keyrotor/${userName}`;
    const versionId = options.recordedKeyId ? requestTokenFor(options.recordedKeyId) : null;
    const meta: SecretMeta = {
      name,
      arn: `arn:fake:${name}:${++this.secretSerial}`,
      tags: {},
      currentVersionId: versionId,
      kmsKeyId: null,
      deletionDate: null,
      replicaRegions: [],
      createdAt: new Date(0),
    };
    this.secrets.set(name, meta);
    if (options.foreign) return meta;
    const accountId = options.accountId ?? "111122223333";
    const users = this.ledger.users.get(accountId) ?? new Map();
    users.set(userName, {
      userName,
      secret: {
        arn: meta.arn,
        name,
        kmsKeyId: null,
        policyDigest: "",
        createdAt: new Date(0).toISOString(),
        adopted: false,
      },
      ...(options.recordedKeyId && versionId
        ? { recorded: { keyId: options.recordedKeyId, versionId, at: new Date(0).toISOString() } }
        : {}),
      ...(options.pendingSince
        ? { pending: { since: options.pendingSince.toISOString(), runId: "earlier" } }
        : {}),
    });
    this.ledger.users.set(accountId, users);
    return meta;
  }

  addUser(userName: string, keys: KeyFacts[], tags: Record<string, string> = {}): this {
    this.users.set(userName, { arn: `arn:aws:iam::111122223333:user/${userName}`, keys: [...keys], tags });
    return this;
  }

  private user(name: string): FakeUser {
    const u = this.users.get(name);
    if (!u) throw new AwsCallError("IAM", "Get", "NoSuchEntity", `no user ${name}`);
    return u;
  }

  private check(operation: string): void {
    if (this.failing.has(operation)) throw new AwsCallError("Fake", operation, "InternalFailure", "injected");
  }

  private mutate(operation: string, detail: string): void {
    this.check(operation);
    this.mutations.push(`${operation} ${detail}`);
  }

  async userDirectory() {
    this.check("GetAccountAuthorizationDetails");
    return new Map(
      [...this.users].map(([name, u]) => [
        name,
        { arn: u.arn, groups: this.groupMembers.has(name) ? [this.groupName] : [], tags: { ...u.tags } },
      ]),
    );
  }
  async listUsers(): Promise<IamUser[]> {
    this.check("ListUsers");
    return [...this.users].map(([userName, u]) => ({ userName, arn: u.arn }));
  }
  async credentialReport(): Promise<ReportedUser[]> {
    this.check("GetCredentialReport");
    return [...this.users].map(([userName, u]) => ({
      userName,
      arn: u.arn,
      keys: u.keys.map((k) => ({
        status: k.status,
        createdAt: k.createdAt,
        lastUsedAt: this.lastUsed.get(k.id) ?? null,
        ...this.where(k.id),
      })),
    }));
  }
  async listAccessKeys(userName: string): Promise<KeyFacts[]> {
    this.check("ListAccessKeys");
    return this.user(userName).keys.map((k) => ({ id: k.id, status: k.status, createdAt: k.createdAt }));
  }
  async listUserTags(userName: string) {
    this.check("ListUserTags");
    return { ...this.user(userName).tags };
  }
  async listGroupMembers() {
    return new Set(this.groupMembers);
  }
  async getAccessKeyLastUsed(keyId: string) {
    this.check("GetAccessKeyLastUsed");
    return this.lastUsed.get(keyId) ?? null;
  }
  async getAccessKeyLastUse(keyId: string) {
    return { lastUsedAt: await this.getAccessKeyLastUsed(keyId), ...this.where(keyId) };
  }
  private where(keyId: string) {
    const w = this.lastUsedWhere.get(keyId);
    return w ? { lastUsedService: w.service, lastUsedRegion: w.region } : {};
  }
  async accessKeyOwner(keyId: string) {
    this.check("GetAccessKeyLastUsed");
    return [...this.users].find(([, u]) => u.keys.some((k) => k.id === keyId))?.[0] ?? null;
  }
  async createAccessKey(userName: string) {
    this.mutate("CreateAccessKey", userName);
    const u = this.user(userName);
    if (u.keys.length >= 2)
      throw new AwsCallError("IAM", "CreateAccessKey", "LimitExceeded", "two keys already");
    const id = `AKIAFAKE${String(++this.serial).padStart(12, "0")}`;
    const createdAt = this.clock();
    u.keys.push({ id, status: "Active", createdAt });
    return { id, createdAt, secretAccessKey: new Redacted(`fake-secret-${id}-${"x".repeat(20)}`) };
  }
  async deactivateAccessKey(userName: string, keyId: string) {
    this.mutate("UpdateAccessKey", `${userName} ${keyId}`);
    const u = this.user(userName);
    u.keys = u.keys.map((k) => (k.id === keyId ? { ...k, status: "Inactive" } : k));
  }
  async getPasswordPolicy() {
    this.check("GetAccountPasswordPolicy");
    return this.passwordPolicy;
  }
  async updatePasswordPolicy(policy: AccountPasswordPolicy) {
    this.mutate("UpdateAccountPasswordPolicy", String(policy.minimumPasswordLength));
    this.passwordPolicy = policy;
  }
  async deleteAccessKey(userName: string, keyId: string) {
    this.mutate("DeleteAccessKey", `${userName} ${keyId}`);
    const u = this.user(userName);
    u.keys = u.keys.filter((k) => k.id !== keyId);
  }

  async listSecrets(prefix: string) {
    this.check("ListSecrets");
    return new Map([...this.secrets].filter(([name]) => name.startsWith(prefix)));
  }
  async describeSecret(name: string) {
    this.check("DescribeSecret");
    return this.secrets.get(name) ?? null;
  }
  async createSecret(secret: NewSecret) {
    this.mutate("CreateSecret", secret.name);
    if (this.secrets.has(secret.name)) return null;
    const meta = {
      name: secret.name,
      arn: `arn:fake:${secret.name}:${++this.secretSerial}`,
      tags: { ...secret.tags },
      currentVersionId: null,
      kmsKeyId: null,
      deletionDate: null,
      replicaRegions: [...secret.replicaRegions],
      createdAt: this.clock(),
    };
    this.secrets.set(secret.name, meta);
    return meta;
  }
  async getResourcePolicy(name: string) {
    this.check("GetResourcePolicy");
    return this.secrets.get(name)?.policy ?? null;
  }
  async restoreSecret(name: string) {
    this.mutate("RestoreSecret", name);
    const s = this.secrets.get(name);
    if (s) this.secrets.set(name, { ...s, deletionDate: null });
  }
  async replicateToRegions(name: string, regions: readonly string[]) {
    this.mutate("ReplicateSecretToRegions", `${name} ${regions.join(" ")}`);
    const s = this.secrets.get(name);
    if (s) this.secrets.set(name, { ...s, replicaRegions: [...(s.replicaRegions ?? []), ...regions] });
  }
  async removeReplicaRegions(name: string, regions: readonly string[]) {
    this.mutate("RemoveRegionsFromReplication", `${name} ${regions.join(" ")}`);
    const s = this.secrets.get(name);
    if (s)
      this.secrets.set(name, {
        ...s,
        replicaRegions: (s.replicaRegions ?? []).filter((r) => !regions.includes(r)),
      });
  }
  async putResourcePolicy(name: string, policy: string) {
    this.mutate("PutResourcePolicy", name);
    const s = this.secrets.get(name);
    if (s) this.secrets.set(name, { ...s, policy });
  }
  async putSecretValue(name: string, value: Redacted<string>, token: string) {
    this.mutate("PutSecretValue", name);
    const s = this.secrets.get(name);
    if (!s) throw new AwsCallError("SecretsManager", "PutSecretValue", "ResourceNotFoundException", name);
    this.secrets.set(name, { ...s, currentVersionId: token, value: value.reveal() });
    return token;
  }
}
