import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import { FakeAccount } from "../../scripts/lib/fake-account";
import {
  type AccountPasswordPolicy,
  CIS_PASSWORD_POLICY,
  strengthen,
} from "../../shared/compliance/password-policy";
import { reconcilePasswordPolicy } from "../../shared/compliance/reconcile-password-policy";
import { parseConfig } from "../../shared/config";
import { composeNotice } from "../../shared/notices/compose";
import { renderNotice } from "../../shared/notices/render";
import { memoryLog } from "../support/log";
import { accountReport, JOB } from "./notices/fixtures";

const weak: AccountPasswordPolicy = {
  minimumPasswordLength: 20,
  requireSymbols: false,
  requireNumbers: true,
  requireUppercaseCharacters: false,
  requireLowercaseCharacters: false,
  allowUsersToChangePassword: false,
  maxPasswordAge: 60,
  hardExpiry: true,
};

describe("strengthen (CIS 1.8-1.9)", () => {
  it("raises what is required and keeps every stricter existing setting", () => {
    const { policy, changes } = strengthen(weak, CIS_PASSWORD_POLICY);
    expect(policy).toEqual({
      minimumPasswordLength: 20,
      requireSymbols: true,
      requireNumbers: true,
      requireUppercaseCharacters: true,
      requireLowercaseCharacters: true,
      allowUsersToChangePassword: false,
      maxPasswordAge: 60,
      passwordReusePrevention: 24,
      hardExpiry: true,
    });
    expect(changes).toEqual([
      "requireSymbols: false -> true",
      "requireUppercaseCharacters: false -> true",
      "requireLowercaseCharacters: false -> true",
      "passwordReusePrevention: unset -> 24",
    ]);
  });

  it("gives an account with no policy one, and changes nothing in a compliant account", () => {
    const created = strengthen(null, CIS_PASSWORD_POLICY);
    expect(created.policy).toMatchObject({
      minimumPasswordLength: 14,
      passwordReusePrevention: 24,
      allowUsersToChangePassword: true,
    });
    expect(created.changes).toContain("minimumPasswordLength: no policy -> 14");
    expect(strengthen(created.policy, CIS_PASSWORD_POLICY).changes).toEqual([]);
  });

  it("property: never weakens any setting, and always meets every requirement", () => {
    const policyArb = fc.record({
      minimumPasswordLength: fc.integer({ min: 6, max: 128 }),
      requireSymbols: fc.boolean(),
      requireNumbers: fc.boolean(),
      requireUppercaseCharacters: fc.boolean(),
      requireLowercaseCharacters: fc.boolean(),
      allowUsersToChangePassword: fc.boolean(),
      hardExpiry: fc.boolean(),
      maxPasswordAge: fc.option(fc.integer({ min: 1, max: 1095 }), { nil: undefined }),
      passwordReusePrevention: fc.option(fc.integer({ min: 1, max: 24 }), { nil: undefined }),
    });
    const requiredArb = fc.record(
      {
        minimumPasswordLength: fc.integer({ min: 6, max: 128 }),
        requireSymbols: fc.boolean(),
        requireNumbers: fc.boolean(),
        passwordReusePrevention: fc.integer({ min: 1, max: 24 }),
        maxPasswordAge: fc.integer({ min: 1, max: 1095 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(policyArb, requiredArb, (existing, required) => {
        const { policy } = strengthen(existing as AccountPasswordPolicy, required);
        expect(policy.minimumPasswordLength).toBeGreaterThanOrEqual(existing.minimumPasswordLength);
        expect(policy.minimumPasswordLength).toBeGreaterThanOrEqual(required.minimumPasswordLength ?? 0);
        for (const flag of [
          "requireSymbols",
          "requireNumbers",
          "requireUppercaseCharacters",
          "requireLowercaseCharacters",
        ] as const) {
          if (existing[flag]) expect(policy[flag]).toBe(true);
        }
        if (required.requireSymbols) expect(policy.requireSymbols).toBe(true);
        expect(policy.passwordReusePrevention ?? 0).toBeGreaterThanOrEqual(
          Math.max(existing.passwordReusePrevention ?? 0, required.passwordReusePrevention ?? 0),
        );
        if (existing.maxPasswordAge)
          expect(policy.maxPasswordAge).toBeLessThanOrEqual(existing.maxPasswordAge);
        if (required.maxPasswordAge)
          expect(policy.maxPasswordAge).toBeLessThanOrEqual(required.maxPasswordAge);
        expect(policy.hardExpiry).toBe(existing.hardExpiry);
      }),
    );
  });
});

describe("reconcilePasswordPolicy", () => {
  let account: FakeAccount;
  beforeEach(() => {
    account = new FakeAccount();
    account.passwordPolicy = weak;
  });
  const settings = (mode: "audit" | "enforce", passwordPolicy: "cis" | null = "cis") =>
    parseConfig({ senderEmail: "k@example.com", mode, passwordPolicy });

  it("is off unless configured", async () => {
    expect(await reconcilePasswordPolicy(account, settings("enforce", null), memoryLog())).toBeUndefined();
    expect(account.mutations).toEqual([]);
  });

  it("reports the changes it would make in audit mode and makes them in enforce mode", async () => {
    const planned = await reconcilePasswordPolicy(account, settings("audit"), memoryLog());
    expect(planned).toMatchObject({ outcome: "planned" });
    expect(account.mutations).toEqual([]);
    const done = await reconcilePasswordPolicy(account, settings("enforce"), memoryLog());
    expect(done?.outcome).toBe("done");
    expect(account.passwordPolicy).toMatchObject({
      requireSymbols: true,
      minimumPasswordLength: 20,
      maxPasswordAge: 60,
    });
    expect(await reconcilePasswordPolicy(account, settings("enforce"), memoryLog())).toEqual({
      outcome: "compliant",
      changes: [],
    });
  });

  it("reports a failure without throwing, so key rotation goes on", async () => {
    account.failing.add("UpdateAccountPasswordPolicy");
    const failed = await reconcilePasswordPolicy(account, settings("enforce"), memoryLog());
    expect(failed).toMatchObject({ outcome: "failed", error: { name: "AwsCallError" } });
  });

  it("tells the owner what changed, and only in enforce mode", () => {
    const changed = {
      ...accountReport([]),
      passwordPolicy: { outcome: "done" as const, changes: ["requireSymbols: false -> true"] },
    };
    const settings = { warnBeforeDays: 7, readerPrincipals: [], repeatFailuresAfterDays: 7 };
    const { notice } = composeNotice(JOB, changed, settings);
    expect(notice?.passwordPolicy).toEqual({ outcome: "done", changes: ["requireSymbols: false -> true"] });
    const rendered = renderNotice(notice ?? (undefined as never));
    expect(rendered.subject).toMatch(/password policy strengthened$/);
    expect(rendered.text).toContain(
      "== Password policy (CIS 1.8-1.9) ==\nThe account password policy was strengthened",
    );
    expect(rendered.text).toContain("- requireSymbols: false -> true");
    const planned = {
      ...accountReport([], "audit"),
      passwordPolicy: { outcome: "planned" as const, changes: ["x"] },
    };
    expect(composeNotice(JOB, planned, settings).notice).toBeNull();
  });
});
