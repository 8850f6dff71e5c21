import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_THRESHOLDS } from "../../../shared/config";
import { addDays, DAY_MS, decide, type KeyFacts } from "../../../shared/lifecycle";
import { key, NOW, user } from "../../support/keys";

const T = { ...DEFAULT_THRESHOLDS, deactivateUnusedAfterDays: 45 };
const usedDaysAgo = (id: string, age: number, days: number): KeyFacts =>
  key(id, age, "Active", addDays(NOW, -days));
const kinds = (plan: ReturnType<typeof decide>) =>
  plan.actions.map((a) => `${a.kind}:${a.kind === "create" ? a.replacesKeyId : a.keyId}`);

describe("unused keys (CIS 1.12 / IAM.22): deactivateUnusedAfterDays", () => {
  it("deactivates an Active key unused for that many days, saying since when", () => {
    const k = usedDaysAgo("A", 60, 46);
    const plan = decide(user([k]), T, NOW);
    expect(plan.actions).toEqual([
      { kind: "deactivate", keyId: "A", unusedSince: k.lastUsedAt, dueOn: addDays(k.lastUsedAt as Date, 45) },
    ]);
    expect(kinds(decide(user([usedDaysAgo("A", 60, 44)]), T, NOW))).toEqual([]);
  });

  it("counts a never-used key from its creation", () => {
    expect(kinds(decide(user([key("A", 46, "Active", null)]), T, NOW))).toEqual(["deactivate:A"]);
    expect(kinds(decide(user([key("A", 40, "Active", null)]), T, NOW))).toEqual([]);
  });

  it("retires an unused key that is also due for rotation instead of replacing it", () => {
    const plan = decide(user([key("A", 120, "Active", null)]), T, NOW);
    expect(kinds(plan)).toEqual(["deactivate:A"]);
    expect(plan.status).toBe("due");
  });

  it("never touches the key keyrotor recorded while its replacement window is open", () => {
    const U = { ...T, deactivateUnusedAfterDays: 1 };
    const secret = { recordedKeyId: "NEW", pendingSince: null };
    const young = decide(
      user([key("OLD", 95, "Active", addDays(NOW, -1)), key("NEW", 9, "Active", null)], { secret }),
      U,
      NOW,
    );
    expect(kinds(young)).not.toContain("deactivate:NEW");
    const open = decide(user([key("NEW", 10, "Active", null)], { secret }), U, NOW);
    expect(kinds(open)).toEqual(["deactivate:NEW"]);
  });

  it("never retires an Inactive or Expired key as unused: it cannot authenticate anyway", () => {
    // Prepare
    const keys = [key("A", 60, "Expired", null), key("B", 60, "Inactive", null)];
    // Act
    const plan = decide(user(keys), T, NOW);
    // Assess
    expect(kinds(plan)).toEqual([]);
    expect(plan.warnings).toEqual([]);
  });

  it("is off by default and needs the key's last use", () => {
    expect(kinds(decide(user([key("A", 60, "Active", null)]), DEFAULT_THRESHOLDS, NOW))).toEqual([]);
    expect(kinds(decide(user([key("A", 60)]), T, NOW))).toEqual([]);
  });

  it("warns a week ahead, once, and shows the date in what comes next", () => {
    const k = usedDaysAgo("A", 60, 38);
    const plan = decide(user([k]), T, NOW);
    const on = addDays(k.lastUsedAt as Date, 45);
    expect(plan.warnings).toEqual([{ keyId: "A", action: "deactivate", on }]);
    expect(plan.upcoming[0]).toEqual({ keyId: "A", action: "deactivate", on });
    expect(decide(user([usedDaysAgo("A", 60, 39)]), T, NOW).warnings).toEqual([]);
  });

  it("property: a recorded key inside its replacement window is never retired as unused; never more than two keys", () => {
    const keyArb = (id: string) =>
      fc.record({
        id: fc.constant(id),
        status: fc.constantFrom("Active" as const, "Inactive" as const, "Expired" as const),
        createdAt: fc.integer({ min: 0, max: 400 * DAY_MS }).map((ms) => new Date(NOW.getTime() - ms)),
        lastUsedAt: fc.option(
          fc.integer({ min: 0, max: 400 * DAY_MS }).map((ms) => new Date(NOW.getTime() - ms)),
          { nil: null },
        ),
      });
    fc.assert(
      fc.property(
        keyArb("K1"),
        keyArb("K2"),
        fc.integer({ min: 1, max: 120 }),
        fc.constantFrom("K1", "K2", null),
        (a, b, u, recorded) => {
          const facts = user([a, b], {
            secret: recorded ? { recordedKeyId: recorded, pendingSince: null } : null,
          });
          const plan = decide(facts, { ...T, deactivateUnusedAfterDays: u }, NOW);
          for (const action of plan.actions) {
            if (action.kind !== "deactivate" || action.replacedByKeyId) continue;
            const k = facts.keys.find((x) => x.id === action.keyId);
            const age = (NOW.getTime() - (k?.createdAt.getTime() ?? 0)) / DAY_MS;
            if (k?.id === recorded)
              expect(age).toBeGreaterThanOrEqual(T.deactivateAfterDays - T.rotateAfterDays);
            expect(k?.status).toBe("Active");
          }
          expect(
            plan.actions.filter((x) => x.kind === "create").length +
              facts.keys.length -
              plan.actions.filter((x) => x.kind === "delete").length,
          ).toBeLessThanOrEqual(2);
        },
      ),
    );
  });
});
