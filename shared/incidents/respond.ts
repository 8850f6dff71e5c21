import type { Config } from "../config";
import { AwsCallError } from "../errors";
import { newestKey } from "../lifecycle";
import type { RotationJob } from "../messages";
import type { IamPort } from "../rotation/ports";
import { type RotateAccountPorts, type RotatedAccount, rotateAccount } from "../rotation/rotate-account";
import type { RotationSettings } from "../rotation/settings";
import { IncidentRefusedError, type IncidentRequest, joinIncident } from "./request";

/**
 * Answers an exposed key, in steps: open the account; find in its IAM whose key it is (the request
 * only asks); record the incident in the ledger, or find it there; reconcile that one user, whose
 * lifecycle then replaces the key at once and revokes it as asked. The caller tells the people
 * (`shared/jobs/rotate-job.ts`), as after any run.
 * @throws IncidentRefusedError, before anything is written, when the key is not that account's user's.
 */
export async function respondToIncident(
  ports: RotateAccountPorts,
  settings: RotationSettings & Pick<Config, "passwordPolicy">,
  job: RotationJob,
  request: IncidentRequest,
  { readOnly }: { readonly readOnly?: boolean } = {},
): Promise<RotatedAccount> {
  const accountId = job.account.id;
  const account = await ports.openAccount(accountId, job.runId);
  const { userName, keyId } = await exposedKeyOf(account.iam, accountId, request);
  const ledger = await ports.ledger.loadAccount(accountId);
  const joined = joinIncident(ledger.users.get(userName)?.incidents, request, keyId, new Date(job.asOf));
  ports.log.warn("exposed key", { userName, keyId, trigger: request.trigger, source: request.source });
  if (joined.changed && !readOnly) await ports.ledger.setIncidents(accountId, userName, joined.incidents);
  return rotateAccount({ ...ports, openAccount: async () => account }, settings, job, {
    onlyUser: userName,
    ...(readOnly ? { readOnly } : {}),
  });
}

/**
 * The user and key the incident is about, as IAM in this account shows them. A key id is believed only
 * if the user IAM names for it lists it here; without a key id, the user's newest Active key is meant.
 */
async function exposedKeyOf(
  iam: IamPort,
  accountId: string,
  request: IncidentRequest,
): Promise<{ userName: string; keyId: string }> {
  const where = `account ${accountId}`;
  const userName = request.userName ?? (request.keyId ? await iam.accessKeyOwner(request.keyId) : null);
  if (!userName) {
    throw new IncidentRefusedError(`key ${request.keyId} is not a key of ${where}: nothing was changed`);
  }
  const keys = await iam.listAccessKeys(userName).catch((error: unknown) => {
    if (error instanceof AwsCallError && error.code === "NoSuchEntity") return null;
    throw error;
  });
  if (keys === null) {
    throw new IncidentRefusedError(
      request.userName
        ? `${where} has no IAM user ${userName}: nothing was changed`
        : `key ${request.keyId} is not a key of ${where}: nothing was changed`,
    );
  }
  if (request.keyId) {
    if (keys.some((k) => k.id === request.keyId)) return { userName, keyId: request.keyId };
    throw new IncidentRefusedError(
      `key ${request.keyId} is not a key of IAM user ${userName} in ${where}: nothing was changed`,
    );
  }
  const current = newestKey(keys.filter((k) => k.status === "Active"));
  if (!current) {
    throw new IncidentRefusedError(
      `IAM user ${userName} in ${where} has no Active key to replace: nothing was changed`,
    );
  }
  return { userName, keyId: current.id };
}
