import { describe, expect, it } from "vitest";
import { DEFAULT_THRESHOLDS as T } from "../../../shared/config";
import { addDays, decide, NEW_KEY } from "../../../shared/lifecycle";
import { key, NOW, user } from "../../support/keys";

const kinds = (plan: ReturnType<typeof decide>) =>
  plan.actions.map((a) => `${a.kind}:${a.kind === "create" ? a.replacesKeyId : a.keyId}`);

describe("decide: rule by rule (R=90 D=100 X=110 W=7)", () => {
  it.each([
    { name: "a key below the rotation age is left alone", keys: [key("A", 89)], expected: [], status: "ok" },
    { name: "rotation at exactly R days", keys: [key("A", 90)], expected: ["create:A"], status: "due" },
    { name: "a legacy 300-day key is rotated", keys: [key("A", 300)], expected: ["create:A"], status: "due" },
    {
      name: "an Inactive-only user never gets a new key",
      keys: [key("A", 95, "Inactive")],
      expected: [],
      status: "inactive",
    },
    {
      name: "an Inactive-only key is deleted at X",
      keys: [key("A", 110, "Inactive")],
      expected: ["delete:A"],
      status: "due",
    },
    {
      name: "the superseded key is deactivated at D once the replacement is D-R days old",
      keys: [key("A", 100), key("B", 10)],
      expected: ["deactivate:A"],
      status: "due",
    },
    {
      name: "the superseded key waits while the replacement is younger than D-R",
      keys: [key("A", 300), key("B", 9)],
      expected: [],
      status: "ok",
    },
    {
      name: "an Inactive key is deleted at X once the replacement is X-R days old",
      keys: [key("A", 110, "Inactive"), key("B", 20)],
      expected: ["delete:A"],
      status: "due",
    },
    {
      name: "an Inactive key waits while the replacement is younger than X-R",
      keys: [key("A", 320, "Inactive"), key("B", 19)],
      expected: [],
      status: "ok",
    },
    {
      name: "two old hand-made keys: the older is deactivated, rotation is blocked",
      keys: [key("A", 200), key("B", 150)],
      expected: ["deactivate:A"],
      status: "blocked",
    },
    {
      name: "two keys and one deletable: the slot is freed first, then the new key",
      keys: [key("A", 120, "Inactive"), key("B", 95)],
      expected: ["delete:A", "create:B"],
      status: "due",
    },
    {
      name: "two Active keys, neither old enough to deactivate: blocked, nothing deleted",
      keys: [key("A", 95), key("B", 91)],
      expected: [],
      status: "blocked",
    },
    {
      name: "an Active key is never deleted, however old",
      keys: [key("A", 500), key("B", 5)],
      expected: [],
      status: "ok",
    },
    {
      name: "a newest key that is Inactive never lets the other Active key be deactivated",
      keys: [key("A", 200), key("B", 50, "Inactive")],
      expected: [],
      status: "ok",
    },
    { name: "no keys, nothing to do", keys: [], expected: [], status: "no-keys" },
  ])("$name", ({ keys, expected, status }) => {
    // Act
    const plan = decide(user(keys), T, NOW);
    // Assess
    expect(kinds(plan)).toEqual(expected);
    expect(plan.status).toBe(status);
  });

  it.each([
    ["group", "exempt by group"],
    ["tag", "exempt by tag"],
    ["account", "exempt by account"],
  ] as const)("a user exempt by %s is reported and never touched", (exempt, reason) => {
    const plan = decide(user([key("A", 400), key("B", 300, "Inactive")], { exempt }), T, NOW);
    expect(plan).toMatchObject({ status: "exempt", reason, actions: [], warnings: [] });
  });

  it("a legacy 300-day key rotated today is deactivated 10 days from now, deleted 10 days after", () => {
    // Prepare
    const today = decide(user([key("A", 300)]), T, NOW);
    // Assess
    expect(today.upcoming).toEqual([
      { keyId: "A", action: "deactivate", on: addDays(NOW, 10) },
      { keyId: NEW_KEY, action: "rotate", on: addDays(NOW, 90) },
    ]);
    const later = (days: number, status: "Active" | "Inactive") =>
      decide(
        user([key("A", 300 + days, status), key("B", days)], {
          secret: { recordedKeyId: "B", pendingSince: null },
        }),
        T,
        NOW,
      );
    expect(kinds(later(9, "Active"))).toEqual([]);
    expect(kinds(later(10, "Active"))).toEqual(["deactivate:A"]);
    expect(kinds(later(19, "Inactive"))).toEqual([]);
    expect(kinds(later(20, "Inactive"))).toEqual(["delete:A"]);
  });

  it("dates every action from the moment it fell due, and a blocked rotation from its due date", () => {
    const legacy = key("A", 300);
    expect(decide(user([legacy]), T, NOW).actions).toEqual([
      { kind: "create", replacesKeyId: "A", dueOn: addDays(legacy.createdAt, 90) },
    ]);
    const [old, replacement] = [key("A", 300), key("B", 12)];
    expect(decide(user([old, replacement]), T, NOW).actions).toEqual([
      { kind: "deactivate", keyId: "A", replacedByKeyId: "B", dueOn: addDays(replacement.createdAt, 10) },
    ]);
    const [retired, current] = [key("A", 115, "Inactive"), key("B", 40)];
    expect(decide(user([retired, current]), T, NOW).actions).toEqual([
      { kind: "delete", keyId: "A", reason: "expired", dueOn: addDays(retired.createdAt, 110) },
    ]);
    const [first, second] = [key("A", 95), key("B", 91)];
    expect(decide(user([first, second]), T, NOW).blockedSince).toEqual(addDays(second.createdAt, 90));
  });

  describe("Expired keys: they cannot authenticate, so they go the way of Inactive ones", () => {
    it.each([
      {
        name: "an Expired-only user never gets a new key",
        keys: [key("A", 95, "Expired")],
        expected: [],
        status: "inactive",
      },
      {
        name: "an Expired key younger than X is kept",
        keys: [key("A", 109, "Expired")],
        expected: [],
        status: "inactive",
      },
      {
        name: "an Expired key is deleted at X",
        keys: [key("A", 110, "Expired")],
        expected: ["delete:A"],
        status: "due",
      },
      {
        name: "Expired and Inactive keys alone: both deleted at X, no new key",
        keys: [key("A", 130, "Expired"), key("B", 111, "Inactive")],
        expected: ["delete:A", "delete:B"],
        status: "due",
      },
      {
        name: "an Expired key is deleted at X once the replacement is X-R days old",
        keys: [key("A", 110, "Expired"), key("B", 20)],
        expected: ["delete:A"],
        status: "due",
      },
      {
        name: "an Expired key waits while the replacement is younger than X-R",
        keys: [key("A", 320, "Expired"), key("B", 19)],
        expected: [],
        status: "ok",
      },
      {
        name: "an Expired key is never deactivated, even past D",
        keys: [key("A", 105, "Expired"), key("B", 15)],
        expected: [],
        status: "ok",
      },
      {
        name: "two keys and the Expired one deletable: the slot is freed first, then the new key",
        keys: [key("A", 120, "Expired"), key("B", 95)],
        expected: ["delete:A", "create:B"],
        status: "due",
      },
      {
        name: "two keys and the Expired one not yet deletable: rotation is blocked",
        keys: [key("A", 100, "Expired"), key("B", 95)],
        expected: [],
        status: "blocked",
      },
      {
        name: "a newest key that is Expired is never the replacement: the Active key is not deactivated",
        keys: [key("A", 200), key("B", 50, "Expired")],
        expected: [],
        status: "ok",
      },
    ])("$name", ({ keys, expected, status }) => {
      // Act
      const plan = decide(user(keys), T, NOW);
      // Assess
      expect(kinds(plan)).toEqual(expected);
      expect(plan.status).toBe(status);
    });

    it("dates an Expired key's deletion and shows it in what comes next, never warning about it", () => {
      // Prepare
      const [expired, current] = [key("A", 100, "Expired"), key("B", 5)];
      // Act
      const plan = decide(user([expired, current]), T, NOW);
      const later = decide(user([key("A", 115, "Expired"), key("B", 40)]), T, NOW);
      // Assess
      expect(plan.upcoming).toEqual([
        { keyId: "A", action: "delete", on: addDays(current.createdAt, 20) },
        { keyId: "B", action: "rotate", on: addDays(current.createdAt, 90) },
      ]);
      expect(later.actions).toMatchObject([{ kind: "delete", keyId: "A", reason: "expired" }]);
      expect(decide(user([key("A", 83, "Expired")]), T, NOW).warnings).toEqual([]);
    });

    it("an Expired key keyrotor created but never recorded, and nobody used, is deleted as unrecorded", () => {
      // Prepare
      const keys = [key("A", 95), key("U", 2, "Expired", null)];
      // Act
      const plan = decide(
        user(keys, { secret: { recordedKeyId: null, pendingSince: addDays(NOW, -3) } }),
        T,
        NOW,
      );
      // Assess
      expect(plan.actions).toMatchObject([
        { kind: "delete", keyId: "U", reason: "unrecorded" },
        { kind: "create", replacesKeyId: "A" },
      ]);
    });
  });

  describe("the key recorded in the secret", () => {
    it("lets the superseded key be deactivated only when the newest key is the recorded one", () => {
      const keys = [key("A", 100), key("B", 10)];
      const recorded = decide(user(keys, { secret: { recordedKeyId: "B", pendingSince: null } }), T, NOW);
      const other = decide(user(keys, { secret: { recordedKeyId: "A", pendingSince: null } }), T, NOW);
      const empty = decide(user(keys, { secret: { recordedKeyId: null, pendingSince: null } }), T, NOW);
      expect(kinds(recorded)).toEqual(["deactivate:A"]);
      expect(kinds(other)).toEqual([]);
      expect(kinds(empty)).toEqual([]);
    });
  });

  describe("unrecorded keys", () => {
    const pendingSince = addDays(NOW, -3);

    it("an unused unrecorded key is deleted and the rotation made again", () => {
      const keys = [key("A", 95), key("U", 2, "Active", null)];
      const plan = decide(user(keys, { secret: { recordedKeyId: null, pendingSince } }), T, NOW);
      expect(plan.actions).toMatchObject([
        { kind: "delete", keyId: "U", reason: "unrecorded" },
        { kind: "create", replacesKeyId: "A" },
      ]);
    });

    it("a used unrecorded key holds the user and never retires the working key", () => {
      const keys = [key("A", 150), key("U", 12, "Active", addDays(NOW, -1))];
      const plan = decide(
        user(keys, { secret: { recordedKeyId: null, pendingSince: addDays(NOW, -13) } }),
        T,
        NOW,
      );
      expect(plan.status).toBe("held");
      expect(plan.actions).toEqual([]);
      expect(plan.reason).toMatch(/U was created by keyrotor but never recorded.*has been used/);
    });

    it("an unrecorded key used only by keyrotor's verification, right after its creation, counts as unused", () => {
      // Prepare: STS GetCallerIdentity signed with the new key is a use IAM records.
      const created = key("U", 2, "Active");
      const verified = { ...created, lastUsedAt: new Date(created.createdAt.getTime() + 60_000) };
      const usedLater = { ...created, lastUsedAt: new Date(created.createdAt.getTime() + 3_600_000) };
      const facts = (u: typeof created) =>
        user([key("A", 95), u], { secret: { recordedKeyId: null, pendingSince } });
      // Act
      const afterVerification = decide(facts(verified), T, NOW);
      const afterSomeoneUsedIt = decide(facts(usedLater), T, NOW);
      // Assess
      expect(afterVerification.actions[0]).toMatchObject({
        kind: "delete",
        keyId: "U",
        reason: "unrecorded",
      });
      expect(afterSomeoneUsedIt.status).toBe("held");
    });

    it("an unrecorded key whose last use is unknown holds the user too", () => {
      const plan = decide(
        user([key("A", 95), key("U", 2)], { secret: { recordedKeyId: null, pendingSince } }),
        T,
        NOW,
      );
      expect(plan.status).toBe("held");
    });

    it("keys older than the pending mark, and the recorded key, are not unrecorded", () => {
      const keys = [key("A", 95), key("B", 2)];
      const plan = decide(user(keys, { secret: { recordedKeyId: "B", pendingSince } }), T, NOW);
      expect(plan.status).toBe("ok");
    });
  });

  describe("warnings", () => {
    it("fire on the run in which the newest key first reaches R-W days", () => {
      const on83 = decide(user([key("A", 83)]), T, NOW);
      expect(on83.warnings).toEqual([
        { keyId: "A", action: "rotate", on: addDays(key("A", 83).createdAt, 90) },
      ]);
    });

    it.each([82, 84, 89, 90])("are not repeated on the next daily runs (age %i)", (age) => {
      expect(decide(user([key("A", age)]), T, NOW).warnings).toEqual([]);
    });

    it("fire once even when runs were missed, measured from the previous run", () => {
      const plan = decide(user([key("A", 86)]), T, NOW, addDays(NOW, -5));
      expect(plan.warnings.map((w) => w.keyId)).toEqual(["A"]);
    });

    it("are off with warnBeforeDays 0 and never concern an Inactive key", () => {
      expect(decide(user([key("A", 90)]), { ...T, warnBeforeDays: 0 }, NOW).warnings).toEqual([]);
      expect(decide(user([key("A", 83, "Inactive")]), T, NOW).warnings).toEqual([]);
    });
  });
});
