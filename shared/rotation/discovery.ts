import type { AccountLedger } from "../ledger/records";
import { needsAttention } from "../lifecycle";
import type { AccountPorts, IamUser, SecretMeta } from "./ports";
import { secretNameFor } from "./secret-name";
import type { AccountRun, RotationSettings } from "./settings";

export interface Discovery {
  readonly users: readonly IamUser[];
  /** Users the credential report showed with nothing to say, not looked at further. */
  readonly unexamined: number;
  readonly exemptMembers: ReadonlySet<string>;
  readonly secretOf: (name: string) => Promise<SecretMeta | undefined>;
}

/**
 * Every user, looked at one by one: one listing of users and one of secrets, then per-user calls.
 * What `plan` uses, and the reference the frugal discovery is proven against.
 */
export async function discoverAll(ports: AccountPorts, settings: RotationSettings): Promise<Discovery> {
  const [users, exemptMembers, secrets] = await Promise.all([
    ports.iam.listUsers(),
    ports.iam.listGroupMembers(settings.exemptGroupName),
    ports.secrets.listSecrets(settings.secretPrefix),
  ]);
  return { users, unexamined: 0, exemptMembers, secretOf: async (name) => secrets.get(name) };
}

/**
 * Frugal discovery: the credential report (two or three calls) says which users could have anything
 * to say, and the ledger (already read) which have a creation in flight; only those get per-user calls,
 * on fresh data. An account where nothing is due costs these calls and the AssumeRole, whatever its size.
 */
export async function discoverFromReport(
  ports: AccountPorts,
  settings: RotationSettings,
  run: AccountRun,
  ledger: AccountLedger,
): Promise<Discovery> {
  const reported = await ports.iam.credentialReport();
  const users = reported
    .filter((u) => needsAttention(u.keys, settings, run.now) || ledger.users.get(u.userName)?.pending)
    .map(({ userName, arn }) => ({ userName, arn }));
  const exemptMembers =
    users.length > 0 ? await ports.iam.listGroupMembers(settings.exemptGroupName) : new Set<string>();
  const secretOf = async (name: string) => (await ports.secrets.describeSecret(name)) ?? undefined;
  return { users, unexamined: reported.length - users.length, exemptMembers, secretOf };
}

/** The user's secret name, as discovery and reconciliation both spell it. */
export const secretNameOf = (settings: RotationSettings, user: IamUser) =>
  secretNameFor(settings.secretPrefix, user.userName);
