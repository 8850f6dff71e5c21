import * as z from "zod/mini";

/** An EventBridge bus name: the default bus or a custom one in keyrotor's own account and region. */
const busName = z
  .string()
  .check(
    z.regex(
      /^(default|[A-Za-z0-9._-]{1,256})$/,
      "must be an event bus name in keyrotor's account and region (letters, digits and . _ -), such as default",
    ),
  );

/** The setting when it is not given: events off, the default bus. */
export const LIFECYCLE_EVENTS_OFF = { enabled: false, bus: "default" } as const;

/**
 * Lifecycle events on EventBridge: `enabled` puts one event per thing keyrotor did or refused on `bus`
 * after each account's run (docs/events.md). Off by default: the rotator's role is granted
 * `events:PutEvents` on the configured bus alone.
 */
export const lifecycleEventsSchema = z._default(
  z.strictObject({
    enabled: z._default(z.boolean(), false),
    bus: z._default(busName, "default"),
  }),
  { ...LIFECYCLE_EVENTS_OFF },
);

export type LifecycleEventsConfig = z.infer<typeof lifecycleEventsSchema>;
