import type { Config } from "../shared/config";
import type { Redacted } from "../shared/redacted";
import type { Log } from "../shared/rotation";
import type { AwsRequest } from "./aws/session";
import type { SweepPorts } from "./sweep";

/** The sweep's ports, and the last use of a key (for plan). */
export type PlanPorts = SweepPorts & {
  lastUsed: (accountId: string, keyId: string) => Promise<Date | null>;
};

/** How the sweep's ports open member accounts. */
export interface SweepPortsOptions {
  /**
   * Keep each opened account's session (its IAM and Secrets Manager clients) until the command ends,
   * for `lastUsed` to reuse (plan). Off, each opening is new and nothing holds it once its reads are
   * done: a report over 10,000 accounts would otherwise keep 20,000 clients alive. On by default.
   */
  readonly keepSessions?: boolean;
}

/** What the commands need from AWS; tests may replace it. */
export interface CliServices {
  sweepPorts(config: Config, log: Log, aws: AwsRequest, options?: SweepPortsOptions): Promise<PlanPorts>;
  /** A secret's value for credential-process, read with credentials that never run keyrotor again. */
  secretValue(secretId: string, aws: AwsRequest): Promise<Redacted<string>>;
  /** Creates the ledger table unless it exists. */
  ensureLedger(table: string, aws: AwsRequest): Promise<"created" | "exists">;
}
