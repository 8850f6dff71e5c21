import { describe, expect, it } from "vitest";
import { configDiff, formatConfigDiff } from "../../../cli/config-diff";
import { parseConfig } from "../../../shared/config";

const PROD = "ou-ab12-prod0001";
const SANDBOX = "ou-ab12-sand0001";
const config = (...policies: object[]) =>
  parseConfig({ senderEmail: "keyrotor@example.com", mode: "audit", policies });
const lines = (before: object[], after: object[]) =>
  formatConfigDiff(configDiff(config(...before), config(...after)));

const production = { name: "production", ous: [PROD], mode: "enforce", rotateAfterDays: 30 };
const sandbox = { name: "sandbox", ous: [SANDBOX], mode: "audit" };

describe("keyrotor config diff: policies", () => {
  it("names a policy added or removed, with its scope and what it sets, instead of one line for the whole list", () => {
    // Act
    const diff = lines([sandbox], [production]);
    // Assess
    expect(diff).toEqual([
      `+ policy production (ous: ${PROD}): mode "enforce", rotateAfterDays 30`,
      `- policy sandbox (ous: ${SANDBOX}): mode "audit" (REMOVED: its places fall back to another policy or the default)`,
    ]);
  });

  it("names each field of a policy changed, from -> to, in the settings' own format", async () => {
    // Act
    const diff = lines(
      [production],
      [{ ...production, rotateAfterDays: 25, deactivateAfterDays: 30, mode: undefined }],
    );
    // Assess: a field left out is the default's, and said so
    expect(diff).toEqual([
      `~ policy production.deactivateAfterDays: (default) -> 30`,
      `~ policy production.mode: "enforce" -> (default)`,
      `~ policy production.rotateAfterDays: 30 -> 25`,
    ]);
  });

  it("names what a policy's scope gained and lost: OUs, accounts and user patterns", () => {
    // Act
    const diff = lines(
      [{ ...production, users: ["ci-*"] }],
      [{ ...production, ous: [SANDBOX], accounts: ["111122223333"], users: ["ci-*", "*-deploy"] }],
    );
    // Assess
    expect(diff).toEqual([
      `+ policy production ous: ${SANDBOX}`,
      `- policy production ous: ${PROD}`,
      "+ policy production accounts: 111122223333",
      "+ policy production users: *-deploy",
    ]);
  });

  it("says nothing for the same policies in another order", () => {
    // Act / Assess
    expect(lines([production, sandbox], [sandbox, production])).toEqual([]);
  });

  it("keeps the other settings' lines as they were", () => {
    // Act
    const changes = configDiff(
      parseConfig({ senderEmail: "keyrotor@example.com", rotateAfterDays: 90 }),
      parseConfig({ senderEmail: "keyrotor@example.com", rotateAfterDays: 80, policies: [production] }),
    );
    // Assess
    expect(formatConfigDiff(changes)).toEqual([
      "~ rotateAfterDays: 90 -> 80",
      `+ policy production (ous: ${PROD}): mode "enforce", rotateAfterDays 30`,
    ]);
    expect(changes[1]).toMatchObject({ kind: "policy", change: "added", name: "production" });
  });
});
