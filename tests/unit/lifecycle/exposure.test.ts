import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Action,
  addDays,
  DAY_MS,
  decide,
  type Exposure,
  type KeyFacts,
  NEW_KEY,
  type Thresholds,
  type UserFacts,
} from "../../../shared/lifecycle";

const NOW = new Date("2026-06-01T12:00:00Z");
const T: Thresholds = {
  rotateAfterDays: 90,
  deactivateAfterDays: 100,
  deleteAfterDays: 110,
  warnBeforeDays: 7,
};

const key = (
  id: string,
  ageDays: number,
  status: KeyFacts["status"] = "Active",
  lastUsedAt?: Date | null,
) => ({
  id,
  status,
  createdAt: addDays(NOW, -ageDays),
  ...(lastUsedAt === undefined ? {} : { lastUsedAt }),
});

const exposure = (keyId: string, response: Exposure["response"], mayFreeSlot = false): Exposure => ({
  keyId,
  response,
  since: addDays(NOW, 0),
  mayFreeSlot,
});

const user = (
  keys: KeyFacts[],
  recorded: string | null,
  exposed?: Exposure,
  extra: Partial<UserFacts> = {},
) => ({
  userName: "ci",
  keys,
  exempt: null,
  secret: recorded === null ? null : { recordedKeyId: recorded, pendingSince: null },
  ...(exposed ? { exposed } : {}),
  ...extra,
});

const kinds = (actions: readonly Action[]) =>
  actions.map((a) => (a.kind === "create" ? `create:${a.replacesKeyId}` : `${a.kind}:${a.keyId}`));

describe("an exposed key that is the user's newest", () => {
  it("revoke: a replacement now, whatever the key's age, then the exposed key deactivated", () => {
    // Prepare: a 3-day-old key, nowhere near rotation.
    const facts = user([key("AKIAEXPOSED", 3)], "AKIAEXPOSED", exposure("AKIAEXPOSED", "revoke"));

    // Act
    const plan = decide(facts, T, NOW);

    // Assess
    expect(kinds(plan.actions)).toEqual(["create:AKIAEXPOSED", "deactivate:AKIAEXPOSED"]);
    expect(plan.actions[1]).toMatchObject({ replacedByKeyId: NEW_KEY, dueOn: NOW });
    expect(plan.status).toBe("due");
  });

  it("delete: replaced, deactivated, then deleted, in that order", () => {
    const facts = user([key("AKIAEXPOSED", 3)], "AKIAEXPOSED", exposure("AKIAEXPOSED", "delete", true));

    const plan = decide(facts, T, NOW);

    expect(kinds(plan.actions)).toEqual([
      "create:AKIAEXPOSED",
      "deactivate:AKIAEXPOSED",
      "delete:AKIAEXPOSED",
    ]);
  });

  it("grace: replaced now; the exposed key is deactivated D - R days and deleted X - R days after its replacement", () => {
    const facts = user([key("AKIAEXPOSED", 3)], "AKIAEXPOSED", exposure("AKIAEXPOSED", "grace", true));

    const plan = decide(facts, T, NOW);

    expect(kinds(plan.actions)).toEqual(["create:AKIAEXPOSED"]);
    expect(plan.upcoming).toContainEqual({
      keyId: "AKIAEXPOSED",
      action: "deactivate",
      on: addDays(NOW, 10),
    });
  });

  it("an unused exposed key is still replaced, not retired as unused", () => {
    const facts = user(
      [key("AKIAEXPOSED", 60, "Active", null)],
      "AKIAEXPOSED",
      exposure("AKIAEXPOSED", "revoke"),
    );

    const plan = decide(facts, { ...T, deactivateUnusedAfterDays: 30 }, NOW);

    expect(kinds(plan.actions)).toEqual(["create:AKIAEXPOSED", "deactivate:AKIAEXPOSED"]);
  });

  it("with another Active key: blocked, naming the exposed key and what a person must do", () => {
    const facts = user(
      [key("AKIAOLD", 95), key("AKIAEXPOSED", 5)],
      "AKIAEXPOSED",
      exposure("AKIAEXPOSED", "revoke", true),
    );

    const plan = decide(facts, T, NOW);

    expect(plan.status).toBe("blocked");
    expect(plan.actions).toEqual([]);
    expect(plan.reason).toContain("key AKIAEXPOSED is exposed and must be replaced now");
  });

  it("with another Inactive key: a person's request deletes it to free the slot; an event's never does", () => {
    const keys = [key("AKIAOLD", 95, "Inactive"), key("AKIAEXPOSED", 5)];

    const asked = decide(user(keys, "AKIAEXPOSED", exposure("AKIAEXPOSED", "revoke", true)), T, NOW);
    const evented = decide(user(keys, "AKIAEXPOSED", exposure("AKIAEXPOSED", "revoke", false)), T, NOW);

    expect(kinds(asked.actions)).toEqual(["delete:AKIAOLD", "create:AKIAEXPOSED", "deactivate:AKIAEXPOSED"]);
    expect(asked.actions[0]).toMatchObject({ reason: "slot" });
    expect(evented.status).toBe("blocked");
    expect(evented.actions).toEqual([]);
  });
});

