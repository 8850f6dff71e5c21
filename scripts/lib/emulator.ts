import {
  AddUserToGroupCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateUserCommand,
  IAMClient,
  TagUserCommand,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import {
  CloseAccountCommand,
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SESClient, VerifyEmailIdentityCommand } from "@aws-sdk/client-ses";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { MOTO_CREDENTIALS } from "./moto";

/**
 * Builders for a sample organization inside moto, shared by the demo and the e2e tests. They act as
 * the organization's administrator; the endpoint comes from AWS_ENDPOINT_URL like everything else.
 */

export const MANAGEMENT_ACCOUNT = "123456789012";
const config = { region: "us-east-1", credentials: MOTO_CREDENTIALS };

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

/** SDK clients acting inside `accountId`, through AssumeRole as moto maps it. */
export async function clientsIn(accountId: string) {
  const sts = new STSClient(config);
  const out = await sts.send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${accountId}:role/OrganizationAccountAccessRole`,
      RoleSessionName: "test-admin",
    }),
  );
  const c = out.Credentials;
  const credentials = {
    accessKeyId: c?.AccessKeyId ?? "",
    secretAccessKey: c?.SecretAccessKey ?? "",
    sessionToken: c?.SessionToken ?? "",
  };
  return { ...adminClients(credentials), credentials };
}

export interface Organization {
  readonly id: string;
  readonly accounts: Record<string, { id: string; email: string }>;
  readonly ous: Record<string, string>;
}

/**
 * An organization with the management account and members: `names` become ACTIVE accounts in the
 * given OU path (created as needed under the root); `closed` names are created then closed.
 */
export async function createOrganization(
  members: { name: string; ouPath?: string[]; closed?: boolean }[],
): Promise<Organization> {
  const orgs = new OrganizationsClient(config);
  const created = await orgs.send(new CreateOrganizationCommand({ FeatureSet: "ALL" }));
  const rootId = (await orgs.send(new ListRootsCommand({}))).Roots?.[0]?.Id ?? "";
  const ous: Record<string, string> = {};
  const accounts: Organization["accounts"] = {
    management: { id: MANAGEMENT_ACCOUNT, email: created.Organization?.MasterAccountEmail ?? "" },
  };
  for (const member of members) {
    let parent = rootId;
    for (const name of member.ouPath ?? []) {
      ous[name] ??=
        (await orgs.send(new CreateOrganizationalUnitCommand({ ParentId: parent, Name: name })))
          .OrganizationalUnit?.Id ?? "";
      parent = ous[name] ?? parent;
    }
    const email = `${member.name.toLowerCase()}-owner@example.com`;
    const status = await orgs.send(new CreateAccountCommand({ AccountName: member.name, Email: email }));
    const id = status.CreateAccountStatus?.AccountId ?? "";
    if (parent !== rootId)
      await orgs.send(
        new MoveAccountCommand({ AccountId: id, SourceParentId: rootId, DestinationParentId: parent }),
      );
    if (member.closed) await orgs.send(new CloseAccountCommand({ AccountId: id }));
    accounts[member.name] = { id, email };
  }
  return { id: created.Organization?.Id ?? "", accounts, ous };
}

export async function verifySender(address: string): Promise<void> {
  await new SESClient(config).send(new VerifyEmailIdentityCommand({ EmailAddress: address }));
}

export interface SentEmail {
  source: string;
  subject: string;
  body: string;
  destinations: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
}

/** Emails moto's SES accepted, in order. */
export async function sentEmails(endpoint: string): Promise<SentEmail[]> {
  const data = (await (await fetch(`${endpoint}/moto-api/data.json`)).json()) as {
    ses?: { Message?: SentEmail[] };
  };
  return data.ses?.Message ?? [];
}
