/**
 * The kinds of lifecycle event, each with its own `detail-type`: what keyrotor did to a key or a user,
 * or refused or failed to do. One JSON Schema per kind in docs/schemas/events/<kind>.schema.json.
 */
export const EVENT_KINDS = {
  "key-created": "Key Created",
  "key-verified": "Key Verified",
  "key-stored": "Key Stored",
  "key-delivered": "Key Delivered",
  "delivery-failed": "Key Delivery Failed",
  "key-held": "Key Deactivation Held",
  "key-deactivated": "Key Deactivated",
  "key-deleted": "Key Deleted",
  "action-failed": "Key Action Failed",
  "user-blocked": "User Blocked",
  "incident-handled": "Incident Handled",
  "password-policy-changed": "Password Policy Changed",
} as const;

export type EventKind = keyof typeof EVENT_KINDS;

/** The `source` of every event keyrotor puts. */
export const EVENT_SOURCE = "keyrotor";

/** Every kind, in the order above. */
export const EVENT_KIND_NAMES = Object.keys(EVENT_KINDS) as EventKind[];
