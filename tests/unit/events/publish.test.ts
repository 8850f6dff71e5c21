import { describe, expect, it } from "vitest";
import { busPolicyResource, lifecycleEventsSchema } from "../../../shared/events/config";
import { type EventsPort, publishEvents } from "../../../shared/events/publish";
import type { LifecycleEvent } from "../../../shared/events/types";
import { memoryLog } from "../../support/log";

const event = (n: number): LifecycleEvent => ({
  kind: "key-deleted",
  detail: {
    eventId: `${n}`.padStart(32, "0"),
    kind: "key-deleted",
    runId: "run-1",
    accountId: "111122223333",
    occurredAt: "2026-12-07T06:00:00.000Z",
    mode: "enforce",
    step: "delete",
    userName: "app",
    keyId: "AKIADELDELDELDELDEL1",
    reason: "expired",
  },
});

describe("publishEvents", () => {
  it("puts each event with source keyrotor, its kind's detail-type and its detail on the bus", async () => {
    // Prepare
    const put: Parameters<EventsPort["putEvents"]>[0][] = [];
    const events: EventsPort = {
      putEvents: async (entries) => {
        put.push(entries);
        return { sent: entries.length, refused: [] };
      },
    };

    // Act
    const summary = await publishEvents({ events, log: memoryLog() }, "ops-bus", [event(1)]);

    // Assess
    expect(summary).toEqual({ events: 1, sent: 1, failed: 0 });
    expect(put).toEqual([
      [
        {
          bus: "ops-bus",
          source: "keyrotor",
          detailType: "Key Deleted",
          detail: JSON.stringify(event(1).detail),
        },
      ],
    ]);
  });

  it("reports and logs refused events by id, without their detail", async () => {
    // Prepare
    const log = memoryLog();
    const events: EventsPort = {
      putEvents: async () => ({ sent: 1, refused: [{ index: 1, code: "InternalFailure" }] }),
    };

    // Act
    const summary = await publishEvents({ events, log }, "default", [event(1), event(2)]);

    // Assess
    expect(summary).toEqual({ events: 2, sent: 1, failed: 1 });
    expect(log.lines.join("\n")).toContain(event(2).detail.eventId);
    expect(log.lines.join("\n")).not.toContain("AKIADELDELDELDELDEL1");
  });

  it("never throws: a failed call is logged and reported as every event failed", async () => {
    // Prepare
    const log = memoryLog();
    const events: EventsPort = {
      putEvents: async () => {
        throw new Error("EventBridge PutEvents failed (AccessDeniedException): denied");
      },
    };

    // Act
    const summary = await publishEvents({ events, log }, "default", [event(1), event(2)]);

    // Assess
    expect(summary).toMatchObject({ events: 2, sent: 0, failed: 2, error: { name: "Error" } });
    expect(log.lines.some((l) => l.includes("lifecycle events not put"))).toBe(true);
  });

  it("makes no call when there is nothing to put", async () => {
    // Prepare
    let calls = 0;
    const events: EventsPort = {
      putEvents: async () => {
        calls++;
        return { sent: 0, refused: [] };
      },
    };

    // Act / Assess
    expect(await publishEvents({ events, log: memoryLog() }, "default", [])).toEqual({
      events: 0,
      sent: 0,
      failed: 0,
    });
    expect(calls).toBe(0);
  });
});

describe("lifecycleEvents setting", () => {
  it("is off on the default bus unless set, and refuses unknown fields and bus names that are not names", () => {
    expect(lifecycleEventsSchema.parse(undefined)).toEqual({ enabled: false, bus: "default" });
    expect(lifecycleEventsSchema.parse({ enabled: true })).toEqual({ enabled: true, bus: "default" });
    expect(lifecycleEventsSchema.safeParse({ enabled: true, topic: "x" }).success).toBe(false);
    expect(lifecycleEventsSchema.safeParse({ bus: "a bus with spaces" }).success).toBe(false);
  });
});

describe("lifecycleEvents.bus as an ARN (another account's or region's bus)", () => {
  const ARN = "arn:aws:events:eu-west-1:444455556666:event-bus/security-events";

  it("accepts an event bus ARN, and refuses ARNs that are not one bus's", () => {
    expect(lifecycleEventsSchema.parse({ enabled: true, bus: ARN })).toEqual({ enabled: true, bus: ARN });
    expect(
      lifecycleEventsSchema.parse({ bus: "arn:aws-us-gov:events:us-gov-west-1:444455556666:event-bus/b" })
        .bus,
    ).toMatch(/^arn:aws-us-gov:/);
    for (const bus of [
      "arn:aws:sns:eu-west-1:444455556666:event-bus/security-events",
      "arn:aws:events:eu-west-1:4444:event-bus/security-events",
      "arn:aws:events:eu-west-1:*:event-bus/security-events",
      "arn:aws:events:eu-west-1:444455556666:event-bus/*",
      "arn:aws:events:eu-west-1:444455556666:rule/security-events",
      "arn:aws:events::444455556666:event-bus/security-events",
      "arn:other:events:eu-west-1:444455556666:event-bus/security-events",
    ]) {
      expect(lifecycleEventsSchema.safeParse({ bus }).success, bus).toBe(false);
    }
  });

  it("grants PutEvents on the ARN itself, or on the named bus of keyrotor's account and region", () => {
    expect(busPolicyResource(ARN)).toBe(ARN);
    expect(busPolicyResource("default")).toBe(
      // CloudFormation's own variables, for serverless.yml's !Sub.
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the text is a CloudFormation !Sub string
      "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default",
    );
  });

  it("puts on the ARN as PutEvents' EventBusName", async () => {
    const entries: { bus: string }[] = [];
    const events: EventsPort = {
      putEvents: async (batch) => {
        entries.push(...batch);
        return { sent: batch.length, refused: [] };
      },
    };
    await publishEvents({ events, log: memoryLog() }, ARN, [event(1)]);
    expect(entries.map((e) => e.bus)).toEqual([ARN]);
  });
});
