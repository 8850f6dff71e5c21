import * as z from "zod/mini";

/** An event bus's ARN: one bus (no wildcard) of one account and region, in a partition AWS has. */
const BUS_ARN =
  /^arn:aws(-cn|-us-gov)?:events:[a-z]{2}(-[a-z]+)+-\d:\d{12}:event-bus\/[A-Za-z0-9._/-]{1,256}$/;

/**
 * An EventBridge bus: the default bus or a custom one's name, in keyrotor's own account and region,
 * or a bus's ARN (another account's or region's bus, whose policy must let the rotator put on it).
 */
const busName = z
  .string()
  .check(
    z.regex(
      new RegExp(`^(default|[A-Za-z0-9._-]{1,256})$|${BUS_ARN.source}`),
      "must be an event bus name in keyrotor's account and region (letters, digits and . _ -), such as default, or an event bus ARN (arn:aws:events:REGION:ACCOUNT:event-bus/NAME)",
    ),
  );

/**
 * The IAM resource the rotator is granted `events:PutEvents` on, for serverless.yml's `!Sub`: the ARN
 * as configured, or the named bus of keyrotor's own account and region.
 */
export function busPolicyResource(bus: string): string {
  return BUS_ARN.test(bus)
    ? bus
    : `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:event-bus/${bus}`;
}

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
