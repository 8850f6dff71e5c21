import type { PasswordPolicyPort } from "../compliance/reconcile-password-policy";
import type { SmtpLoginCheck } from "../destinations/smtp/deliver";
import type { DestinationWriter } from "../destinations/types";
import type { BoundDestination } from "../destinations/validate";
import type { KeyFacts, ReportedKey, Verification } from "../lifecycle";
import type { Log } from "../log";
import type { Redacted } from "../redacted";

/** The narrow views of AWS the rotation use case needs, for one member account. */

/** The log port lives in the shared base (shared/log.ts); re-exported for the use case's importers. */
export type { Log };

export interface IamUser {
  readonly userName: string;
  readonly arn: string;
}

export interface NewAccessKey {
  readonly id: string;
  readonly createdAt: Date;
  readonly secretAccessKey: Redacted<string>;
}

/** A user as the credential report shows it: name, ARN and a summary of up to two keys. */
export interface ReportedUser extends IamUser {
  readonly keys: readonly ReportedKey[];
}

/** A user as GetAccountAuthorizationDetails describes it: what exemption and tags need. */
export interface DirectoryEntry {
  readonly arn: string;
  readonly groups: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
}

/** A key's last use: when (`null`: never), and with which service in which region when IAM says. */
export type KeyLastUse = Pick<ReportedKey, "lastUsedAt" | "lastUsedService" | "lastUsedRegion">;

export interface IamPort extends PasswordPolicyPort {
  /** Every user with its groups and tags, in one paginated call. */
  userDirectory(): Promise<Map<string, DirectoryEntry>>;
  /**
   * Every user of account `accountId` with a summary of its keys, from the credential report.
   * Rejects with `CredentialReportError` when some row could not be read for certain.
   */
  credentialReport(accountId: string): Promise<ReportedUser[]>;
  listAccessKeys(userName: string): Promise<KeyFacts[]>;
  getAccessKeyLastUsed(keyId: string): Promise<Date | null>;
  getAccessKeyLastUse(keyId: string): Promise<KeyLastUse>;
  /**
   * The user IAM names for an access key id (GetAccessKeyLastUsed), `null` when IAM knows no such key.
   * Only a claim: the key is the account's only if that user's own listing in the account shows it.
   */
  accessKeyOwner(keyId: string): Promise<string | null>;
  createAccessKey(userName: string): Promise<NewAccessKey>;
  deactivateAccessKey(userName: string, keyId: string): Promise<void>;
  deleteAccessKey(userName: string, keyId: string): Promise<void>;
}

/** A secret's metadata: never its value. */
export interface SecretMeta {
  readonly name: string;
  readonly arn: string;
  readonly tags: Readonly<Record<string, string>>;
  /** The version id staged AWSCURRENT, `null` while the secret has no value. */
  readonly currentVersionId: string | null;
  /** The customer managed KMS key encrypting it; `null` for Secrets Manager's AWS managed key. */
  readonly kmsKeyId: string | null;
  /** When the secret is due to be deleted; `null` unless someone scheduled its deletion. */
  readonly deletionDate: Date | null;
  /** Regions it is replicated to; `null` when unknown (ListSecrets does not say, DescribeSecret does). */
  readonly replicaRegions: readonly string[] | null;
  /** When the secret was created; `null` when Secrets Manager does not say. */
  readonly createdAt: Date | null;
  /**
   * The rotation someone configured on it (whose Lambda would be handed the secret); `null` when none
   * is; absent when the answer did not say (a stand-in of a test).
   */
  readonly rotation?: SecretRotation | null;
}

/** Rotation as Secrets Manager describes it: on or off, and the Lambda it names, if any. */
export interface SecretRotation {
  readonly enabled: boolean;
  readonly lambdaArn: string | null;
}

export interface NewSecret {
  readonly name: string;
  readonly description: string;
  readonly tags: Record<string, string>;
  readonly replicaRegions: readonly string[];
}

export interface SecretsPort {
  /** Every secret under the prefix, those scheduled for deletion included. */
  listSecrets(prefix: string): Promise<Map<string, SecretMeta>>;
  /** One secret's metadata, `null` when it does not exist. */
  describeSecret(name: string): Promise<SecretMeta | null>;
  /** Creates the secret with no value; `null` when a secret of that name exists (live or being deleted). */
  createSecret(secret: NewSecret): Promise<SecretMeta | null>;
  /** The secret's resource policy as stored, `null` when it has none. */
  getResourcePolicy(name: string): Promise<string | null>;
  putResourcePolicy(name: string, policy: string): Promise<void>;
  /** Cancels a scheduled deletion. */
  restoreSecret(name: string): Promise<void>;
  replicateToRegions(name: string, regions: readonly string[]): Promise<void>;
  removeReplicaRegions(name: string, regions: readonly string[]): Promise<void>;
  putSecretValue(name: string, value: Redacted<string>, token: string): Promise<string>;
}

export interface AccountPorts {
  readonly iam: IamPort;
  readonly secrets: SecretsPort;
  readonly log: Log;
}

/** Proves a new key works before anything depends on it (STS GetCallerIdentity with the key itself). */
export interface KeyVerifier {
  /**
   * Resolves once the key signs in as `userArn`, with when STS answered and in which region: IAM
   * records that call as the key's last use, and the ledger records it so no rule counts it as one.
   * Rejects with `KeyVerificationError` otherwise.
   */
  verify(key: NewAccessKey, userArn: string): Promise<Verification>;
}

/**
 * Encrypts a new key's secret under keyrotor's delivery KMS key while its deliveries are outstanding,
 * bound to its account, user and key id by the encryption context.
 */
export interface EscrowCipher {
  encrypt(kmsKeyId: string, plaintext: Redacted<string>, context: Record<string, string>): Promise<string>;
  decrypt(kmsKeyId: string, ciphertext: string, context: Record<string, string>): Promise<Redacted<string>>;
}

/** Writers for the destinations the operator bound to a user (tokens and sessions are its business). */
export interface WriterSource {
  writerFor(bound: BoundDestination, accountId: string): Promise<DestinationWriter>;
}

/** What the create → verify → deliver loop needs beyond the member account's own adapters. */
export interface KeyPorts {
  readonly verifier?: KeyVerifier;
  readonly escrow?: EscrowCipher;
  readonly writers?: WriterSource;
  /** Logs in to an SES SMTP endpoint, for bindings that verify the SMTP credentials they deliver. */
  readonly smtp?: SmtpLoginCheck;
}
