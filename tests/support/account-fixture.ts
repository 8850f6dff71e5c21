import {
  AddUserToGroupCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListUsersCommand,
  TagUserCommand,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import {
  GetSecretValueCommand,
  ListSecretsCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { MOTO_CREDENTIALS } from "./moto";

/**
 * Raw SDK clients acting as the test's administrator (endpoint from AWS_ENDPOINT_URL): in moto's
 * default account, or in another account with credentials from AssumeRole.
 */
export function adminClients(credentials: AwsCredentials = MOTO_CREDENTIALS) {
  const config = { region: "us-east-1", credentials };
  return { iam: new IAMClient(config), secrets: new SecretsManagerClient(config) };
}

type AwsCredentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

export interface UserSpec {
  name: string;
  /** Statuses of the keys to create, oldest first. */
  keys?: ("Active" | "Inactive")[];
  tags?: Record<string, string>;
  groups?: string[];
}

/** Creates users, their keys (at moto's current clock) and groups. Returns the key ids per user. */
export async function createUsers(iam: IAMClient, specs: UserSpec[]): Promise<Map<string, string[]>> {
  const groups = new Set(specs.flatMap((s) => s.groups ?? []));
  for (const GroupName of groups) await iam.send(new CreateGroupCommand({ GroupName }));
  const ids = new Map<string, string[]>();
  for (const spec of specs) {
    const Tags = Object.entries(spec.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
    await iam.send(new CreateUserCommand({ UserName: spec.name }));
    if (Tags.length > 0) await iam.send(new TagUserCommand({ UserName: spec.name, Tags }));
    for (const GroupName of spec.groups ?? []) {
      await iam.send(new AddUserToGroupCommand({ GroupName, UserName: spec.name }));
    }
    const keyIds: string[] = [];
    for (const status of spec.keys ?? []) {
      const out = await iam.send(new CreateAccessKeyCommand({ UserName: spec.name }));
      const id = out.AccessKey?.AccessKeyId ?? "";
      if (status === "Inactive") {
        await iam.send(
          new UpdateAccessKeyCommand({ UserName: spec.name, AccessKeyId: id, Status: "Inactive" }),
        );
      }
      keyIds.push(id);
    }
    ids.set(spec.name, keyIds);
  }
  return ids;
}

export interface AccountState {
  /** user -> "KEYID:Status" sorted by key id. */
  users: Record<string, string[]>;
  /** secret name -> current version id and tags. */
  secrets: Record<string, { currentVersionId: string | null; tags: Record<string, string> }>;
}

/** Every user's keys and every secret's metadata, for before/after comparisons. */
export async function snapshot(clients: ReturnType<typeof adminClients>): Promise<AccountState> {
  const users: AccountState["users"] = {};
  const listed = await clients.iam.send(new ListUsersCommand({}));
  for (const u of listed.Users ?? []) {
    const keys = await clients.iam.send(new ListAccessKeysCommand({ UserName: u.UserName }));
    users[u.UserName ?? ""] = (keys.AccessKeyMetadata ?? [])
      .map((k) => `${k.AccessKeyId}:${k.Status}`)
      .sort();
  }
  const secrets: AccountState["secrets"] = {};
  let NextToken: string | undefined;
  do {
    const page = await clients.secrets.send(new ListSecretsCommand({ NextToken }));
    for (const s of page.SecretList ?? []) {
      const current = Object.entries(s.SecretVersionsToStages ?? {}).find(([, st]) =>
        st.includes("AWSCURRENT"),
      );
      const tags = Object.fromEntries((s.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));
      secrets[s.Name ?? ""] = { currentVersionId: current?.[0] ?? null, tags };
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return { users, secrets };
}

/** The stored key JSON of a secret, as a consumer reads it. */
export async function readSecretJson(
  secrets: SecretsManagerClient,
  name: string,
): Promise<{ AccessKeyId: string; SecretAccessKey: string; UserName: string; CreateDate: string }> {
  const out = await secrets.send(new GetSecretValueCommand({ SecretId: name }));
  return JSON.parse(out.SecretString ?? "{}");
}
