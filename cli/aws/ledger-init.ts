import { LedgerAdapter } from "../../shared/aws/ledger";
import { callerClientOptions } from "./caller";
import type { AwsRequest } from "./session";

/** Creates the ledger table with the caller's credentials unless it exists. */
export async function ensureLedgerTable(table: string, request: AwsRequest): Promise<"created" | "exists"> {
  return LedgerAdapter.create(table, await callerClientOptions(request)).ensureTable();
}
