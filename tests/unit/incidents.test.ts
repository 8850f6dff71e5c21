import { describe, expect, it } from "vitest";
import { joinIncident } from "../../shared/incidents/request";
import type { IncidentRecord } from "../../shared/ledger/records";
import {
  healthEventSchema,
  MessageFormatError,
  parseMessage,
  rotationJobSchema,
} from "../../shared/messages";
import { advance } from "../../shared/rotation/incident";
import { exposureAsked } from "../../shared/scheduling/health-event";
import { healthEvent } from "../support/org-fixture";

const ACCOUNT = "111122223333";
const KEY = "AKIAEXPOSEDKEY000001";
const NOW = new Date("2026-12-07T10:00:00Z");

const parsedEvent = (event: unknown) =>
  parseMessage(healthEventSchema, "Health event", JSON.stringify(event));

describe("an exposed-credentials event asks", () => {
  it("for the keys it names, in the account it was raised in", () => {
    // Act
    const asked = exposureAsked(parsedEvent(healthEvent(ACCOUNT, [KEY], NOW)));

    // Assess
    expect(asked).toEqual({ accountId: ACCOUNT, keyIds: [KEY], ignored: [] });
  });

  it("never for another account: an organizational view's affectedAccount must be the sender", () => {
    const event = healthEvent(ACCOUNT, [KEY], NOW);

    const forged = () =>
      exposureAsked(parsedEvent({ ...event, detail: { ...event.detail, affectedAccount: "999988887777" } }));

    expect(forged).toThrow(`from account ${ACCOUNT} names account 999988887777: refused`);
  });

  it("takes only IAM users' key ids; temporary keys and anything else are set aside and named", () => {
    const event = healthEvent(ACCOUNT, [KEY, "ASIATEMPORARYKEY0001", "arn:aws:iam::1:user/x", KEY], NOW);

    const asked = exposureAsked(parsedEvent(event));

    expect(asked).toMatchObject({ keyIds: [KEY] });
    expect("ignored" in asked && asked.ignored).toHaveLength(2);
  });

  it("nothing for another Health event type, or one that names no key", () => {
    const other = healthEvent(ACCOUNT, [KEY], NOW);
    const noKey = healthEvent(ACCOUNT, ["not-a-key"], NOW);

    expect(
      exposureAsked(
        parsedEvent({ ...other, detail: { ...other.detail, eventTypeCode: "AWS_EC2_MAINTENANCE" } }),
      ),
    ).toEqual({
      ignored: "Health event AWS_EC2_MAINTENANCE is not AWS_RISK_CREDENTIALS_EXPOSED",
    });
    expect(exposureAsked(parsedEvent(noKey))).toMatchObject({
      ignored: expect.stringContaining("names no access key id"),
    });
  });
});

describe("a queued incident job", () => {
  const job = {
    version: 1,
    runId: "evt#AKIA",
    asOf: NOW.toISOString(),
    account: { id: ACCOUNT, name: "Prod", email: "prod@example.com" },
    incident: { trigger: "health", keyId: KEY, source: "arn:aws:health:global::event/RISK/x" },
  };
  const parse = (body: unknown) => parseMessage(rotationJobSchema, "rotation-jobs", JSON.stringify(body));

  it("carries the event's key", () => {
    expect(parse(job).incident?.keyId).toBe(KEY);
  });

  it.each([
    ["a deletion", { response: "delete" }],
    ["a user", { userName: "admin" }],
    ["a person's trigger", { trigger: "cli" }],
    ["a temporary key", { keyId: "ASIATEMPORARYKEY0001" }],
  ])("cannot ask for %s", (_, change) => {
    expect(() => parse({ ...job, incident: { ...job.incident, ...change } })).toThrow(MessageFormatError);
  });
});

