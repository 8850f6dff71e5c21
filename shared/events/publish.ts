import { describeError } from "../errors";
import type { Log } from "../log";
import { EVENT_KINDS, EVENT_SOURCE } from "./kinds";
import type { LifecycleEvent, PublishSummary } from "./types";

/** The narrow view of EventBridge publishing needs (`shared/aws/eventbridge.ts`). */
export interface EventsPort {
  putEvents(
    entries: readonly { bus: string; source: string; detailType: string; detail: string }[],
  ): Promise<{ sent: number; refused: readonly { index: number; code: string }[]; error?: unknown }>;
}

/**
 * Puts one account's lifecycle events on `bus`. A failure is logged (kind and event ids, never a
 * detail) and returned, never thrown: the account's key work and its run record stand whatever
 * EventBridge answers.
 */
export async function publishEvents(
  ports: { readonly events: EventsPort; readonly log: Log },
  bus: string,
  events: readonly LifecycleEvent[],
): Promise<PublishSummary> {
  if (events.length === 0) return { events: 0, sent: 0, failed: 0 };
  const entries = events.map((event) => ({
    bus,
    source: EVENT_SOURCE,
    detailType: EVENT_KINDS[event.kind],
    detail: JSON.stringify(event.detail),
  }));
  try {
    const { sent, refused, error } = await ports.events.putEvents(entries);
    const described = error === undefined ? undefined : describeError(error);
    if (refused.length > 0) {
      ports.log.warn("lifecycle events refused", {
        bus,
        refused: refused.map(({ index, code }) => ({ eventId: events[index]?.detail.eventId, code })),
        ...(described ? { error: described } : {}),
      });
    }
    return {
      events: events.length,
      sent,
      failed: refused.length,
      ...(described ? { error: described } : {}),
    };
  } catch (error) {
    const described = describeError(error);
    ports.log.error("lifecycle events not put", { bus, events: events.length, error: described });
    return { events: events.length, sent: 0, failed: events.length, error: described };
  }
}
