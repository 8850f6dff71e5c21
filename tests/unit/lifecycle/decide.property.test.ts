import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Action,
  addDays,
  applyToFacts,
  DAY_MS,
  decide,
  type KeyFacts,
  NEW_KEY,
  type Thresholds,
  type UserFacts,
  VERIFICATION_USE_MS,
} from "../../../shared/lifecycle";

const NOW = new Date("2026-06-01T12:00:00Z");

const thresholdsArb: fc.Arbitrary<Thresholds> = fc
  .record({
    rotateAfterDays: fc.integer({ min: 1, max: 200 }),
    toDeactivate: fc.integer({ min: 1, max: 60 }),
    toDelete: fc.integer({ min: 1, max: 60 }),
    warn: fc.nat(),
  })
  .map(({ rotateAfterDays, toDeactivate, toDelete, warn }) => ({
    rotateAfterDays,
    deactivateAfterDays: rotateAfterDays + toDeactivate,
    deleteAfterDays: rotateAfterDays + toDeactivate + toDelete,
    warnBeforeDays: warn % rotateAfterDays,
  }));

const keyArb = (id: string): fc.Arbitrary<KeyFacts> =>
  fc.record({
    id: fc.constant(id),
    status: fc.constantFrom("Active" as const, "Inactive" as const, "Expired" as const),
    createdAt: fc.integer({ min: 0, max: 700 * DAY_MS }).map((ms) => new Date(NOW.getTime() - ms)),
    lastUsedAt: fc.option(fc.constant(addDays(NOW, -1)), { nil: null }),
  });

/** Any user IAM can hold: zero to two keys, any statuses and ages, any secret mark, maybe exempt. */
const userArb: fc.Arbitrary<UserFacts> = fc
  .tuple(
    fc.nat({ max: 2 }),
    keyArb("K1"),
    keyArb("K2"),
    fc.option(
      fc.record({
        recordedKeyId: fc.constantFrom(null, "K1", "K2"),
        pendingSince: fc.option(
          fc.integer({ min: 0, max: 200 * DAY_MS }).map((ms) => new Date(NOW.getTime() - ms)),
          { nil: null },
        ),
      }),
      { nil: null },
    ),
    fc.constantFrom(null, null, null, "group" as const, "tag" as const),
  )
  .map(([count, k1, k2, secret, exempt]) => ({
    userName: "u",
    keys: [k1, k2].slice(0, count),
    secret,
    exempt,
  }));

const targetOf = (a: Action) => (a.kind === "create" ? null : a.keyId);

