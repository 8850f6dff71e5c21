import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Config, configSchema, type Policy, parseConfig } from "../../../shared/config";
import { accountChains } from "../../../shared/policies/ou-chain";
import { accountPolicies } from "../../../shared/policies/resolve";

const PARENT = "ou-ab12-parent01";
const CHILD = "ou-ab12-child001";
const OTHER = "ou-ab12-other001";
const ACCOUNT = "111111111111";
const config = (...policies: object[]): Config =>
  parseConfig({ senderEmail: "keyrotor@example.com", policies });
const nameFor = (c: Config, user: string, chain = [CHILD, PARENT], account = ACCOUNT) => {
  const resolved = accountPolicies(c, account, chain).forUser(user);
  return resolved.kind === "policy" ? resolved.policy.name : `tie ${resolved.names.join(" ")}`;
};

describe("accountPolicies: the most specific policy wins", () => {
  const c = config(
    { name: "parent", ous: [PARENT], rotateAfterDays: 60 },
    { name: "child", ous: [CHILD], mode: "enforce" },
    { name: "account", accounts: [ACCOUNT], rotateAfterDays: 45 },
    { name: "ci", users: ["ci-*"], holdWhileInUse: true },
    { name: "ci-in-other", users: ["ci-b*", "deploy"], ous: [OTHER] },
  );

  it("puts a user pattern over the account, the account over its OUs, a deeper OU over its parent", () => {
    // Prepare / Act / Assess
    expect(nameFor(c, "ci-build")).toBe("ci");
    expect(nameFor(c, "alice")).toBe("account");
    expect(nameFor(c, "alice", [CHILD, PARENT], "222222222222")).toBe("child");
    expect(nameFor(c, "alice", [PARENT], "222222222222")).toBe("parent");
    expect(nameFor(c, "alice", [], "222222222222")).toBe("default");
  });

  it("lays the winner's fields over the default's, never over another policy's", () => {
    // Prepare / Act
    const ci = accountPolicies(c, ACCOUNT, [CHILD, PARENT]).forUser("ci-build");
    const alice = accountPolicies(c, "222222222222", [CHILD, PARENT]).forUser("alice");

    // Assess: ci-build is under "account" (45 days) and "child" (enforce), yet gets neither
    expect(ci).toEqual({
      kind: "policy",
      policy: expect.objectContaining({
        name: "ci",
        holdWhileInUse: true,
        rotateAfterDays: 90,
        mode: "audit",
      }),
    });
    expect(alice).toEqual({
      kind: "policy",
      policy: expect.objectContaining({ name: "child", mode: "enforce", rotateAfterDays: 90 }),
    });
  });

  it("applies a user policy only within the OUs or accounts it names", () => {
    // Prepare / Act / Assess
    expect(nameFor(c, "deploy")).toBe("account");
    expect(nameFor(c, "deploy", [OTHER], "333333333333")).toBe("ci-in-other");
  });

  it("returns a tie, naming both policies, when two user policies match one user", () => {
    // Prepare / Act / Assess
    expect(nameFor(c, "ci-build", [OTHER], "333333333333")).toBe("tie ci ci-in-other");
  });

  it("gives the account its own policy, whatever its users' policies", () => {
    // Prepare / Act
    const { account } = accountPolicies(c, "222222222222", [CHILD, PARENT]);

    // Assess
    expect(account.name).toBe("child");
  });
});

const OUS = [PARENT, CHILD, OTHER, "ou-ab12-fourth01"];
const ACCOUNTS = [ACCOUNT, "222222222222", "333333333333"];
const USERS = ["ci-build", "alice", "deploy", "bob-admin"];
const PATTERNS = ["ci-*", "alice", "*-admin", "d*", "*"];

