import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { eventsOf } from "../../../shared/events/events-of";
import { EVENT_KIND_NAMES, EVENT_KINDS, EVENT_SOURCE } from "../../../shared/events/kinds";
import type { LifecycleEvent } from "../../../shared/events/types";
import type { AccountReport, UserReport } from "../../../shared/rotation/report";
import { schemaProblems } from "../../support/json-schema";

const NOW = "2026-12-07T06:00:00.000Z";
const OLD = "AKIAOLDOLDOLDOLDOLD1";
const NEW = "AKIANEWNEWNEWNEWNEW1";
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

const user = (over: Partial<UserReport>): UserReport => ({
  userName: "app",
  status: "due",
  keys: [],
  actions: [],
  warnings: [],
  upcoming: [],
  secretName: "keyrotor/app",
  findings: [],
  ...over,
});

/** One account's report in which every kind of event happened. */
const everything: AccountReport = {
  accountId: "111122223333",
  runId: "run-2026-12-07",
  mode: "enforce",
  now: NOW,
  previousRunAt: "2026-12-06T06:00:00.000Z",
  unexaminedUsers: 0,
  failedUsers: 1,
  deferredUsers: 0,
  passwordPolicy: { outcome: "done", changes: ["MinimumPasswordLength 8 -> 14"] },
  users: [
    user({
      actions: [
        { kind: "create", keyId: NEW, detail: `replaces ${OLD}`, dueOn: NOW, outcome: "done" },
        { kind: "deactivate", keyId: OLD, detail: `replaced by ${NEW}`, dueOn: NOW, outcome: "done" },
        { kind: "delete", keyId: "AKIADELDELDELDELDEL1", detail: "expired", dueOn: NOW, outcome: "done" },
      ],
      deliveries: [
        { destination: "github:org/repo", keyId: NEW, outcome: "done", confirmedAt: NOW },
        { destination: "gitlab:old", keyId: NEW, outcome: "done", confirmedAt: "2026-12-01T06:00:00.000Z" },
        {
          destination: "circleci:ctx",
          keyId: NEW,
          outcome: "failed",
          attempts: 2,
          failingSince: NOW,
          tokenFault: true,
          error: { name: "DeliveryError", message: `401 from https://bot:${SECRET}@circleci.com` },
        },
      ],
      holds: [{ keyId: OLD, reason: "undelivered", dueOn: NOW, destinations: ["circleci:ctx"] }],
      incident: {
        keyId: OLD,
        trigger: "health",
        source: "arn:aws:health:us-east-1::event/x",
        response: "revoke",
        openedAt: NOW,
        replacedBy: NEW,
        state: "handled",
      },
    }),
    user({ userName: "ci", status: "blocked", reason: "two keys, none deletable", blockedSince: NOW }),
    user({
      userName: "broken",
      actions: [
        {
          kind: "create",
          keyId: "(new key)",
          detail: `replaces ${OLD}`,
          dueOn: NOW,
          outcome: "failed",
          error: { name: "AwsCallError", message: "IAM CreateAccessKey: LimitExceeded" },
        },
        { kind: "deactivate", keyId: OLD, detail: "replaced by (new key)", dueOn: NOW, outcome: "skipped" },
      ],
    }),
  ],
};

const envelope = (event: LifecycleEvent) => ({
  source: EVENT_SOURCE,
  "detail-type": EVENT_KINDS[event.kind],
  detail: JSON.parse(JSON.stringify(event.detail)),
});

