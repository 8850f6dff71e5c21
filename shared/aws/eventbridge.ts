import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import { AwsCallError } from "../errors";
import { type ClientOptions, sdkClient } from "./client-config";
import { call } from "./errors";

const SERVICE = "EventBridge";

/** PutEvents takes at most ten entries and 256 KiB of them per call. */
export const MAX_ENTRIES = 10;
export const MAX_BATCH_BYTES = 256 * 1024;
/** Attempts for the entries EventBridge refuses (`FailedEntryCount`), first included. */
export const ENTRY_ATTEMPTS = 3;

/** One event to put: the bus, its source and detail-type, the detail as JSON. */
export interface EventEntry {
  readonly bus: string;
  readonly source: string;
  readonly detailType: string;
  readonly detail: string;
}

/** What putting a list of entries came to: the ones still refused after every attempt, with their code. */
export interface PutResult {
  readonly sent: number;
  readonly refused: readonly { readonly index: number; readonly code: string }[];
  /** The first call that failed outright (its entries are among `refused`, with its code). */
  readonly error?: AwsCallError;
}

/** An entry's size as EventBridge counts it (source, detail-type and detail, in UTF-8). */
export function entrySize(entry: EventEntry): number {
  return (
    Buffer.byteLength(entry.source) + Buffer.byteLength(entry.detailType) + Buffer.byteLength(entry.detail)
  );
}

/** Consecutive batches of at most `MAX_ENTRIES` entries and `MAX_BATCH_BYTES` bytes, as indexes. */
export function batchesOf(entries: readonly EventEntry[]): number[][] {
  const batches: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  entries.forEach((entry, index) => {
    const size = entrySize(entry);
    if (current.length === MAX_ENTRIES || (current.length > 0 && bytes + size > MAX_BATCH_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(index);
    bytes += size;
  });
  if (current.length > 0) batches.push(current);
  return batches;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class EventBridgeAdapter {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly sleep: (ms: number) => Promise<void> = pause,
  ) {}

  static create(options?: ClientOptions): EventBridgeAdapter {
    return new EventBridgeAdapter(sdkClient(EventBridgeClient, options));
  }

  /**
   * Puts `entries` in batches EventBridge accepts; the entries a call refuses (`FailedEntryCount`)
   * are put again, `ENTRY_ATTEMPTS` times in all, a little later each time. The SDK retries a failed
   * call itself; a call that fails outright refuses its entries, and the next batches are still put.
   */
  async putEvents(entries: readonly EventEntry[]): Promise<PutResult> {
    const refused: { index: number; code: string }[] = [];
    let error: AwsCallError | undefined;
    for (const batch of batchesOf(entries)) {
      let pending = batch;
      for (let attempt = 1; pending.length > 0; attempt++) {
        let failed: { index: number; code: string }[];
        try {
          failed = await this.putBatch(entries, pending);
        } catch (thrown) {
          if (!(thrown instanceof AwsCallError)) throw thrown;
          error ??= thrown;
          refused.push(...pending.map((index) => ({ index, code: thrown.code })));
          break;
        }
        if (failed.length === 0) break;
        if (attempt === ENTRY_ATTEMPTS) {
          refused.push(...failed);
          break;
        }
        pending = failed.map((f) => f.index);
        await this.sleep(100 * 2 ** attempt);
      }
    }
    return { sent: entries.length - refused.length, refused, ...(error ? { error } : {}) };
  }

  /** One PutEvents call; the entries it refused, by their index in `entries`. */
  private putBatch(entries: readonly EventEntry[], indexes: readonly number[]) {
    return call(SERVICE, "PutEvents", async () => {
      const out = await this.client.send(
        new PutEventsCommand({ Entries: indexes.map((i) => requestEntry(entries[i] as EventEntry)) }),
      );
      if (!out.FailedEntryCount) return [];
      // The answer's entries are in the request's order; one with an ErrorCode was not put.
      return indexes.flatMap((index, j) => {
        const code = out.Entries?.[j]?.ErrorCode;
        return code ? [{ index, code }] : [];
      });
    });
  }
}

function requestEntry(entry: EventEntry): PutEventsRequestEntry {
  return {
    EventBusName: entry.bus,
    Source: entry.source,
    DetailType: entry.detailType,
    Detail: entry.detail,
  };
}
