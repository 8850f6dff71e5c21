import { describe, expect, it } from "vitest";
import type { UserRecord } from "../../../shared/ledger/records";
import { addDays } from "../../../shared/lifecycle";
import { accountFacts, ageBand, unreadableAccount, useBand } from "../../../shared/report/facts";
import { ago, inputs, NOW, reported, SETTINGS, type UserSpec } from "./fixtures";

const one = (spec: UserSpec, settings = SETTINGS) => accountFacts(inputs({ alice: spec }), settings, NOW);

describe("key age and last-use bands", () => {
  it.each([
    [0, "<80"],
    [79, "<80"],
    [80, "80-90"],
    [89, "80-90"],
    [90, "90-100"],
    [99, "90-100"],
    [100, "100-110"],
    [109, "100-110"],
    [110, ">=110"],
    [400, ">=110"],
  ] as const)("a key %i whole days old is in band %s", (days, band) => {
    // Act
    const found = ageBand(days);
    // Assess
    expect(found).toBe(band);
  });

  it("counts Active keys by age at exactly 80, 90, 100 and 110 days, a second short of 80 under it", () => {
    // Prepare
    const justUnder80 = { ...reported(80), createdAt: new Date(ago(80).getTime() + 1000) };
    const users: Record<string, UserSpec> = {
      a: { keys: [justUnder80] },
      b: { keys: [reported(80)] },
      c: { keys: [reported(90)] },
      d: { keys: [reported(100)] },
      e: { keys: [reported(110)] },
      f: { keys: [reported(300, "Inactive"), reported(5)] },
      g: { keys: [] },
    };
    // Act
    const { summary } = accountFacts(inputs(users), SETTINGS, NOW);
    // Assess
    expect(summary.byAge).toEqual({ "<80": 2, "80-90": 1, "90-100": 1, "100-110": 1, ">=110": 1 });
    expect(summary).toMatchObject({ users: 7, usersWithKeys: 6, keys: 7, activeKeys: 6 });
  });

  it.each([
    [undefined, "never"],
    [0, "<45"],
    [44, "<45"],
    [45, "45-90"],
    [89, "45-90"],
    [90, ">=90"],
  ] as const)("a key last used %s days ago is in band %s", (days, band) => {
    // Act
    const found = useBand(days === undefined ? null : ago(days), NOW);
    // Assess
    expect(found).toBe(band);
  });
});

describe("compliance with IAM.3 and the unused-key rule", () => {
  const users: Record<string, UserSpec> = {
    fresh: { keys: [reported(89, "Active", 44)] },
    due: { keys: [reported(90, "Active", 45)] },
    unusedYoung: { keys: [reported(10)] },
    unusedOld: { keys: [reported(50)] },
    retired: { keys: [reported(200, "Inactive")] },
  };

  it("an Active key under rotateAfterDays is rotation-compliant; used (or made) within 45 days, usage-compliant", () => {
    // Act
    const { summary } = accountFacts(inputs(users), SETTINGS, NOW);
    // Assess
    expect(summary).toMatchObject({ activeKeys: 4, rotationCompliant: 3, usageCompliant: 2 });
  });

  it("the unused-key period follows deactivateUnusedAfterDays when it is set", () => {
    // Act
    const { summary } = accountFacts(inputs(users), { ...SETTINGS, deactivateUnusedAfterDays: 30 }, NOW);
    // Assess
    expect(summary.usageCompliant).toBe(1);
  });
});

describe("what happens in the next 14 days", () => {
  it.each([
    ["rotation in 15 days: later", [reported(75)], [0, 0, 0]],
    ["rotation in exactly 14 days", [reported(76)], [1, 0, 0]],
    ["rotation due now, then its old key's deactivation 10 days on", [reported(91)], [1, 1, 0]],
    ["a superseded key's deactivation in 5 days", [reported(95), reported(5)], [0, 1, 0]],
    ["an Inactive key's deletion in 9 days", [reported(101, "Inactive"), reported(11)], [0, 0, 1]],
    ["an Inactive key's deletion in 15 days: later", [reported(95, "Inactive"), reported(5)], [0, 0, 0]],
    ["blocked: no rotation, the older key's deactivation", [reported(95), reported(91)], [0, 1, 0]],
  ] as const)("%s", (_, keys, [rotations, deactivations, deletions]) => {
    // Act
    const { summary } = one({ keys });
    // Assess
    expect(summary.upcoming).toEqual({ rotations, deactivations, deletions });
  });

  it("an exempt user has nothing coming, whatever its keys' age", () => {
    // Act
    const { summary } = one({ keys: [reported(120)], tags: { "keyrotor:exempt": "true" } });
    // Assess
    expect(summary.upcoming).toEqual({ rotations: 0, deactivations: 0, deletions: 0 });
    expect(summary.byAge[">=110"]).toBe(1);
  });
});

