import { mapWithConcurrency } from "../concurrency";
import { CredentialReportError, describeRows } from "../errors";
import type { ReportedKey } from "../lifecycle";
import type { Log } from "../log";
import type { DirectoryEntry, IamPort, ReportedUser } from "../rotation/ports";
import type { ListedKey } from "./types";

/**
 * The IAM reads the report makes in a member account: the credential report and the directory, and,
 * only when the report cannot be trusted, each user's keys and each key's last use. All are reads.
 */
export type ReportIam = Pick<
  IamPort,
  "credentialReport" | "userDirectory" | "listAccessKeys" | "getAccessKeyLastUse"
>;

/** One account's users as the report reads them. */
export interface IamRead {
  readonly users: readonly ReportedUser[];
  readonly directory: ReadonlyMap<string, DirectoryEntry>;
  /** Set when the credential report could not be read for certain: which rows, and why. */
  readonly reportFallback?: string;
  /** Every user's key ids, when the users were listed through IAM (`reportFallback`). */
  readonly keyIds?: ReadonlyMap<string, readonly ListedKey[]>;
}

/** Users listed at once when the report cannot be used: the calls all go to the one account's IAM. */
const LISTING_CONCURRENCY = 4;

/**
 * The credential report, then the directory only if some user has a key (exemption matters only
 * then). A report with rows that could not be read for certain may not show every user, so the
 * account is then listed through IAM instead (the directory, each user's keys, each key's last use),
 * which costs calls per user but shows no fewer users or keys than there are.
 */
export async function readIam(iam: ReportIam, accountId: string, log: Log): Promise<IamRead> {
  let users: ReportedUser[];
  try {
    users = await iam.credentialReport(accountId);
  } catch (error) {
    if (!(error instanceof CredentialReportError)) throw error;
    const detail = describeRows(error.rows);
    log.warn("credential report unreadable: every user listed through IAM", {
      accountId,
      rows: error.rows.length,
      detail,
    });
    const directory = await iam.userDirectory();
    const listed = await listUsers(iam, directory);
    return {
      users: listed.map((l) => l.user),
      directory,
      reportFallback: detail,
      keyIds: new Map(listed.map((l) => [l.user.userName, l.ids])),
    };
  }
  const directory = users.some((u) => u.keys.length > 0) ? await iam.userDirectory() : new Map();
  return { users, directory };
}

/** Every user of the directory with its keys, as the credential report would have shown them, and their ids. */
function listUsers(
  iam: ReportIam,
  directory: ReadonlyMap<string, DirectoryEntry>,
): Promise<{ user: ReportedUser; ids: ListedKey[] }[]> {
  return mapWithConcurrency([...directory], LISTING_CONCURRENCY, async ([userName, { arn }]) => {
    const listed = await iam.listAccessKeys(userName);
    const keys = await Promise.all(
      listed.map(
        async (k): Promise<ReportedKey> => ({
          status: k.status,
          createdAt: k.createdAt,
          ...(await iam.getAccessKeyLastUse(k.id)),
        }),
      ),
    );
    return { user: { userName, arn, keys }, ids: listed.map((k) => ({ id: k.id, createdAt: k.createdAt })) };
  });
}
