import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  GenerateCredentialReportCommand,
  GetAccessKeyLastUsedCommand,
  GetAccountPasswordPolicyCommand,
  GetCredentialReportCommand,
  IAMClient,
  paginateGetAccountAuthorizationDetails,
  paginateListAccessKeys,
  type StatusType,
  UpdateAccessKeyCommand,
  UpdateAccountPasswordPolicyCommand,
} from "@aws-sdk/client-iam";
import type { AccountPasswordPolicy } from "../compliance/password-policy";
import { AwsCallError, CredentialReportError } from "../errors";
import type { KeyFacts, KeyStatus } from "../lifecycle";
import { Redacted } from "../redacted";
import type { DirectoryEntry, IamPort, KeyLastUse, NewAccessKey, ReportedUser } from "../rotation/ports";
import { type ClientOptions, sdkClient } from "./client-config";
import { parseCredentialReport } from "./credential-report";
import { call, isAwsError } from "./errors";

const SERVICE = "IAM";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * IAM's key status in the lifecycle's terms. A status this SDK does not know is refused rather than
 * guessed or skipped: a skipped key would still fill one of the user's two slots, and a guessed one
 * might be deleted while it still authenticates.
 */
function keyStatus(status: StatusType, keyId: string): KeyStatus {
  switch (status) {
    case "Active":
    case "Inactive":
    case "Expired":
      return status;
    default: {
      const unknown: never = status;
      throw new AwsCallError(
        SERVICE,
        "ListAccessKeys",
        "UnknownKeyStatus",
        `key ${keyId} has status ${JSON.stringify(unknown)}, which keyrotor does not know`,
      );
    }
  }
}

/** IAM for one account: paginated reads, the three key mutations keyrotor makes, the password policy. */
export class IamAdapter implements IamPort {
  constructor(
    private readonly client: IAMClient,
    private readonly wait: (ms: number) => Promise<unknown> = sleep,
  ) {}

  static create(options?: ClientOptions): IamAdapter {
    return new IamAdapter(sdkClient(IAMClient, options));
  }

  /**
   * The IAM credential report of account `accountId`: every user and a summary of their keys in two or
   * three calls whatever the account's size. IAM reuses a report up to four hours old; generation is
   * polled until complete.
   * @throws CredentialReportError naming the rows that could not be read for certain: the report then
   *   may not show every user, and only a listing through IAM can be trusted.
   */
  credentialReport(accountId: string): Promise<ReportedUser[]> {
    const generate = () =>
      call(SERVICE, "GenerateCredentialReport", () =>
        this.client.send(new GenerateCredentialReportCommand({})),
      );
    return (async () => {
      for (let attempt = 0; ; attempt++) {
        const { State } = await generate();
        if (State === "COMPLETE") break;
        if (attempt >= 30) {
          throw new AwsCallError(
            SERVICE,
            "GenerateCredentialReport",
            "ReportNotReady",
            `still ${State} after ${attempt} checks`,
          );
        }
        await this.wait(Math.min(250 * 2 ** attempt, 2_000));
      }
      const { Content } = await call(SERVICE, "GetCredentialReport", () =>
        this.client.send(new GetCredentialReportCommand({})),
      );
      const csv = new TextDecoder().decode(Content ?? new Uint8Array());
      const { users, unreadable } = parseCredentialReport(csv, accountId);
      if (unreadable.length > 0) throw new CredentialReportError(accountId, unreadable);
      return users;
    })();
  }

  listAccessKeys(userName: string): Promise<KeyFacts[]> {
    return call(SERVICE, "ListAccessKeys", async () => {
      const keys: KeyFacts[] = [];
      for await (const page of paginateListAccessKeys({ client: this.client }, { UserName: userName })) {
        for (const k of page.AccessKeyMetadata ?? []) {
          if (k.AccessKeyId && k.CreateDate && k.Status) {
            keys.push({
              id: k.AccessKeyId,
              status: keyStatus(k.Status, k.AccessKeyId),
              createdAt: k.CreateDate,
            });
          }
        }
      }
      return keys;
    });
  }