const failure = {
  since: ago(3).toISOString(),
  at: ago(1).toISOString(),
  attempts: 3,
  failure: "unauthorized",
  message: "401 Bad credentials",
  fix: "renew the token in keyrotor-tokens/github",
};
const recorded = { keyId: "AKIANEW", versionId: "v1", at: ago(12).toISOString() };
const quiet = (reason: string, until = addDays(NOW, 5)): Omit<UserRecord, "userName"> => ({
  quiet: { since: ago(2).toISOString(), until: until.toISOString(), fingerprint: "f", reason },
});

describe("who needs a person", () => {
  it.each<[string, UserSpec, object | null]>([
    [
      "two Active keys and rotation due: blocked since the rotation fell due",
      { keys: [reported(95), reported(91)] },
      {
        kind: "blocked",
        since: ago(1).toISOString(),
        oldestKeyDays: 95,
        reason: expect.stringMatching(/two keys/),
      },
    ],
    [
      "blocked at the last look (quiet period), a reason the report cannot see",
      { keys: [reported(30)], record: quiet("blocked") },
      { kind: "blocked", since: ago(2).toISOString(), reason: expect.stringMatching(/did not create/) },
    ],
    [
      "a destination failing to take the recorded key",
      {
        keys: [reported(93), reported(3)],
        record: {
          recorded,
          delivery: {
            keyId: "AKIANEW",
            due: ["github:acme/app"],
            confirmed: {},
            failures: { "github:acme/app": failure },
          },
        },
      },
      {
        kind: "failing",
        since: failure.since,
        reason: expect.stringMatching(
          /^delivery to github:acme\/app failing since .*401 Bad credentials \(fix: renew/,
        ),
      },
    ],
    [
      "a key creation begun a day ago and never recorded",
      { keys: [reported(30)], record: { pending: { since: ago(1).toISOString(), runId: "r" } } },
      { kind: "failing", since: ago(1).toISOString(), reason: expect.stringMatching(/never recorded/) },
    ],
    [
      "a key creation begun ten minutes ago: a run at work",
      {
        keys: [reported(30)],
        record: { pending: { since: new Date(NOW.getTime() - 600_000).toISOString(), runId: "r" } },
      },
      null,
    ],
    [
      "an unrecorded key someone used: held",
      {
        keys: [
          reported(120),
          { status: "Active", createdAt: new Date(ago(2).getTime() + 60_000), lastUsedAt: ago(1) },
        ],
        record: { pending: { since: ago(2).toISOString(), runId: "r" } },
      },
      { kind: "held", since: ago(2).toISOString() },
    ],
    [
      "an old key kept Active until a destination confirms the new one",
      {
        keys: [reported(101), reported(12)],
        record: {
          recorded,
          delivery: {
            keyId: "AKIANEW",
            due: ["github:a", "ssm:b"],
            confirmed: { "ssm:b": ago(10).toISOString() },
            failures: {},
          },
        },
      },
      {
        kind: "undelivered",
        since: ago(1).toISOString(),
        reason: expect.stringMatching(/1 destination confirms the new key: github:a$/),
      },
    ],
    [
      "exempt by tag",
      { keys: [reported(10)], tags: { "keyrotor:exempt": "True" } },
      { kind: "exempt", reason: "exempt by tag keyrotor:exempt" },
    ],
    [
      "exempt by group",
      { keys: [reported(10)], groups: ["IAMKeyRotationExemptionGroup"] },
      { kind: "exempt", reason: "exempt by group IAMKeyRotationExemptionGroup" },
    ],
    ["exempt without keys: nothing to look at", { keys: [], tags: { "keyrotor:exempt": "true" } }, null],
    ["a quiet period that ended", { keys: [reported(30)], record: quiet("blocked", ago(1)) }, null],
    ["nothing wrong", { keys: [reported(30), reported(200, "Inactive")] }, null],
  ])("%s", (_, spec, expected) => {
    // Act
    const { summary } = one(spec);
    // Assess
    expect(summary.attention).toEqual(
      expected === null
        ? []
        : [expect.objectContaining({ accountId: "111122223333", userName: "alice", ...expected })],
    );
  });

  it("an old key used in the last day is held as in use (holdWhileInUse), at most until its delete date", () => {
    // Act
    const { summary } = one(
      { keys: [reported(101, "Active", 0), reported(12)] },
      { ...SETTINGS, holdWhileInUse: true },
    );
    // Assess
    expect(summary.attention).toEqual([
      expect.objectContaining({
        kind: "in-use",
        since: ago(1).toISOString(),
        reason: `the old key was used in the last day; its deactivation waits until ${addDays(NOW, 9).toISOString().slice(0, 10)} at the latest`,
      }),
    ]);
  });

  it("a user with several problems is listed once, under the most pressing", () => {
    // Act
    const { summary } = one({
      keys: [reported(95), reported(91)],
      record: {
        recorded,
        delivery: {
          keyId: "AKIANEW",
          due: ["github:acme/app"],
          confirmed: {},
          failures: { "github:acme/app": failure },
        },
      },
    });
    // Assess
    expect(summary.attention.map((a) => a.kind)).toEqual(["blocked"]);
  });
});

describe("rotations from the ledger", () => {
  it("counts each recorded key once by the month it was recorded, with how many days after its due date", () => {
    // Prepare
    const record: Omit<UserRecord, "userName"> = {
      recorded: {
        keyId: "K3",
        versionId: "v3",
        at: "2026-05-10T06:00:00.000Z",
        dueOn: "2026-05-08T05:00:00.000Z",
      },
      history: [
        { keyId: "K1", versionId: "v1", at: "2026-02-09T06:00:00.000Z", dueOn: "2026-02-09T05:00:00.000Z" },
        { keyId: "K2", versionId: "v2", at: "2026-02-20T06:00:00.000Z" },
        { keyId: "K3", versionId: "v3", at: "2026-05-10T06:00:00.000Z", dueOn: "2026-05-08T05:00:00.000Z" },
      ],
    };
    // Act
    const { rotations } = one({ keys: [reported(22)], record });
    // Assess
    expect(
      Object.fromEntries(
        [...rotations].map(([m, t]) => [m, { n: t.rotations, late: Object.fromEntries(t.late) }]),
      ),
    ).toEqual({
      "2026-02": { n: 2, late: { 0: 1 } },
      "2026-05": { n: 1, late: { 2: 1 } },
    });
  });
});

describe("an account that could not be read", () => {
  it("has zero counts, nothing coming, nobody listed, and says why", () => {
    // Act
    const { summary, rotations } = unreadableAccount(
      "222233334444",
      "Data",
      "STS AssumeRole failed (AccessDenied): no",
    );
    // Assess
    expect(summary).toMatchObject({
      accountId: "222233334444",
      name: "Data",
      users: 0,
      activeKeys: 0,
      attention: [],
    });
    expect(summary.error).toBe("STS AssumeRole failed (AccessDenied): no");
    expect(rotations.size).toBe(0);
  });
});

describe("keyrotor's own verification is no use", () => {
  /** A key keyrotor made `age` days ago, verified 5 s later; IAM shows that STS call as its last use. */
  const verifiedKey = (age: number) => {
    const createdAt = ago(age);
    const at = new Date(createdAt.getTime() + 5_000);
    return {
      key: {
        status: "Active" as const,
        createdAt,
        lastUsedAt: new Date(Math.ceil(at.getTime() / 60_000) * 60_000),
        lastUsedService: "sts",
        lastUsedRegion: "eu-west-1",
      },
      record: {
        recorded: {
          keyId: "AKIANEW",
          versionId: "v1",
          at: createdAt.toISOString(),
          verified: { at: at.toISOString(), region: "eu-west-1" },
        },
      },
    };
  };

  it("counts a key only keyrotor used as never used, not used within 45 days, and advises removing it", () => {
    // Prepare
    const fresh = verifiedKey(10);
    const idle = verifiedKey(60);

    // Act
    const { summary } = accountFacts(
      inputs({
        a: { keys: [fresh.key], record: fresh.record },
        b: { keys: [idle.key], record: idle.record },
      }),
      SETTINGS,
      NOW,
    );

    // Assess
    expect(summary.byUse).toEqual({ never: 2, "<45": 0, "45-90": 0, ">=90": 0 });
    expect(summary.usageCompliant).toBe(1);
    expect(summary.byAdvice).toMatchObject({
      remove: 1,
      "roles-anywhere-or-identity-center": 1,
      "scoped-role": 0,
    });
  });

  it("counts the same STS call as use when the ledger recorded no verification", () => {
    // Act
    const { summary } = one({ keys: [verifiedKey(10).key] });

    // Assess
    expect(summary.byUse).toEqual({ never: 0, "<45": 1, "45-90": 0, ">=90": 0 });
  });
});
