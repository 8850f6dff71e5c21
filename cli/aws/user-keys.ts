import { GetAccessKeyLastUsedCommand, IAMClient } from "@aws-sdk/client-iam";
import type { AdvisedKey } from "../../shared/advice/types";
import { clientOptionsOf, sdkClient } from "../../shared/aws/client-config";
import { call } from "../../shared/aws/errors";
import { IamAdapter } from "../../shared/aws/iam";
import { memberRoleArn } from "../../shared/aws/member-account";
import { StsAdapter, sessionName } from "../../shared/aws/sts";
import type { Config } from "../../shared/config";
import type { KeyFacts } from "../../shared/lifecycle";
import { callerClientOptions } from "./caller";
import type { AwsRequest } from "./session";

/** One user's keys with their last use, and the partition the ARNs of the advice are in. */
export interface UserKeys {
  readonly partition: string;
  readonly keys: readonly AdvisedKey[];
}

/** What IAM writes where there is no service or region: never used, or not known. */
const NOTHING = new Set(["N/A", ""]);

/** A key's last use: when, and (unlike the rotation's port, which needs only the date) with what and where. */
async function withLastUse(client: IAMClient, key: KeyFacts): Promise<AdvisedKey> {
  const out = await call("IAM", "GetAccessKeyLastUsed", () =>
    client.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.id })),
  );
  const used = out.AccessKeyLastUsed;
  const known = (v: string | undefined) => (v && !NOTHING.has(v) ? v : undefined);
  const service = known(used?.ServiceName);
  const region = known(used?.Region);
  return {
    ...key,
    lastUsedAt: used?.LastUsedDate ?? null,
    ...(service ? { lastUsedService: service } : {}),
    ...(region ? { lastUsedRegion: region } : {}),
  };
}

/**
 * Reads one user's keys in a member account through keyrotor's member role, as plan does: the
 * caller's credentials assume the role, the role lists the keys and their last use. Reads only.
 * @throws AwsCallError (`NoSuchEntity` when the account has no such user).
 */
export async function readUserKeys(
  config: Config,
  request: AwsRequest,
  accountId: string,
  userName: string,
  runId: string,
): Promise<UserKeys> {
  const options = clientOptionsOf(config);
  const aws = { ...options, ...(await callerClientOptions(request, options)) };
  const sts = StsAdapter.create(aws);
  const { partition } = await sts.whoAmI();
  const role = memberRoleArn({ partition, roleName: config.memberRoleName }, accountId);
  const scoped = { ...aws, credentials: await sts.assumeRole(role, sessionName("keyrotor", runId)) };
  const keys = await IamAdapter.create(scoped).listAccessKeys(userName);
  const client = sdkClient(IAMClient, scoped);
  return { partition, keys: await Promise.all(keys.map((key) => withLastUse(client, key))) };
}
