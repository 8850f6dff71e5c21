import type { Config } from "../config";
import { MessageRefusedError } from "../errors";
import type { RotationJob } from "../messages";
import type { OrganizationPort } from "./schedule-run";
import { type Scope, selectAccounts } from "./select";

/** How far ahead of the receiver's clock a message's instant may be: clocks differ a little, never by days. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Refuses a message whose instant is ahead of `now` by more than clock skew, or older than
 * `maxJobAgeHours`: a forged job "1,000 days ahead" would otherwise create, retire and delete keys
 * at once, and a replayed old one would act on stale decisions.
 * @throws MessageRefusedError naming the message and both instants.
 */
export function checkMessageTime(what: string, at: Date, now: Date, maxAgeHours: number): void {
  const ahead = at.getTime() - now.getTime();
  if (ahead > MAX_CLOCK_SKEW_MS) {
    throw new MessageRefusedError(
      `${what} is for ${at.toISOString()}, ahead of this clock (${now.toISOString()}): refused`,
    );
  }
  if (-ahead > maxAgeHours * 3_600_000) {
    throw new MessageRefusedError(
      `${what} is for ${at.toISOString()}, more than maxJobAgeHours (${maxAgeHours}) before ${now.toISOString()}: refused; the next scheduled run covers the account`,
    );
  }
}

/**
 * The rotator's check of a job before it acts: the job's time against its own clock, and its account
 * against Organizations and the configured scope (ACTIVE, included, not excluded), exactly as the
 * scheduler would have chosen it. Whoever can send to the queue can choose among what the scheduler
 * would have sent, nothing else. Returns the job with the account's name and email from Organizations.
 * @throws MessageRefusedError naming the account and the reason.
 */
export async function admitJob(
  organization: Pick<OrganizationPort, "describeAccount" | "ancestorsOf">,
  config: Scope & Pick<Config, "maxJobAgeHours">,
  job: RotationJob,
  now: Date,
): Promise<RotationJob> {
  checkMessageTime(
    `rotation job ${job.runId} for ${job.account.id}`,
    new Date(job.asOf),
    now,
    config.maxJobAgeHours,
  );
  const account = await organization.describeAccount(job.account.id);
  const ous = [...config.includeOus, ...config.excludeOus];
  const ancestors = ous.length > 0 ? await organization.ancestorsOf(account.id) : [];
  const members = new Map(ous.map((ou) => [ou, new Set(ancestors.includes(ou) ? [account.id] : [])]));
  const { skipped } = selectAccounts([account], members, config);
  const refusal = skipped[0];
  if (refusal) {
    throw new MessageRefusedError(
      `rotation job ${job.runId} for account ${account.id} refused: ${refusal.reason}`,
    );
  }
  return { ...job, account: { id: account.id, name: account.name, email: account.email } };
}
