/**
 * What keyrotor records of the central copies it creates. A copy lives in an account keyrotor does not
 * control, so nothing there (a tag, a description) can say the secret is keyrotor's: the ledger does,
 * which only the rotator may write.
 */

/** Where a central copy is written: the account, region and name of the secret. */
export interface CopyPlace {
  readonly account: string;
  readonly region: string;
  readonly name: string;
}

/**
 * keyrotor's record of the copy at a place. `creating`: keyrotor announced it was about to create the
 * secret, tagged with `nonce`, at `since` (recorded before CreateSecret, so a secret whose answer was
 * lost can be told from a squatter's). `created`: the secret keyrotor created there, by its ARN
 * (Secrets Manager ends every ARN with a random suffix, so a secret made again at that name has
 * another). `owner` is whose key it holds, `<accountId>/<userName>`.
 */
export type CopyRecord =
  | {
      readonly state: "creating";
      readonly owner: string;
      readonly nonce: string;
      readonly since: string;
    }
  | {
      readonly state: "created";
      readonly owner: string;
      readonly arn: string;
      readonly createdAt: string;
    };

/** The copies' records as the central-copy writer sees them; the ledger adapter implements it. */
export interface CopyLedger {
  /** The record of the copy at `place`, read consistently; `null` when keyrotor has none. */
  getCopy(place: CopyPlace): Promise<CopyRecord | null>;
  /**
   * Replaces the record at `place` with `next` only if it still is `expected` (`null`: there is none);
   * `false` when it was changed meanwhile (another delivery), and nothing was written.
   */
  putCopy(place: CopyPlace, next: CopyRecord, expected: CopyRecord | null): Promise<boolean>;
}

/** Whether `record` is still `expected`, as the ledger's conditional write compares them. */
export function sameCopyRecord(record: CopyRecord | null, expected: CopyRecord | null): boolean {
  if (record === null || expected === null) return record === expected;
  if (record.state === "creating" && expected.state === "creating") return record.nonce === expected.nonce;
  if (record.state === "created" && expected.state === "created") return record.arn === expected.arn;
  return false;
}
