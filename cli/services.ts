import type { Config } from "../shared/config";
import type { Redacted } from "../shared/redacted";
import type { Log } from "../shared/rotation";
import type { AwsRequest } from "./aws/session";
import type { SweepPorts } from "./sweep";

/** The sweep's ports, and the last use of a key (for plan). */
export type PlanPorts = SweepPorts & {
  lastUsed: (accountId: string, keyId: string) => Promise<Date | null>;
};

/** What the commands need from AWS; tests may replace it. */
export interface CliServices {
  sweepPorts(config: Config, log: Log, aws: AwsRequest): Promise<PlanPorts>;
  /** A secret's value for credential-process, read with credentials that never run keyrotor again. */
  secretValue(secretId: string, aws: AwsRequest): Promise<Redacted<string>>;
  /** Creates the ledger table unless it exists. */
  ensureLedger(table: string, aws: AwsRequest): Promise<"created" | "exists">;
}

/** The real AWS services. The SDK is loaded only by the command that calls it. */
export const awsServices: CliServices = {
  sweepPorts: async (config, log, aws) => (await import("./aws/sweep-ports")).awsSweepPorts(config, log, aws),
  secretValue: async (secretId, aws) =>
    (await import("./aws/secret-value")).readSecretForCredentialProcess(secretId, aws),
  ensureLedger: async (table, aws) => (await import("./aws/ledger-init")).ensureLedgerTable(table, aws),
};
