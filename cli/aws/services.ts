import type { CliServices } from "../services";

/** The real AWS services. The SDK is loaded only by the command that calls it. */
export const awsServices: CliServices = {
  sweepPorts: async (config, log, aws, options) =>
    (await import("./sweep-ports")).awsSweepPorts(config, log, aws, options),
  secretValue: async (secretId, aws) =>
    (await import("./secret-value")).readSecretForCredentialProcess(secretId, aws),
  ensureLedger: async (table, aws) => (await import("./ledger-init")).ensureLedgerTable(table, aws),
};
