import { createHash } from "node:crypto";
import type { AccountReport, UserReport } from "../rotation/report";
import { BOUNDS, boundedText, keyIdOf } from "./bounded";
import type { EventKind } from "./kinds";
import type { EventDetailBase, LifecycleEvent } from "./types";

/** What `eventsOf` needs of the run besides the report. */
export interface EventRun {
  /** A new key was proven with STS before it was stored (`verifyNewKeys` with a verifier wired). */
  readonly verifiesNewKeys: boolean;
}

type Fields = Omit<EventDetailBase, "eventId" | "kind" | "runId" | "accountId" | "occurredAt" | "mode">;
type Found = readonly [EventKind, Fields];

/**
 * keyrotor's id of an event: the same for the same run, account, user, key, kind and discriminator
 * (a destination, a step), so a job delivered again puts events consumers can recognise and drop.
 */
export function eventIdOf(parts: {
  readonly runId: string;
  readonly accountId: string;
  readonly kind: EventKind;
  readonly userName?: string | undefined;
  readonly keyId?: string | undefined;
  readonly discriminator?: string | undefined;
}): string {
  const key = [
    parts.runId,
    parts.accountId,
    parts.userName ?? "",
    parts.keyId ?? "",
    parts.kind,
    parts.discriminator ?? "",
  ];
  return createHash("sha256").update(JSON.stringify(key)).digest("hex").slice(0, 32);
}

const reasonOf = (text: string) => boundedText(text, BOUNDS.reason);
const errorText = (error: { name: string; message: string } | undefined, fallback: string) =>
  reasonOf(error ? `${error.name}: ${error.message}` : fallback);
const listOf = (items: readonly string[], max: number) =>
  items.slice(0, BOUNDS.listItems).map((item) => boundedText(item, max));

/** What the user's actions did: each done action's steps, each failed action's failure. */
function actionEvents(user: UserReport, run: EventRun, on: (keyId?: string) => Fields): Found[] {
  const events: Found[] = [];
  for (const action of user.actions) {
    if (action.outcome === "failed") {
      events.push([
        "action-failed",
        { ...on(action.keyId), step: action.kind, reason: errorText(action.error, action.detail) },
      ]);
    }
    if (action.outcome !== "done") continue;
    const reason = reasonOf(action.detail);
    if (action.kind === "create") {
      events.push(["key-created", { ...on(action.keyId), step: "create", reason }]);
      if (run.verifiesNewKeys) events.push(["key-verified", { ...on(action.keyId), step: "verify" }]);
      const secretName = boundedText(user.secretName, BOUNDS.secretName);
      events.push(["key-stored", { ...on(action.keyId), step: "store", secretName }]);
    }
    if (action.kind === "deactivate") {
      events.push(["key-deactivated", { ...on(action.keyId), step: "deactivate", reason }]);
    }
    if (action.kind === "delete")
      events.push(["key-deleted", { ...on(action.keyId), step: "delete", reason }]);
  }
  return events;
}

/** The deliveries confirmed in this run (`done` also names earlier ones) and those that failed. */
function deliveryEvents(user: UserReport, now: string, on: (keyId?: string) => Fields): Found[] {
  const events: Found[] = [];
  for (const delivery of user.deliveries ?? []) {
    const destination = boundedText(delivery.destination, BOUNDS.destination);
    if (delivery.outcome === "done" && delivery.confirmedAt === now) {
      events.push(["key-delivered", { ...on(delivery.keyId), step: "deliver", destination }]);
    }
    if (delivery.outcome !== "failed") continue;
    events.push([
      "delivery-failed",
      {
        ...on(delivery.keyId),
        step: "deliver",
        destination,
        reason: errorText(delivery.error, "delivery failed"),
        ...(delivery.attempts === undefined ? {} : { attempts: delivery.attempts }),
        ...(delivery.failingSince === undefined ? {} : { failingSince: delivery.failingSince }),
        ...(delivery.tokenFault ? { tokenFault: true } : {}),
      },
    ]);
  }
  return events;
}

/** What keyrotor refused for the user (held deactivations, a blocked rotation) or answered (an incident). */
function standingEvents(user: UserReport, on: (keyId?: string) => Fields): Found[] {
  const events: Found[] = [];
  for (const hold of user.holds ?? []) {
    events.push([
      "key-held",
      {
        ...on(hold.keyId),
        step: "deactivate",
        reason: hold.reason,
        ...(hold.until === undefined ? {} : { until: hold.until }),
        ...(hold.destinations ? { destinations: listOf(hold.destinations, BOUNDS.destination) } : {}),
      },
    ]);
  }
  if (user.status === "blocked") {
    events.push([
      "user-blocked",
      {
        ...on(),
        step: "rotate",
        reason: reasonOf(user.reason ?? "rotation is due and no key slot can be freed"),
        ...(user.blockedSince === undefined ? {} : { blockedSince: user.blockedSince }),
      },
    ]);
  }
  const incident = user.incident;
  if (incident?.state === "handled") {
    const replacedBy = keyIdOf(incident.replacedBy);
    events.push([
      "incident-handled",
      {
        ...on(incident.keyId),
        step: "incident",
        trigger: incident.trigger,
        response: incident.response,
        ...(replacedBy ? { replacedBy } : {}),
        ...(incident.reason === undefined ? {} : { reason: reasonOf(incident.reason) }),
      },
    ]);
  }
  return events;
}

/** The account's own upkeep: the password policy raised, or the attempt's failure. */
function accountEvents(report: AccountReport): Found[] {
  const policy = report.passwordPolicy;
  if (policy?.outcome === "done") {
    return [
      [
        "password-policy-changed",
        { step: "password-policy", changes: listOf(policy.changes, BOUNDS.change) },
      ],
    ];
  }
  if (policy?.outcome === "failed") {
    return [
      [
        "action-failed",
        { step: "password-policy", reason: errorText(policy.error, "password policy failed") },
      ],
    ];
  }
  return [];
}

/**
 * The lifecycle events of one account's run, derived from its report alone: what keyrotor did (never
 * what it only planned), failed or refused. Each carries its account, user, key, step and reason, and
 * an id the same run always gives it. Contains no secret: the report holds none, and free text is
 * bounded and scrubbed (`boundedText`).
 */
export function eventsOf(report: AccountReport, run: EventRun): LifecycleEvent[] {
  const runId = boundedText(report.runId, BOUNDS.runId);
  const found: Found[] = [...accountEvents(report)];
  for (const user of report.users) {
    const userName = boundedText(user.userName, BOUNDS.userName);
    const on = (keyId?: string): Fields => {
      const id = keyIdOf(keyId);
      return { step: "", userName, ...(id ? { keyId: id } : {}) };
    };
    found.push(
      ...actionEvents(user, run, on),
      ...deliveryEvents(user, report.now, on),
      ...standingEvents(user, on),
    );
  }
  return found.map(([kind, fields]) => ({
    kind,
    detail: {
      eventId: eventIdOf({
        runId: report.runId,
        accountId: report.accountId,
        kind,
        userName: fields.userName,
        keyId: fields.keyId,
        discriminator: fields.destination ?? fields.step,
      }),
      kind,
      runId,
      accountId: report.accountId,
      occurredAt: report.now,
      mode: report.mode,
      ...fields,
    },
  }));
}
