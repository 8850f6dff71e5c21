import type { AccountOpener } from "../rotation/rotate-account";
import type { ClientOptions } from "./client-config";
import { IamAdapter } from "./iam";
import { SecretsAdapter } from "./secrets";
import { type StsAdapter, sessionName } from "./sts";

export interface MemberRole {
  readonly partition: string;
  readonly roleName: string;
}

/**
 * The read-only role beside the member role in every account (infra/member-role.yml): what the org
 * report reads through, so code running as the reporter can change nothing in any account.
 */
export function readerRole(role: MemberRole): MemberRole {
  return { ...role, roleName: `${role.roleName}-reader` };
}

export function memberRoleArn(role: MemberRole, accountId: string): string {
  return `arn:${role.partition}:iam::${accountId}:role/${role.roleName}`;
}

/**
 * Opens member accounts by assuming `keyrotor-member` (or the configured name) in each; the session
 * name says keyrotor and the run, so CloudTrail tells whose calls these are.
 */
export function memberAccountOpener(
  sts: StsAdapter,
  role: MemberRole,
  options: ClientOptions = {},
): AccountOpener {
  return async (accountId, runId) => {
    const credentials = await sts.assumeRole(memberRoleArn(role, accountId), sessionName("keyrotor", runId));
    const scoped = { ...options, credentials };
    return { iam: IamAdapter.create(scoped), secrets: SecretsAdapter.create(scoped) };
  };
}
