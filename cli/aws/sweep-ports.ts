import { clientOptionsOf } from "../../shared/aws/client-config";
import { keyPorts } from "../../shared/aws/destination-writers";
import { EventBridgeAdapter } from "../../shared/aws/eventbridge";
import { LedgerAdapter } from "../../shared/aws/ledger";
import { memberAccountOpener } from "../../shared/aws/member-account";
import { OrganizationsAdapter } from "../../shared/aws/organizations";
import { SecretsAdapter } from "../../shared/aws/secrets";
import { SesAdapter } from "../../shared/aws/ses";
import { StsAdapter } from "../../shared/aws/sts";
import type { Config } from "../../shared/config";
import { DEFAULT_HTTP_DEPS } from "../../shared/destinations/types";
import type { AccountLedger } from "../../shared/ledger/records";
import { verificationsOf } from "../../shared/ledger/verifications";
import { withoutOwnUse } from "../../shared/lifecycle";
import type { AccountOpener, Log } from "../../shared/rotation";
import type { PlanPorts, SweepPortsOptions } from "../services";
import { callerClientOptions } from "./caller";
import type { AwsRequest } from "./session";

/**
 * `open`, remembering each account's session when `keep` is set: plan looks up the last use of every
 * key after the sweep, through the sessions the sweep opened. Without `keep` it is `open` itself, so
 * a session lives only as long as whoever reads through it.
 */
export function sessionOpener(open: AccountOpener, keep: boolean): AccountOpener {
  if (!keep) return open;
  const opened = new Map<string, ReturnType<AccountOpener>>();
  return (accountId, runId) => {
    const existing = opened.get(accountId) ?? open(accountId, runId);
    opened.set(accountId, existing);
    return existing;
  };
}

/**
 * The sweep's ports over real AWS, with the caller's region and credentials. With `keepSessions`
 * off (report), `lastUsed` opens the account again on every call. `lastUsed` is the consumers' last
 * use: keyrotor's own verification of a key, as the ledger recorded it, is none.
 * @throws EnvironmentError when either is missing.
 */
export async function awsSweepPorts(
  config: Config,
  log: Log,
  request: AwsRequest,
  { keepSessions = true }: SweepPortsOptions = {},
): Promise<PlanPorts> {
  const options = clientOptionsOf(config);
  const aws = { ...options, ...(await callerClientOptions(request, options)) };
  const sts = StsAdapter.create(aws);
  const { partition } = await sts.whoAmI();
  const role = { partition, roleName: config.memberRoleName };
  const openAccount = sessionOpener(memberAccountOpener(sts, role, aws), keepSessions);
  const ledger = LedgerAdapter.create(config.ledgerTable, aws);
  const ledgers = new Map<string, Promise<AccountLedger>>();
  // Without its ledger keyrotor cannot tell its own secrets and keys from anyone's: stop before any work.
  await ledger.checkTable();
  return {
    organization: OrganizationsAdapter.create(aws),
    openAccount,
    ledger,
    mail: SesAdapter.create(aws),
    log,
    keys: keyPorts(sts, role, aws, ledger),
    ...(config.lifecycleEvents.enabled ? { events: EventBridgeAdapter.create(aws) } : {}),
    // Channels as the notifier posts them, their secrets read with the caller's credentials.
    ...(config.channels.length > 0
      ? {
          channels: {
            secrets: SecretsAdapter.create(aws),
            http: DEFAULT_HTTP_DEPS,
            // Not a setting: only the tests' local chat servers listen on plain http, and only they set it.
            allowLoopbackHttp: request.env.CHANNELS_ALLOW_LOOPBACK_HTTP === "true",
            nowSeconds: () => Math.floor(Date.now() / 1000),
          },
        }
      : {}),
    lastUsed: async (accountId, keyId) => {
      const use = await (await openAccount(accountId, "plan")).iam.getAccessKeyLastUse(keyId);
      return withoutOwnUse(use, await verifications(accountId, keyId)).lastUsedAt;
    },
  };

  /** keyrotor's own verification of the key, from the account's ledger (read once per account). */
  async function verifications(accountId: string, keyId: string) {
    const read = ledgers.get(accountId) ?? ledger.loadAccount(accountId);
    ledgers.set(accountId, read);
    const all = [...(await read).users.values()].flatMap((record) => verificationsOf(record));
    return all.find((v) => v.keyId === keyId);
  }
}