/** Any policies validation accepts: distinct names, ranks that never name the same place twice. */
const policiesArb: fc.Arbitrary<Policy[]> = fc
  .record({
    ous: fc.shuffledSubarray(OUS),
    accounts: fc.shuffledSubarray(ACCOUNTS),
    users: fc.array(
      fc.record({
        patterns: fc.subarray(PATTERNS, { minLength: 1 }),
        within: fc.option(fc.constantFrom(...ACCOUNTS, ...OUS), { nil: undefined }),
      }),
      { maxLength: 3 },
    ),
    days: fc.array(fc.integer({ min: 1, max: 80 }), { minLength: 12, maxLength: 12 }),
  })
  .map(({ ous, accounts, users, days }) => {
    const at = (i: number) => ({ rotateAfterDays: 10 + (days[i] ?? 1) });
    const placed = [
      ...ous.map((ou, i) => ({ name: `ou-${i}`, ous: [ou], ...at(i) })),
      ...accounts.map((a, i) => ({ name: `account-${i}`, accounts: [a], ...at(4 + i) })),
      ...users.map((u, i) => ({
        name: `users-${i}`,
        users: u.patterns,
        ...(u.within ? (u.within.startsWith("ou-") ? { ous: [u.within] } : { accounts: [u.within] }) : {}),
        ...at(8 + i),
      })),
    ];
    const parsed = configSchema.safeParse({ senderEmail: "keyrotor@example.com", policies: placed });
    return parsed.success ? parsed.data.policies : [];
  })
  .filter((policies) => policies.length > 0);

const resolvedFor = (policies: Policy[], account: string, chain: string[], user: string) =>
  accountPolicies({ ...config(), policies }, account, chain).forUser(user);

describe("accountPolicies: properties", () => {
  const where = fc.record({
    account: fc.constantFrom(...ACCOUNTS),
    chain: fc.shuffledSubarray(OUS),
    user: fc.constantFrom(...USERS),
  });

  it("never depends on the order the policies are listed in", () => {
    fc.assert(
      fc.property(
        policiesArb.chain((p) => fc.tuple(fc.constant(p), fc.shuffledSubarray(p, { minLength: p.length }))),
        where,
        ([policies, shuffled], { account, chain, user }) => {
          expect(resolvedFor(shuffled, account, chain, user)).toEqual(
            resolvedFor(policies, account, chain, user),
          );
        },
      ),
    );
  });

  it("is not changed for a user by adding a policy that does not match that user", () => {
    fc.assert(
      fc.property(
        policiesArb,
        where,
        fc.constantFrom("ou-ab12-unused01", "444444444444", "nobody-*"),
        (policies, { account, chain, user }, scope) => {
          // Prepare
          const unrelated: Policy = scope.startsWith("ou-")
            ? { name: "unrelated", ous: [scope], rotateAfterDays: 1 }
            : /^\d+$/.test(scope)
              ? { name: "unrelated", accounts: [scope], rotateAfterDays: 1 }
              : { name: "unrelated", users: [scope], rotateAfterDays: 1 };

          // Act / Assess
          expect(resolvedFor([...policies, unrelated], account, chain, user)).toEqual(
            resolvedFor(policies, account, chain, user),
          );
        },
      ),
    );
  });

  it("gives every user the policy of a single user rank, else the account's", () => {
    fc.assert(
      fc.property(policiesArb, where, (policies, { account, chain, user }) => {
        // Prepare / Act
        const resolved = resolvedFor(policies, account, chain, user);
        const { account: own } = accountPolicies({ ...config(), policies }, account, chain);

        // Assess
        if (resolved.kind === "tie") expect(resolved.names.length).toBeGreaterThan(1);
        else if (!resolved.policy.name.startsWith("users-")) expect(resolved.policy).toEqual(own);
      }),
    );
  });
});

describe("accountChains: an account's named OUs from walking down from each", () => {
  it("orders them nearest first, even when a parent OU holds no account of its own", () => {
    // Prepare: PARENT holds only CHILD, so both hold the same accounts; only the depth tells them apart.
    const chainOf = accountChains(
      new Map([
        [PARENT, new Map([[ACCOUNT, 2]])],
        [CHILD, new Map([[ACCOUNT, 1]])],
        [OTHER, new Map([["222222222222", 1]])],
      ]),
    );
    const c = config(
      { name: "parent", ous: [PARENT], rotateAfterDays: 60 },
      { name: "child", ous: [CHILD], mode: "enforce" },
    );
    // Act
    const chain = chainOf(ACCOUNT);
    // Assess: the same policy as the chain ListParents gives, nearest first
    expect(chain).toEqual([CHILD, PARENT]);
    expect(accountPolicies(c, ACCOUNT, chain).account.name).toBe("child");
    expect(chainOf("333333333333")).toEqual([]);
  });
});
