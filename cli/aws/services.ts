import type { CliServices } from "../services";

/** The real AWS services. The SDK is loaded only by the command that calls it. */
export const awsServices: CliServices = {
  sweepPorts: async (config, log, aws, options) =>
    (await import("./sweep-ports")).awsSweepPorts(config, log, aws, options),
  // Static credentials take the quick path (no SDK loaded); everything else the SDK's.
  secretValue: async (secretId, aws) =>
    (await (await import("./quick-secret")).readQuickly(secretId, aws)) ??
    (await import("./secret-value")).readSecretForCredentialProcess(secretId, aws),
  ensureLedger: async (table, aws) => (await import("./ledger-init")).ensureLedgerTable(table, aws),
};
