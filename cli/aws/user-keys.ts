import { GetAccessKeyLastUsedCommand, IAMClient } from "@aws-sdk/client-iam";
import type { AdvisedKey } from "../../shared/advice/types";
import { clientOptionsOf, sdkClient } from "../../shared/aws/client-config";
import { call } from "../../shared/aws/errors";
import { IamAdapter } from "../../shared/aws/iam";
import { LedgerAdapter } from "../../shared/aws/ledger";
import { memberRoleArn } from "../../shared/aws/member-account";
import { StsAdapter, sessionName } from "../../shared/aws/sts";
import type { Config } from "../../shared/config";
import { describeError, LedgerMissingError } from "../../shared/errors";
import type { UserRecord } from "../../shared/ledger/records";
import { withVerifications } from "../../shared/ledger/verifications";
import type { KeyFacts } from "../../shared/lifecycle";
import { callerClientOptions } from "./caller";
import type { AwsRequest } from "./session";

/** One user's keys with their last use, and the partition the ARNs of the advice are in. */
export interface UserKeys {
  readonly partition: string;
  /** Each with keyrotor's own verification of it, where the ledger recorded one. */
  readonly keys: readonly AdvisedKey[];
  /**
   * Why the ledger could not be read: keyrotor's own verification of a key then counts as its use
   * (the safe side). Absent when it was read.
   */
  readonly ledgerProblem?: string;
}

/** What IAM writes where there is no service or region: never used, or not known. */
const NOTHING = new Set(["N/A", ""]);

/** A key's last use: when, and (unlike the rotation's port, which needs only the date) with what and where. */
async function withLastUse(client: IAMClient, key: KeyFacts): Promise<KeyFacts> {
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
 * caller's credentials assume the role, the role lists the keys and their last use; and, with the
 * caller's own credentials, the user's record in the ledger (`ledgerTable`), whose verifications tell
 * keyrotor's own STS call from a consumer's. Reads only.
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
  const used = await Promise.all(keys.map((key) => withLastUse(client, key)));
  const ledger = await readRecord(LedgerAdapter.create(config.ledgerTable, aws), accountId, userName);
  return {
    partition,
    keys: withVerifications(used, ledger.record),
    ...(ledger.problem ? { ledgerProblem: ledger.problem } : {}),
  };
}

/** The user's ledger record, or why it could not be read (a missing table included: nothing to go by). */
async function readRecord(
  ledger: LedgerAdapter,
  accountId: string,
  userName: string,
): Promise<{ record?: UserRecord; problem?: string }> {
  try {
    return { record: (await ledger.loadAccount(accountId)).users.get(userName) };
  } catch (error) {
    const why = error instanceof LedgerMissingError ? error.message : describeError(error).message;
    return {
      problem: `keyrotor's ledger could not be read (${why}): a key's use by keyrotor's own check counts`,
    };
  }
}
