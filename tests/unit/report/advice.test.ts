import { describe, expect, it } from "vitest";
import { bindingSchema } from "../../../shared/destinations/schema";
import type { ReportedKey } from "../../../shared/lifecycle";
import { aggregate } from "../../../shared/report/aggregate";
import { accountFacts, type ReportSettings, unreadableAccount } from "../../../shared/report/facts";
import { inputs, NOW, reported, SETTINGS, type UserSpec } from "./fixtures";

const ACCOUNT = "111122223333";

/** A key `age` days old last used `usedDaysAgo` days ago with `service` in eu-west-1, as the report has it. */
const usedWith = (age: number, usedDaysAgo: number, service: string): ReportedKey => ({
  ...reported(age, "Active", usedDaysAgo),
  lastUsedService: service,
  lastUsedRegion: "eu-west-1",
});

/** The settings with `user`'s key delivered to `destinations`, as the configuration binds them. */
const delivering = (user: string, destinations: unknown[], account = ACCOUNT): ReportSettings => ({
  ...SETTINGS,
  deliveries: [bindingSchema.parse({ account, user, destinations })],
});

const GITHUB = { type: "github", repository: "acme/app", tokenSecret: "keyrotor-tokens/github" };
const SSM = { type: "ssm", path: "/keyrotor/{userName}" };

const byAdvice = (users: Record<string, UserSpec>, settings = SETTINGS) =>
  accountFacts(inputs(users, ACCOUNT), settings, NOW).summary.byAdvice;

describe("Active keys by advice", () => {
  it("counts each Active key under the advice its user gets: remove, OIDC, scoped role, Roles Anywhere", () => {
    // Prepare
    const users: Record<string, UserSpec> = {
      // never used in 60 days, and one last used 50 days ago: both to be removed
      idle: { keys: [reported(60), reported(80, "Active", 50)] },
      // in use and delivered only to GitHub: an OIDC role
      "deploy-bot": { keys: [usedWith(20, 1, "s3")] },
      // in use with S3 only: a role scoped to it
      reports: { keys: [usedWith(30, 2, "s3")] },
      // in use, but nobody knows with what: Roles Anywhere or Identity Center
      laptop: { keys: [reported(10, "Active", 1)] },
    };

    // Act
    const counts = byAdvice(users, delivering("deploy-bot", [GITHUB]));

    // Assess
    expect(counts).toEqual({
      remove: 2,
      oidc: 1,
      "scoped-role": 1,
      "roles-anywhere-or-identity-center": 1,
    });
  });

  it("a key delivered to CI and somewhere else is not advised an OIDC role", () => {
    // Act
    const counts = byAdvice(
      { "deploy-bot": { keys: [usedWith(20, 1, "s3")] } },
      delivering("deploy-bot", [GITHUB, SSM]),
    );

    // Assess
    expect(counts).toMatchObject({ oidc: 0, "scoped-role": 1 });
  });

  it("binds destinations by account and user pattern: another account's binding is not this one's", () => {
    // Prepare
    const users = { "deploy-bot": { keys: [usedWith(20, 1, "s3")] } };

    // Act
    const wildcard = byAdvice(users, delivering("deploy-*", [GITHUB], "*"));
    const elsewhere = byAdvice(users, delivering("deploy-bot", [GITHUB], "999988887777"));

    // Assess
    expect(wildcard?.oidc).toBe(1);
    expect(elsewhere?.oidc).toBe(0);
  });

  it("applies an account's own bindings and those for any account together", () => {
    // Prepare: deploy-bot's GitHub binding names this account; an SSM binding covers every account
    const users = {
      "deploy-bot": { keys: [usedWith(20, 1, "s3")] },
      other: { keys: [usedWith(20, 1, "s3")] },
    };
    const both: ReportSettings = {
      ...SETTINGS,
      deliveries: [
        bindingSchema.parse({ account: ACCOUNT, user: "deploy-bot", destinations: [GITHUB] }),
        bindingSchema.parse({ account: "*", user: "deploy-*", destinations: [SSM] }),
      ],
    };
    const githubElsewhere: ReportSettings = {
      ...SETTINGS,
      deliveries: [bindingSchema.parse({ account: "999988887777", user: "other", destinations: [GITHUB] })],
    };

    // Act
    const mixed = byAdvice(users, both);
    const notHere = byAdvice(users, githubElsewhere);

    // Assess: delivered to GitHub and SSM is not CI only; nothing binds other here
    expect(mixed).toMatchObject({ oidc: 0, "scoped-role": 2 });
    expect(notHere).toMatchObject({ oidc: 0, "scoped-role": 2 });
  });

  it("leaves Inactive keys out, advises exempt users too, and sums to the Active keys", () => {
    // Prepare
    const users: Record<string, UserSpec> = {
      retired: { keys: [reported(300, "Inactive")] },
      audit: { keys: [reported(120), reported(200, "Inactive")], tags: { "keyrotor:exempt": "true" } },
      none: { keys: [] },
    };

    // Act
    const { summary } = accountFacts(inputs(users, ACCOUNT), SETTINGS, NOW);

    // Assess
    expect(summary.byAdvice).toEqual({
      remove: 1,
      oidc: 0,
      "scoped-role": 0,
      "roles-anywhere-or-identity-center": 0,
    });
    expect(summary.activeKeys).toBe(1);
  });

  it("judges a key unused by deactivateUnusedAfterDays when it is set, 45 days otherwise", () => {
    // Prepare: last used 40 days ago with S3
    const users = { batch: { keys: [usedWith(70, 40, "s3")] } };

    // Act
    const by45 = byAdvice(users);
    const by30 = byAdvice(users, { ...SETTINGS, deactivateUnusedAfterDays: 30 });

    // Assess
    expect(by45).toMatchObject({ remove: 0, "scoped-role": 1 });
    expect(by30).toMatchObject({ remove: 1, "scoped-role": 0 });
  });

  it("adds up over the accounts; an unreadable account adds nothing", () => {
    // Prepare
    const prod = accountFacts(
      inputs({ a: { keys: [reported(60)] }, b: { keys: [usedWith(5, 1, "s3")] } }, "111111111111"),
      SETTINGS,
      NOW,
    );
    const data = accountFacts(inputs({ c: { keys: [reported(70)] } }, "222222222222"), SETTINGS, NOW);
    const broken = unreadableAccount("333333333333", "Broken", "denied");

    // Act
    const report = aggregate([prod, data, broken], SETTINGS, NOW);

    // Assess
    expect(report.totals.byAdvice).toEqual({
      remove: 2,
      oidc: 0,
      "scoped-role": 1,
      "roles-anywhere-or-identity-center": 0,
    });
    expect(report.accounts.map((a) => a.byAdvice?.remove)).toEqual([1, 1, 0]);
  });
});