  /**
   * Every user with its groups and tags, from GetAccountAuthorizationDetails (filter User): a page per
   * thousand users instead of a ListUserTags call per user and a GetGroup per exemption group.
   */
  userDirectory(): Promise<Map<string, DirectoryEntry>> {
    return call(SERVICE, "GetAccountAuthorizationDetails", async () => {
      const users = new Map<string, DirectoryEntry>();
      const pages = paginateGetAccountAuthorizationDetails(
        { client: this.client, pageSize: 1000 },
        { Filter: ["User"] },
      );
      for await (const page of pages) {
        for (const u of page.UserDetailList ?? []) {
          if (!u.UserName || !u.Arn) continue;
          const tags: Record<string, string> = {};
          for (const t of u.Tags ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? "";
          users.set(u.UserName, { arn: u.Arn, groups: [...(u.GroupList ?? [])], tags });
        }
      }
      return users;
    });
  }

  /** When the key was last used, `null` if never. */
  async getAccessKeyLastUsed(keyId: string): Promise<Date | null> {
    return (await this.getAccessKeyLastUse(keyId)).lastUsedAt;
  }

  /** When, with which service and in which region the key was last used, as the credential report has it. */
  getAccessKeyLastUse(keyId: string): Promise<KeyLastUse> {
    return call(SERVICE, "GetAccessKeyLastUsed", async () => {
      const out = await this.client.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: keyId }));
      const used = out.AccessKeyLastUsed;
      // IAM writes N/A where it knows no service or region.
      const known = (v: string | undefined) => (v && v !== "N/A" ? v : undefined);
      const service = known(used?.ServiceName);
      const region = known(used?.Region);
      return {
        lastUsedAt: used?.LastUsedDate ?? null,
        ...(service ? { lastUsedService: service } : {}),
        ...(region ? { lastUsedRegion: region } : {}),
      };
    });
  }

  accessKeyOwner(keyId: string): Promise<string | null> {
    return call(SERVICE, "GetAccessKeyLastUsed", async () => {
      try {
        const out = await this.client.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: keyId }));
        return out.UserName ?? null;
      } catch (error) {
        if (isAwsError(error, "NoSuchEntity")) return null;
        throw error;
      }
    });
  }

  createAccessKey(userName: string): Promise<NewAccessKey> {
    return call(SERVICE, "CreateAccessKey", async () => {
      const out = await this.client.send(new CreateAccessKeyCommand({ UserName: userName }));
      const key = out.AccessKey;
      if (!key?.AccessKeyId || !key.SecretAccessKey) {
        throw new Error("CreateAccessKey returned no key");
      }
      return {
        id: key.AccessKeyId,
        createdAt: key.CreateDate ?? new Date(),
        secretAccessKey: new Redacted(key.SecretAccessKey),
      };
    });
  }

  deactivateAccessKey(userName: string, keyId: string): Promise<void> {
    return call(SERVICE, "UpdateAccessKey", async () => {
      await this.client.send(
        new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: keyId, Status: "Inactive" }),
      );
    });
  }

  /** The account's password policy, `null` when it has none. */
  getPasswordPolicy(): Promise<AccountPasswordPolicy | null> {
    return call(SERVICE, "GetAccountPasswordPolicy", async () => {
      try {
        const p = (await this.client.send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy;
        return {
          minimumPasswordLength: p?.MinimumPasswordLength ?? 8,
          requireSymbols: p?.RequireSymbols ?? false,
          requireNumbers: p?.RequireNumbers ?? false,
          requireUppercaseCharacters: p?.RequireUppercaseCharacters ?? false,
          requireLowercaseCharacters: p?.RequireLowercaseCharacters ?? false,
          allowUsersToChangePassword: p?.AllowUsersToChangePassword ?? false,
          hardExpiry: p?.HardExpiry ?? false,
          ...(p?.MaxPasswordAge ? { maxPasswordAge: p.MaxPasswordAge } : {}),
          ...(p?.PasswordReusePrevention ? { passwordReusePrevention: p.PasswordReusePrevention } : {}),
        };
      } catch (error) {
        if (isAwsError(error, "NoSuchEntity")) return null;
        throw error;
      }
    });
  }

  /** Sets the whole policy: IAM resets any field left out, so every field is sent. */
  updatePasswordPolicy(policy: AccountPasswordPolicy): Promise<void> {
    return call(SERVICE, "UpdateAccountPasswordPolicy", async () => {
      await this.client.send(
        new UpdateAccountPasswordPolicyCommand({
          MinimumPasswordLength: policy.minimumPasswordLength,
          RequireSymbols: policy.requireSymbols,
          RequireNumbers: policy.requireNumbers,
          RequireUppercaseCharacters: policy.requireUppercaseCharacters,
          RequireLowercaseCharacters: policy.requireLowercaseCharacters,
          AllowUsersToChangePassword: policy.allowUsersToChangePassword,
          HardExpiry: policy.hardExpiry,
          ...(policy.maxPasswordAge ? { MaxPasswordAge: policy.maxPasswordAge } : {}),
          ...(policy.passwordReusePrevention
            ? { PasswordReusePrevention: policy.passwordReusePrevention }
            : {}),
        }),
      );
    });
  }

  /**
   * Deletes a key; one already gone counts as deleted (a retried call whose first attempt was applied,
   * its answer lost, finds it gone).
   */
  deleteAccessKey(userName: string, keyId: string): Promise<void> {
    return call(SERVICE, "DeleteAccessKey", async () => {
      try {
        await this.client.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: keyId }));
      } catch (error) {
        if (!isAwsError(error, "NoSuchEntity")) throw error;
      }
    });
  }
}
