/**
 * AWS's sample rotation solution, by its own per-operation cost: it lists and scans every user on
 * every run. It is not run here; the bench prices the same state with this model, everywhere.
 */
export const AWS_SAMPLE = {
  /** Per account and run: assume the role, list users, and the account's own reads. */
  perAccountRun: 4,
  /** Per user and run: list its keys and read their last use. */
  perUserRun: 2,
  /** Per rotation: create the key, write the secret and its metadata. */
  perRotation: 8,
} as const;

/** AWS's sample's calls for `runs` runs over `accounts` accounts of `users` users, with `rotations` rotations. */
export function awsSampleCalls(accounts: number, users: number, runs: number, rotations: number): number {
  return (
    runs * accounts * (AWS_SAMPLE.perAccountRun + AWS_SAMPLE.perUserRun * users) +
    AWS_SAMPLE.perRotation * rotations
  );
}

/** The model in words, for the text and markdown output. */
export const AWS_SAMPLE_MODEL = `${AWS_SAMPLE.perAccountRun} calls per account + ${AWS_SAMPLE.perUserRun} IAM calls per user + ${AWS_SAMPLE.perRotation} writes per rotation`;