describe("joining a request to the user's incidents", () => {
  const request = { trigger: "health" as const, source: "arn:1", response: "revoke" as const };

  it("opens one for a key not seen before", () => {
    const { incidents, changed } = joinIncident(undefined, request, KEY, NOW);

    expect(changed).toBe(true);
    expect(incidents).toEqual([
      { keyId: KEY, trigger: "health", source: "arn:1", response: "revoke", openedAt: NOW.toISOString() },
    ]);
  });

  it("finds the same key's incident again: a replay changes nothing, even a handled one", () => {
    const { incidents: once } = joinIncident(undefined, request, KEY, NOW);
    const handled = [{ ...(once[0] as IncidentRecord), handledAt: NOW.toISOString() }];

    const again = joinIncident(
      handled,
      { ...request, source: "arn:2" },
      KEY,
      new Date(NOW.getTime() + 60_000),
    );

    expect(again).toEqual({ incidents: handled, changed: false });
  });

  it("a stronger answer asked later reopens it with that answer; a weaker one does not", () => {
    const handled: IncidentRecord[] = [
      {
        keyId: KEY,
        trigger: "health",
        source: "arn:1",
        response: "revoke",
        openedAt: NOW.toISOString(),
        handledAt: NOW.toISOString(),
      },
    ];

    const stronger = joinIncident(handled, { ...request, trigger: "cli", response: "delete" }, KEY, NOW);
    const weaker = joinIncident(handled, { ...request, trigger: "cli", response: "grace" }, KEY, NOW);

    expect(stronger.incidents[0]).toMatchObject({ response: "delete" });
    expect(stronger.incidents[0]?.handledAt).toBeUndefined();
    expect(weaker.changed).toBe(false);
  });
});

describe("an incident's progress after a run", () => {
  const open: IncidentRecord = {
    keyId: KEY,
    trigger: "cli",
    source: "run",
    response: "revoke",
    openedAt: NOW.toISOString(),
  };
  const exposed = { id: KEY, status: "Active" as const, createdAt: new Date("2026-12-01T00:00:00Z") };
  const done = (kind: "create" | "deactivate" | "delete", keyId: string) => ({
    kind,
    keyId,
    detail: "",
    dueOn: NOW.toISOString(),
    outcome: "done" as const,
  });

  it("replaced and deactivated in the run: handled", () => {
    const next = advance(
      open,
      [exposed],
      { actions: [done("create", "AKIANEW"), done("deactivate", KEY)] },
      "AKIANEW",
      NOW,
    );

    expect(next).toMatchObject({
      replacedBy: "AKIANEW",
      revokedAt: NOW.toISOString(),
      handledAt: NOW.toISOString(),
    });
  });

  it("replaced but its deactivation failed: still open", () => {
    const failed = { ...done("deactivate", KEY), outcome: "failed" as const };

    const next = advance(open, [exposed], { actions: [done("create", "AKIANEW"), failed] }, "AKIANEW", NOW);

    expect(next.replacedBy).toBe("AKIANEW");
    expect(next.handledAt).toBeUndefined();
  });

  it("with delete, handled only once the key is gone", () => {
    const deleting = { ...open, response: "delete" as const };

    const deactivatedOnly = advance(
      deleting,
      [exposed],
      { actions: [done("create", "AKIANEW"), done("deactivate", KEY)] },
      "AKIANEW",
      NOW,
    );
    const gone = advance(
      deactivatedOnly,
      [{ ...exposed, status: "Inactive" }],
      { actions: [done("delete", KEY)] },
      "AKIANEW",
      NOW,
    );

    expect(deactivatedOnly.handledAt).toBeUndefined();
    expect(gone).toMatchObject({ deletedAt: NOW.toISOString(), handledAt: NOW.toISOString() });
  });

  it("a key deleted behind keyrotor's back ends the incident", () => {
    const next = advance(open, [], { actions: [] }, undefined, NOW);

    expect(next).toMatchObject({ deletedAt: NOW.toISOString(), handledAt: NOW.toISOString() });
  });
});
