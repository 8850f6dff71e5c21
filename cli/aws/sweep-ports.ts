import { STSClient } from "@aws-sdk/client-sts";
import { clientOptionsOf } from "../../shared/aws/client-config";
import { LedgerAdapter } from "../../shared/aws/ledger";
import { memberAccountOpener } from "../../shared/aws/member-account";
import { OrganizationsAdapter } from "../../shared/aws/organizations";
import { SesAdapter } from "../../shared/aws/ses";
import { StsAdapter } from "../../shared/aws/sts";
import type { Config } from "../../shared/config";
import type { AccountOpener, Log } from "../../shared/rotation";
import type { PlanPorts } from "../services";
import { type AwsRequest, explicitRegion, resolveClientConfig } from "./session";

/**
 * The sweep's ports over real AWS, with the caller's credentials: `--profile`, else AWS_PROFILE,
 * else the default chain. Region and credentials are checked before the first call.
 * @throws EnvironmentError when either is missing.
 */
export async function awsSweepPorts(config: Config, log: Log, request: AwsRequest): Promise<PlanPorts> {
  const profile = request.profile ?? (request.env.AWS_PROFILE || undefined);
  const region = explicitRegion(request);
  const probe = new STSClient({
    ...(profile === undefined ? {} : { profile }),
    ...(region === undefined ? {} : { region }),
  });
  const resolved = await resolveClientConfig(probe.config, profile);
  const aws = { ...clientOptionsOf(config), region: resolved.region, credentials: probe.config.credentials };
  const sts = StsAdapter.create(aws);
  const { partition } = await sts.whoAmI();
  const open = memberAccountOpener(sts, { partition, roleName: config.memberRoleName }, aws);
  // plan looks up last use of every key after deciding: reuse each account's session for that.
  const opened = new Map<string, ReturnType<AccountOpener>>();
  const openAccount: AccountOpener = (accountId, runId) => {
    const existing = opened.get(accountId) ?? open(accountId, runId);
    opened.set(accountId, existing);
    return existing;
  };
  return {
    organization: OrganizationsAdapter.create(aws),
    openAccount,
    ledger: LedgerAdapter.create(config.ledgerTable, aws),
    mail: SesAdapter.create(aws),
    log,
    lastUsed: async (accountId, keyId) =>
      (await openAccount(accountId, "plan")).iam.getAccessKeyLastUsed(keyId),
  };
}
