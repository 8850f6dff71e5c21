import { createHash } from "node:crypto";
import { CredentialReportError, describeError, describeRows } from "../errors";
import type { AccountLedger, UserRecord } from "../ledger/records";
import { consumersUse } from "../ledger/verifications";
import {
  keysFingerprint,
  needsLook,
  type ReportedKey,
  stepFallsDue,
  supersededInUse,
  type Thresholds,
} from "../lifecycle";
import { currentIncident, isOpen } from "./incident";
import type { AccountPorts, DirectoryEntry, IamUser } from "./ports";
import { secretNameFor } from "./secret-name";
import type { AccountRun, Discovery, RotationSettings } from "./settings";

/** Digest of the settings that shape an existing secret: its readers and its replicas. */
export function secretSettingsDigest(settings: RotationSettings): string {
  const shape = [settings.readerPrincipals, settings.readerTagAllowlist, settings.replicaRegions].map((l) =>
    [...l].sort(),
  );
  // Destinations are not part of it: a destination added later receives the next key, and one removed
  // stops holding keys back at once (the delivery record is checked against the bindings each look).
  return createHash("sha256").update(JSON.stringify(shape)).digest("hex").slice(0, 32);
}

/**
 * Every user, looked at one by one: the directory and one listing of secrets, then per-user calls.
 * What `plan` uses, and the reference the frugal discovery is proven against. The credential report
 * is read too, for what the per-user calls do not tell: each key's last use (when, service, region),
 * so the advice `plan` gives each key is the one the org report gives from the same report. A report
 * that cannot be read leaves those facts unknown; the keys' decisions never depended on it.
 */
export async function discoverAll(
  ports: AccountPorts,
  settings: RotationSettings,
  accountId: string,
): Promise<Discovery> {
  const [listed, reported] = await Promise.all([listEveryUser(ports, settings), lastUses(ports, accountId)]);
  return { ...listed, reported };
}

/** The directory and the secrets under the prefix: every user, with nothing known of its keys' use. */
async function listEveryUser(ports: AccountPorts, settings: RotationSettings): Promise<Discovery> {
  const [directory, secrets] = await Promise.all([
    ports.iam.userDirectory(),
    ports.secrets.listSecrets(settings.secretPrefix),
  ]);
  return {
    users: [...directory].map(([userName, { arn }]) => ({ userName, arn })),
    unexamined: 0,
    directory,
    secretOf: async (name) => secrets.get(name),
    fingerprints: new Map(),
    reported: new Map(),
    activeKeys: null,
    settingsChanged: true,
  };
}

/** Each user's keys as the credential report shows them, or none when it cannot be read (logged). */
async function lastUses(ports: AccountPorts, accountId: string): Promise<Discovery["reported"]> {
  try {
    const report = await ports.iam.credentialReport(accountId);
    return new Map(report.map((u) => [u.userName, u.keys]));
  } catch (error) {
    ports.log.warn("credential report unreadable: the advice does not know the keys' last use", {
      accountId,
      error: describeError(error),
    });
    return new Map();
  }
}

/**
 * One user, for an incident: the directory (its groups and tags decide an exemption) and its secret,
 * nothing else. Throws when the account has no such user.
 */
export async function discoverOne(ports: AccountPorts, userName: string): Promise<Discovery> {
  const directory = await ports.iam.userDirectory();
  const entry = directory.get(userName);
  if (!entry) throw new Error(`IAM user ${userName} is not in the account's directory`);
  return {
    users: [{ userName, arn: entry.arn }],
    unexamined: 0,
    directory,
    secretOf: async (name) => (await ports.secrets.describeSecret(name)) ?? undefined,
    fingerprints: new Map(),
    reported: new Map(),
    activeKeys: null,
    settingsChanged: false,
  };
}