describe("lifecycle invariants over random users and thresholds", () => {
  it("never deletes an Active key past a threshold (an unrecorded key nobody ever used excepted)", () => {
    fc.assert(
      fc.property(userArb, thresholdsArb, (user, t) => {
        for (const a of decide(user, t, NOW).actions) {
          if (a.kind !== "delete") continue;
          const k = user.keys.find((key) => key.id === a.keyId);
          expect(k).toBeDefined();
          if (a.reason === "expired") expect(k?.status).not.toBe("Active");
          else {
            // Never used, or only by keyrotor's own verification right after creating it.
            const used = k?.lastUsedAt ?? null;
            expect(
              used === null || used.getTime() - (k?.createdAt.getTime() ?? 0) <= VERIFICATION_USE_MS,
            ).toBe(true);
          }
        }
      }),
    );
  });

  it("never retires a key in favour of its replacement while a destination has not confirmed the replacement", () => {
    fc.assert(
      fc.property(userArb, thresholdsArb, fc.boolean(), (user, t, hold) => {
        // Prepare
        const waiting = { ...user, undelivered: ["GitHub Actions secrets of repository acme/app"] };
        // Act
        const plan = decide(waiting, { ...t, holdWhileInUse: hold }, NOW);
        // Assess
        expect(plan.actions.filter((a) => a.kind === "deactivate" && a.replacedByKeyId)).toEqual([]);
        const unheld = decide(user, t, NOW).actions.filter(
          (a) => a.kind === "deactivate" && a.replacedByKeyId,
        );
        expect(plan.holds.map((h) => h.keyId).sort()).toEqual(unheld.map((a) => targetOf(a)).sort());
      }),
    );
  });

  it("holds an in-use key at most until its delete date, and never a re-activated key's deletion (it is Active)", () => {
    fc.assert(
      fc.property(userArb, thresholdsArb, (user, t) => {
        // Prepare: every key used an hour ago, and each once deactivated by keyrotor.
        const used = {
          ...user,
          keys: user.keys.map((k) => ({ ...k, lastUsedAt: new Date(NOW.getTime() - 3_600_000) })),
        };
        // Act
        const inUse = decide(used, { ...t, holdWhileInUse: true }, NOW);
        const reactivated = decide({ ...user, reactivated: user.keys.map((k) => k.id) }, t, NOW);
        // Assess
        for (const h of inUse.holds) expect(h.until && h.until.getTime() > NOW.getTime()).toBe(true);
        expect(reactivated.actions.filter((a) => a.kind === "deactivate")).toEqual([]);
      }),
    );
  });

  it("never deactivates a user's only Active key", () => {
    fc.assert(
      fc.property(userArb, thresholdsArb, (user, t) => {
        const plan = decide(user, t, NOW);
        if (!plan.actions.some((a) => a.kind === "deactivate")) return;
        const after = applyToFacts(user.keys, plan.actions, NOW);
        expect(after.some((k) => k.status === "Active" && k.id !== NEW_KEY)).toBe(true);
      }),
    );
  });

  it("never leaves a user with more than two keys, and acts on a key at most once a run", () => {
    fc.assert(
      fc.property(userArb, thresholdsArb, (user, t) => {
        const plan = decide(user, t, NOW);
        expect(applyToFacts(user.keys, plan.actions, NOW).length).toBeLessThanOrEqual(2);
        const targets = plan.actions.map(targetOf).filter((id) => id !== null);
        expect(new Set(targets).size).toBe(targets.length);
      }),
    );
  });

  it("never touches an exempt user, and a user whose keys are all Inactive or Expired never gets a new key", () => {
    fc.assert(
      fc.property(userArb, thresholdsArb, (user, t) => {
        const plan = decide(user, t, NOW);
        if (user.exempt) expect(plan.actions).toEqual([]);
        if (user.keys.every((k) => k.status !== "Active")) {
          expect(plan.actions.some((a) => a.kind === "create")).toBe(false);
        }
      }),
    );
  });

  it("plans an Expired key exactly as it would an Inactive one: neither can authenticate", () => {
    const asInactive = (u: UserFacts): UserFacts => ({
      ...u,
      keys: u.keys.map((k) => (k.status === "Expired" ? { ...k, status: "Inactive" } : k)),
    });
    fc.assert(
      fc.property(userArb, thresholdsArb, (user, t) => {
        expect(decide(user, t, NOW)).toEqual(decide(asInactive(user), t, NOW));
      }),
    );
  });

  it("is deterministic: the same facts give the same plan (audit and enforce share it)", () => {
    fc.assert(
      fc.property(userArb, thresholdsArb, (user, t) => {
        expect(decide(structuredClone(user), t, NOW)).toEqual(decide(user, t, NOW));
      }),
    );
  });

  it("walks a key through the lifecycle: new key at R, old key inactive at D, deleted at X", () => {
    fc.assert(
      fc.property(
        thresholdsArb,
        fc.integer({ min: 0, max: DAY_MS - 1 }),
        fc.integer({ min: 0, max: DAY_MS - 1 }),
        (t, createdMs, runMs) => {
          // Prepare: a key created at some time of day 0; daily runs at a fixed later time of day.
          const day0 = new Date("2026-01-01T00:00:00Z").getTime();
          const runOffset = Math.max(createdMs, runMs);
          let keys: KeyFacts[] = [{ id: "K0", status: "Active", createdAt: new Date(day0 + createdMs) }];
          let recorded: string | null = null;
          const events: Record<string, number> = {};
          // Act: one run a day, applying each plan as the rotator would.
          for (let day = 0; day <= t.deleteAfterDays + 1; day++) {
            const now = new Date(day0 + day * DAY_MS + runOffset);
            const secret = recorded === null ? null : { recordedKeyId: recorded, pendingSince: null };
            const plan = decide({ userName: "u", keys, exempt: null, secret }, t, now);
            for (const a of plan.actions) {
              const target = a.kind === "create" ? a.replacesKeyId : a.keyId;
              if (target === "K0") events[`${a.kind}:K0`] = day;
            }
            const newId = `K${day + 1}`;
            keys = applyToFacts(keys, plan.actions, now).map((k) =>
              k.id === NEW_KEY ? { ...k, id: newId } : k,
            );
            if (plan.actions.some((a) => a.kind === "create")) recorded = newId;
            expect(keys.length).toBeLessThanOrEqual(2);
          }
          // Assess: K0's whole life, whatever happens to its successors afterwards.
          expect(events).toEqual({
            "create:K0": t.rotateAfterDays,
            "deactivate:K0": t.deactivateAfterDays,
            "delete:K0": t.deleteAfterDays,
          });
        },
      ),
    );
  });
});