describe("an exposed key already replaced", () => {
  const keys = [key("AKIAEXPOSED", 20, "Active", addDays(NOW, -0.1)), key("AKIANEW", 0.01)];

  it("revoke: deactivated at once, held neither by a destination that failed nor by recent use", () => {
    const facts = user(keys, "AKIANEW", exposure("AKIAEXPOSED", "revoke"), {
      undelivered: ["github:acme/app"],
    });

    const plan = decide(facts, { ...T, holdWhileInUse: true }, NOW);

    expect(kinds(plan.actions)).toEqual(["deactivate:AKIAEXPOSED"]);
    expect(plan.holds).toEqual([]);
  });

  it("a second look changes nothing more: the exposed key Inactive, the new one kept", () => {
    const after = [key("AKIAEXPOSED", 20, "Inactive"), key("AKIANEW", 0.01)];

    const plan = decide(user(after, "AKIANEW", exposure("AKIAEXPOSED", "revoke")), T, NOW);

    expect(plan.actions).toEqual([]);
    expect(plan.status).toBe("ok");
  });

  it("grace: held for a destination that has not confirmed, like any superseded key", () => {
    const graced = [key("AKIAEXPOSED", 20), key("AKIANEW", 10)];

    const plan = decide(
      user(graced, "AKIANEW", exposure("AKIAEXPOSED", "grace"), { undelivered: ["ssm:/ci"] }),
      T,
      NOW,
    );

    expect(plan.actions).toEqual([]);
    expect(plan.holds).toEqual([expect.objectContaining({ keyId: "AKIAEXPOSED", reason: "undelivered" })]);
  });

  it("not while its replacement is a key keyrotor did not store", () => {
    const facts = user(keys, "AKIAEXPOSED", exposure("AKIAEXPOSED", "revoke"));

    const plan = decide(facts, T, NOW);

    expect(kinds(plan.actions)).not.toContain("deactivate:AKIAEXPOSED");
  });

  it("a key a person re-activated after keyrotor revoked it is left to them", () => {
    const facts = user(keys, "AKIANEW", exposure("AKIAEXPOSED", "revoke"), { reactivated: ["AKIAEXPOSED"] });

    const plan = decide(facts, T, NOW);

    expect(plan.actions).toEqual([]);
  });
});

describe("what an event may make keyrotor do", () => {
  const thresholds = fc
    .record({
      r: fc.integer({ min: 1, max: 120 }),
      d: fc.integer({ min: 1, max: 30 }),
      x: fc.integer({ min: 1, max: 30 }),
    })
    .map(({ r, d, x }) => ({
      rotateAfterDays: r,
      deactivateAfterDays: r + d,
      deleteAfterDays: r + d + x,
      warnBeforeDays: 0,
    }));
  const anyKey = (id: string) =>
    fc.record({
      id: fc.constant(id),
      status: fc.constantFrom("Active" as const, "Inactive" as const),
      createdAt: fc.integer({ min: 0, max: 400 * DAY_MS }).map((ms) => new Date(NOW.getTime() - ms)),
      lastUsedAt: fc.option(
        fc.integer({ min: 0, max: 50 * DAY_MS }).map((ms) => new Date(NOW.getTime() - ms)),
        {
          nil: null,
        },
      ),
    });
  const users = fc
    .tuple(
      fc.array(fc.constantFrom("AKIAA", "AKIAB"), { minLength: 0, maxLength: 2 }),
      fc.constantFrom("AKIAA", "AKIAB", "AKIAC"),
    )
    .chain(([ids, exposedId]) =>
      fc.record({
        keys: fc.tuple(...[...new Set(ids)].map(anyKey)),
        recorded: fc.constantFrom<string | null>(null, "AKIAA", "AKIAB"),
        undelivered: fc.constantFrom<string[]>([], ["ssm:/ci"]),
        exposedId: fc.constant(exposedId),
      }),
    );

  it("an event's revocation adds only a replacement and the named key's deactivation, and never a deletion", () => {
    fc.assert(
      fc.property(users, thresholds, ({ keys, recorded, undelivered, exposedId }, t) => {
        // Prepare
        const plain = user(keys, recorded, undefined, { undelivered });
        const asked = { ...plain, exposed: exposure(exposedId, "revoke", false) };

        // Act
        const before = kinds(decide(plain, t, NOW).actions);
        const after = kinds(decide(asked, t, NOW).actions);

        // Assess
        const added = after.filter((a) => !before.includes(a));
        for (const a of added) expect([`create:${exposedId}`, `deactivate:${exposedId}`]).toContain(a);
        const deletions = (list: string[]) => list.filter((a) => a.startsWith("delete:"));
        for (const d of deletions(after)) expect(deletions(before)).toContain(d);
      }),
    );
  });
});
