import { type IAMClient, ListAccessKeysCommand, ListUsersCommand } from "@aws-sdk/client-iam";
import {
  GetSecretValueCommand,
  ListSecretsCommand,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import type { adminClients } from "../../scripts/lib/emulator";

export interface AccountState {
  /** user -> "KEYID:Status" sorted by key id. */
  users: Record<string, string[]>;
  /** secret name -> current version id and tags. */
  secrets: Record<string, { currentVersionId: string | null; tags: Record<string, string> }>;
}

/** A user's keys as "KEYID:Status", in the order IAM lists them. */
export async function keyStatuses(iam: IAMClient, userName: string): Promise<string[]> {
  const keys = await iam.send(new ListAccessKeysCommand({ UserName: userName }));
  return (keys.AccessKeyMetadata ?? []).map((k) => `${k.AccessKeyId}:${k.Status}`);
}

/** Every user's keys and every secret's metadata, for before/after comparisons. */
export async function snapshot(clients: ReturnType<typeof adminClients>): Promise<AccountState> {
  const users: AccountState["users"] = {};
  const listed = await clients.iam.send(new ListUsersCommand({}));
  for (const u of listed.Users ?? []) {
    users[u.UserName ?? ""] = (await keyStatuses(clients.iam, u.UserName ?? "")).sort();
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