describe("eventsOf (an account's report -> its lifecycle events)", () => {
  it("makes every kind of event, each valid against its own schema", () => {
    // Act
    const events = eventsOf(everything, { verifiesNewKeys: true });

    // Assess
    expect(new Set(events.map((e) => e.kind))).toEqual(new Set(EVENT_KIND_NAMES));
    for (const event of events) {
      expect(schemaProblems(`events/${event.kind}`, envelope(event)), event.kind).toEqual([]);
    }
  });

  it("says who, which key, which step and why", () => {
    // Act
    const events = eventsOf(everything, { verifiesNewKeys: true });

    // Assess
    const held = events.find((e) => e.kind === "key-held");
    expect(held?.detail).toMatchObject({
      accountId: "111122223333",
      runId: "run-2026-12-07",
      userName: "app",
      keyId: OLD,
      step: "deactivate",
      reason: "undelivered",
      destinations: ["circleci:ctx"],
    });
    const failed = events.find((e) => e.kind === "action-failed" && e.detail.userName === "broken");
    expect(failed?.detail).toMatchObject({
      step: "create",
      reason: "AwsCallError: IAM CreateAccessKey: LimitExceeded",
    });
    expect(failed?.detail.keyId).toBeUndefined();
  });

  it("a schema refuses an event of another kind and a field it does not know", () => {
    // Prepare
    const created = eventsOf(everything, { verifiesNewKeys: true }).find((e) => e.kind === "key-created");
    const event = envelope(created as LifecycleEvent);

    // Act / Assess
    expect(schemaProblems("events/key-deleted", event)).not.toEqual([]);
    expect(
      schemaProblems("events/key-created", { ...event, detail: { ...event.detail, secret: "x" } }),
    ).not.toEqual([]);
  });

  it("puts only what was done, failed or refused: nothing planned, skipped or delivered earlier", () => {
    // Prepare
    const audit: AccountReport = {
      ...everything,
      mode: "audit",
      passwordPolicy: { outcome: "planned", changes: ["MinimumPasswordLength 8 -> 14"] },
      users: [
        user({
          actions: [
            { kind: "create", keyId: "(new key)", detail: `replaces ${OLD}`, dueOn: NOW, outcome: "planned" },
          ],
          deliveries: [
            {
              destination: "gitlab:old",
              keyId: OLD,
              outcome: "done",
              confirmedAt: "2026-12-01T06:00:00.000Z",
            },
          ],
        }),
      ],
    };

    // Act / Assess
    expect(eventsOf(audit, { verifiesNewKeys: true })).toEqual([]);
    const kinds = eventsOf(everything, { verifiesNewKeys: true }).map(
      (e) => `${e.kind} ${e.detail.destination ?? ""}`,
    );
    expect(kinds).not.toContain("key-delivered gitlab:old");
    expect(kinds.filter((k) => k.startsWith("action-failed"))).toHaveLength(1);
  });

  it("says a key was verified only when new keys are verified", () => {
    // Act
    const kinds = eventsOf(everything, { verifiesNewKeys: false }).map((e) => e.kind);

    // Assess
    expect(kinds).toContain("key-created");
    expect(kinds).not.toContain("key-verified");
  });

  it("gives an event the same id every time the run puts it, and different events different ids", () => {
    // Act
    const first = eventsOf(everything, { verifiesNewKeys: true });
    const again = eventsOf(everything, { verifiesNewKeys: true });
    const nextRun = eventsOf({ ...everything, runId: "run-2026-12-08" }, { verifiesNewKeys: true });

    // Assess
    const ids = first.map((e) => e.detail.eventId);
    expect(again.map((e) => e.detail.eventId)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(nextRun.some((e) => ids.includes(e.detail.eventId))).toBe(false);
  });

  it("never carries a secret, and bounds the untrusted text it does carry", () => {
    // Prepare
    const forged: AccountReport = {
      ...everything,
      users: [user({ userName: "u".repeat(500), status: "blocked", reason: `${"why ".repeat(300)}\u0007` })],
    };

    // Act
    const events = [
      ...eventsOf(everything, { verifiesNewKeys: true }),
      ...eventsOf(forged, { verifiesNewKeys: true }),
    ];

    // Assess
    const text = JSON.stringify(events);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain("bot:");
    expect(text).not.toContain("\u0007");
    for (const event of events) {
      expect(schemaProblems(`events/${event.kind}`, envelope(event)), event.kind).toEqual([]);
    }
  });
});

describe("docs/events.md", () => {
  const text = readFileSync(join(import.meta.dirname, "..", "..", "..", "docs", "events.md"), "utf8");

  it("names every kind with its detail-type, and its example event is valid against its schema", () => {
    // Prepare
    const example = JSON.parse(text.match(/```json\n([\s\S]*?)```/)?.[1] ?? "null");

    // Assess
    for (const kind of EVENT_KIND_NAMES) expect(text).toContain(`| ${EVENT_KINDS[kind]} | \`${kind}\` |`);
    expect(schemaProblems("events/delivery-failed", example)).toEqual([]);
  });
});