/** The ledger has a delivery of the recorded key that some destination has not confirmed. */
function deliveryOutstanding(record: UserRecord | undefined): boolean {
  const d = record?.delivery;
  return !!d && d.keyId === record?.recorded?.keyId && d.due.some((id) => d.confirmed[id] === undefined);
}

/**
 * Frugal discovery: from the credential report (two or three calls), each user's next step dates; a
 * user is looked at only when one falls due in this run, when the ledger has a creation in flight for
 * it, or when the settings that shape its secret changed. A user nothing can be done for (blocked,
 * exempt, held, failing) stays quiet until its quiet period ends, its keys change, or another of its
 * steps falls due (by the user's own policy's thresholds, `thresholdsOf`). An account where
 * nothing is due costs these calls and the AssumeRole, whatever its size. A report with rows that
 * could not be read for certain may not show every user, so then every user is looked at, as
 * `discoverAll` does, and the discovery says why (`fallback`).
 */
export async function discoverFromReport(
  ports: AccountPorts,
  settings: RotationSettings,
  run: AccountRun,
  ledger: AccountLedger,
  previousRunAt: Date,
  thresholdsOf: (userName: string) => Thresholds | null = () => settings,
): Promise<Discovery> {
  const reported = await readReport(ports, run.accountId);
  if (!Array.isArray(reported)) {
    ports.log.warn("credential report unreadable: every user listed through IAM", {
      accountId: run.accountId,
      ...reported,
    });
    return { ...(await listEveryUser(ports, settings)), fallback: reported };
  }
  const settingsChanged = ledger.account?.settingsDigest !== secretSettingsDigest(settings);
  const fingerprints = new Map<string, string>();
  const reportedKeys = new Map<string, readonly ReportedKey[]>();
  const users: IamUser[] = [];
  for (const u of reported) {
    const record = ledger.users.get(u.userName);
    const fingerprint = keysFingerprint(u.keys);
    // `null`: two policies match the user; it is looked at (while it has keys) to be reported blocked.
    const thresholds = thresholdsOf(u.userName);
    const quiet =
      record?.quiet !== undefined &&
      new Date(record.quiet.until).getTime() > run.now.getTime() &&
      record.quiet.fingerprint === fingerprint &&
      (thresholds === null || !stepFallsDue(u.keys, thresholds, new Date(record.quiet.since), run.now));
    const used = consumersUse(u.keys, record);
    const due =
      thresholds === null
        ? u.keys.length > 0
        : needsLook(used, thresholds, run.now, previousRunAt) || supersededInUse(used, thresholds, run.now);
    const look =
      record?.pending !== undefined ||
      isOpen(currentIncident(record)) ||
      deliveryOutstanding(record) ||
      (settingsChanged && record?.secret !== undefined) ||
      (!quiet && due);
    if (!look) continue;
    users.push({ userName: u.userName, arn: u.arn });
    fingerprints.set(u.userName, fingerprint);
    reportedKeys.set(u.userName, u.keys);
  }
  const directory = users.length > 0 ? await ports.iam.userDirectory() : new Map<string, DirectoryEntry>();
  const secretOf = async (name: string) => (await ports.secrets.describeSecret(name)) ?? undefined;
  return {
    users,
    unexamined: reported.length - users.length,
    directory,
    secretOf,
    fingerprints,
    reported: reportedKeys,
    activeKeys: reported.reduce((n, u) => n + u.keys.filter((k) => k.status === "Active").length, 0),
    settingsChanged,
  };
}

/** The report's users, or, when some row could not be read for certain, how many and which. */
async function readReport(ports: AccountPorts, accountId: string) {
  try {
    return await ports.iam.credentialReport(accountId);
  } catch (error) {
    if (!(error instanceof CredentialReportError)) throw error;
    return { rows: error.rows.length, detail: describeRows(error.rows) } as const;
  }
}

/** The user's secret name, as discovery and reconciliation both spell it. */
export const secretNameOf = (settings: RotationSettings, user: IamUser) =>
  secretNameFor(settings.secretPrefix, user.userName);
