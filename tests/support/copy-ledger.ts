import {
  type CopyLedger,
  type CopyPlace,
  type CopyRecord,
  sameCopyRecord,
} from "../../shared/destinations/copy-ledger";

const keyOf = (place: CopyPlace) => `${place.account}|${place.region}|${place.name}`;

/**
 * The copies' records in memory, with the ledger's conditional writes: every call counted, any
 * operation able to fail on demand, and a hook run before a write is compared (another delivery's).
 */
export class MemoryCopyLedger implements CopyLedger {
  readonly records = new Map<string, CopyRecord>();
  readonly calls: string[] = [];
  readonly failing = new Set<"getCopy" | "putCopy">();
  beforePut: (() => void) | null = null;

  async getCopy(place: CopyPlace): Promise<CopyRecord | null> {
    this.calls.push("getCopy");
    if (this.failing.has("getCopy")) throw new Error("ledger GetItem failed (injected)");
    return this.records.get(keyOf(place)) ?? null;
  }

  async putCopy(place: CopyPlace, next: CopyRecord, expected: CopyRecord | null): Promise<boolean> {
    this.calls.push(`putCopy ${next.state}`);
    if (this.failing.has("putCopy")) throw new Error("ledger PutItem failed (injected)");
    const hook = this.beforePut;
    this.beforePut = null;
    hook?.();
    if (!sameCopyRecord(this.records.get(keyOf(place)) ?? null, expected)) return false;
    this.records.set(keyOf(place), next);
    return true;
  }

  /** The record at `place`, for assertions and for a test to plant one. */
  at(place: CopyPlace): CopyRecord | undefined {
    return this.records.get(keyOf(place));
  }
  plant(place: CopyPlace, record: CopyRecord): void {
    this.records.set(keyOf(place), record);
  }
}
