import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  IAMClient,
  paginateGetGroup,
  paginateListAccessKeys,
  paginateListUsers,
  paginateListUserTags,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import type { KeyFacts, KeyStatus } from "../lifecycle";
import { Redacted } from "../redacted";
import type { IamPort, IamUser, NewAccessKey } from "../rotation/ports";
import { type ClientOptions, clientConfig } from "./client-config";
import { call, isAwsError } from "./errors";

const SERVICE = "IAM";

/** IAM for one account: paginated reads and the three key mutations keyrotor makes. */
export class IamAdapter implements IamPort {
  constructor(private readonly client: IAMClient) {}

  static create(options?: ClientOptions): IamAdapter {
    return new IamAdapter(new IAMClient(clientConfig(options)));
  }

  listUsers(): Promise<IamUser[]> {
    return call(SERVICE, "ListUsers", async () => {
      const users: IamUser[] = [];
      for await (const page of paginateListUsers({ client: this.client }, {})) {
        for (const u of page.Users ?? []) {
          if (u.UserName && u.Arn) users.push({ userName: u.UserName, arn: u.Arn });
        }
      }
      return users;
    });
  }

  listAccessKeys(userName: string): Promise<KeyFacts[]> {
    return call(SERVICE, "ListAccessKeys", async () => {
      const keys: KeyFacts[] = [];
      for await (const page of paginateListAccessKeys({ client: this.client }, { UserName: userName })) {
        for (const k of page.AccessKeyMetadata ?? []) {
          if (k.AccessKeyId && k.CreateDate && k.Status) {
            keys.push({ id: k.AccessKeyId, status: k.Status as KeyStatus, createdAt: k.CreateDate });
          }
        }
      }
      return keys;
    });
  }

  listUserTags(userName: string): Promise<Record<string, string>> {
    return call(SERVICE, "ListUserTags", async () => {
      const tags: Record<string, string> = {};
      for await (const page of paginateListUserTags({ client: this.client }, { UserName: userName })) {
        for (const t of page.Tags ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? "";
      }
      return tags;
    });
  }

  /** Members of `groupName`; an empty set when the group does not exist. */
  listGroupMembers(groupName: string): Promise<Set<string>> {
    return call(SERVICE, "GetGroup", async () => {
      const members = new Set<string>();
      try {
        for await (const page of paginateGetGroup({ client: this.client }, { GroupName: groupName })) {
          for (const u of page.Users ?? []) if (u.UserName) members.add(u.UserName);
        }
      } catch (error) {
        if (isAwsError(error, "NoSuchEntity")) return members;
        throw error;
      }
      return members;
    });
  }

  /** When the key was last used, `null` if never. */
  getAccessKeyLastUsed(keyId: string): Promise<Date | null> {
    return call(SERVICE, "GetAccessKeyLastUsed", async () => {
      const out = await this.client.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: keyId }));
      return out.AccessKeyLastUsed?.LastUsedDate ?? null;
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

  deleteAccessKey(userName: string, keyId: string): Promise<void> {
    return call(SERVICE, "DeleteAccessKey", async () => {
      await this.client.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: keyId }));
    });
  }
}
