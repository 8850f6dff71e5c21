import type { EventKind } from "./kinds";

/**
 * What every event's `detail` holds. `eventId` is keyrotor's own, the same each time the same run puts
 * the same event (a retried job): consumers drop duplicates by it, not by EventBridge's `id`.
 */
export interface EventDetailBase {
  readonly eventId: string;
  readonly kind: EventKind;
  readonly runId: string;
  readonly accountId: string;
  /** The run's instant, ISO. */
  readonly occurredAt: string;
  readonly mode: "audit" | "enforce";
  /** The step of a key's life (or of the account's upkeep) the event is about. */
  readonly step: string;
  readonly userName?: string;
  readonly keyId?: string;
  /** Why, in keyrotor's words or the failure's: bounded, never a secret. */
  readonly reason?: string;
  readonly destination?: string;
  readonly secretName?: string;
  readonly attempts?: number;
  readonly failingSince?: string;
  readonly tokenFault?: boolean;
  readonly until?: string;
  readonly destinations?: readonly string[];
  readonly blockedSince?: string;
  readonly trigger?: string;
  readonly response?: string;
  readonly replacedBy?: string;
  readonly changes?: readonly string[];
}

/** One lifecycle event, as `eventsOf` makes it and the publisher puts it. */
export interface LifecycleEvent {
  readonly kind: EventKind;
  readonly detail: EventDetailBase;
}

/** What publishing one account's events came to: logged and returned, never thrown. */
export interface PublishSummary {
  readonly events: number;
  readonly sent: number;
  /** Events EventBridge still refused after the retries, or that a failed call left unsent. */
  readonly failed: number;
  /** The failure, when there was one: its name and message, never a secret. */
  readonly error?: { readonly name: string; readonly message: string };
}
