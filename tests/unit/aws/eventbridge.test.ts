import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import {
  batchesOf,
  ENTRY_ATTEMPTS,
  EventBridgeAdapter,
  type EventEntry,
  MAX_BATCH_BYTES,
} from "../../../shared/aws/eventbridge";
import { AwsCallError } from "../../../shared/errors";

const events = mockClient(EventBridgeClient);
beforeEach(() => events.reset());

const entry = (n: number, detail = `{"n":${n}}`): EventEntry => ({
  bus: "default",
  source: "keyrotor",
  detailType: "Key Created",
  detail,
});
const noSleep = async () => {};
const adapter = () => new EventBridgeAdapter(new EventBridgeClient({ region: "us-east-1" }), noSleep);
const sentDetails = () =>
  events.commandCalls(PutEventsCommand).map((c) => (c.args[0].input.Entries ?? []).map((e) => e.Detail));

describe("EventBridgeAdapter.putEvents", () => {
  it("puts at most ten entries per call, in order, on the bus named", async () => {
    // Prepare
    events.on(PutEventsCommand).callsFake((input) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map(() => ({ EventId: "x" })),
    }));
    const entries = Array.from({ length: 23 }, (_, i) => entry(i));

    // Act
    const result = await adapter().putEvents(entries);

    // Assess
    expect(result).toEqual({ sent: 23, refused: [] });
    expect(sentDetails().map((b) => b.length)).toEqual([10, 10, 3]);
    expect(sentDetails().flat()).toEqual(entries.map((e) => e.detail));
    const first = events.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(first).toEqual({
      EventBusName: "default",
      Source: "keyrotor",
      DetailType: "Key Created",
      Detail: '{"n":0}',
    });
  });

  it("keeps each call within 256 KiB", () => {
    // Prepare
    const big = (n: number) => entry(n, JSON.stringify({ pad: "x".repeat(100 * 1024) }));

    // Act
    const batches = batchesOf([big(0), big(1), big(2), entry(3)]);

    // Assess
    expect(batches).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(MAX_BATCH_BYTES).toBe(262144);
  });

  it("puts again only the entries EventBridge refused, and reports those still refused after the last attempt", async () => {
    // Prepare: entry 1 is refused once then taken; entry 2 is refused every time
    let call = 0;
    events.on(PutEventsCommand).callsFake((input) => {
      call++;
      const details = input.Entries.map((e: { Detail: string }) => e.Detail);
      return {
        FailedEntryCount: details.filter((d: string) => d === '{"n":2}' || (d === '{"n":1}' && call === 1))
          .length,
        Entries: details.map((d: string) =>
          d === '{"n":2}' || (d === '{"n":1}' && call === 1)
            ? { ErrorCode: "InternalFailure", ErrorMessage: "try again" }
            : { EventId: "x" },
        ),
      };
    });

    // Act
    const result = await adapter().putEvents([entry(0), entry(1), entry(2)]);

    // Assess
    expect(sentDetails()).toEqual([['{"n":0}', '{"n":1}', '{"n":2}'], ['{"n":1}', '{"n":2}'], ['{"n":2}']]);
    expect(sentDetails()).toHaveLength(ENTRY_ATTEMPTS);
    expect(result).toEqual({ sent: 2, refused: [{ index: 2, code: "InternalFailure" }] });
  });

  it("refuses the entries of a call that fails outright, names it, and still puts the next batches", async () => {
    // Prepare: the second call fails whatever the SDK retries
    let call = 0;
    events.on(PutEventsCommand).callsFake((input) => {
      call++;
      if (call === 2) throw Object.assign(new Error("denied"), { name: "AccessDeniedException" });
      return { FailedEntryCount: 0, Entries: input.Entries.map(() => ({ EventId: "x" })) };
    });

    // Act
    const result = await adapter().putEvents(Array.from({ length: 23 }, (_, i) => entry(i)));

    // Assess
    expect(sentDetails().map((b) => b.length)).toEqual([10, 10, 3]);
    expect(result.sent).toBe(13);
    expect(result.refused).toEqual(
      Array.from({ length: 10 }, (_, i) => ({ index: 10 + i, code: "AccessDeniedException" })),
    );
    expect(result.error).toBeInstanceOf(AwsCallError);
    expect(result.error?.message).toMatch(/EventBridge PutEvents failed \(AccessDeniedException\)/);
  });
});
