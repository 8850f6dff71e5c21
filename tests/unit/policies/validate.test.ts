import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../shared/config";

const minimal = { senderEmail: "keyrotor@example.com" };
const PROD = "ou-ab12-prod0001";
const SANDBOX = "ou-ab12-sand0001";
const withPolicies =
  (...policies: object[]) =>
  () =>
    parseConfig({ ...minimal, policies });

describe("policies: what the configuration accepts", () => {
  it("keeps the top-level settings as the default, with no policy unless one is configured", () => {
    // Prepare / Act
    const config = parseConfig(minimal);

    // Assess
    expect(config.policies).toEqual([]);
  });

  it("accepts a production OU at 30/35/40 enforced and a sandbox OU in audit", () => {
    // Prepare / Act
    const config = parseConfig({
      ...minimal,
      policies: [
        {
          name: "production",
          ous: [PROD],
          mode: "enforce",
          rotateAfterDays: 30,
          deactivateAfterDays: 35,
          deleteAfterDays: 40,
        },
        { name: "sandbox", ous: [SANDBOX], mode: "audit" },
      ],
    });

    // Assess
    expect(config.policies.map((p) => p.name)).toEqual(["production", "sandbox"]);
  });

  it.each([
    [
      "thresholds that fail once laid over the default's, at the field the policy set",
      [
        { name: "a", ous: [PROD] },
        { name: "b", ous: [SANDBOX] },
        { name: "c", accounts: ["111111111111"] },
        { name: "short", accounts: ["222222222222"], deleteAfterDays: 40 },
      ],
      /policies\[3\]\.deleteAfterDays: thresholds must satisfy 0 < rotateAfterDays < deactivateAfterDays < deleteAfterDays, got 90 \/ 100 \/ 40/,
    ],
    [
      "a warning period longer than the policy's rotation",
      [{ name: "fast", ous: [PROD], rotateAfterDays: 5, deactivateAfterDays: 6, deleteAfterDays: 7 }],
      /policies\[0\]\.rotateAfterDays: warnBeforeDays must be at least 0 and less than rotateAfterDays \(5\), got 7/,
    ],
    [
      "an unknown key",
      [{ name: "a", ous: [PROD], rotateAfterDay: 30 }],
      /policies\[0\]: unknown field "rotateAfterDay"/,
    ],
    [
      "a setting no policy may change",
      [{ name: "a", ous: [PROD], secretPrefix: "x/" }],
      /policies\[0\]: unknown field "secretPrefix"/,
    ],
    ["no scope at all", [{ name: "a", mode: "enforce" }], /policies\[0\]: names no OU, account or user/],
    ["an empty scope list", [{ name: "a", accounts: [], ous: [PROD] }], /policies\[0\]\.accounts: is empty/],
    [
      "a password policy scoped by users",
      [{ name: "a", users: ["ci-*"], passwordPolicy: "cis" }],
      /policies\[0\]\.passwordPolicy: is an account's setting/,
    ],
    [
      "a reminder period scoped by users",
      [{ name: "a", users: ["ci-*"], repeatFailuresAfterDays: 3 }],
      /policies\[0\]\.repeatFailuresAfterDays: is an account's setting/,
    ],
    [
      "the default's name",
      [{ name: "default", ous: [PROD] }],
      /policies\[0\]\.name: "default" is the top-level settings' name/,
    ],
    [
      "two policies of one name",
      [
        { name: "a", ous: [PROD] },
        { name: "a", ous: [SANDBOX] },
      ],
      /policies\[1\]\.name: the name "a" is named by policies\[0\]/,
    ],
    [
      "two OU policies for one OU",
      [
        { name: "a", ous: [PROD] },
        { name: "b", ous: [SANDBOX, PROD] },
      ],
      /policies\[1\]\.ous: OU ou-ab12-prod0001 is named by policies\[0\] \("a"\) too/,
    ],
    [
      "two account policies for one account",
      [
        { name: "a", accounts: ["111111111111"] },
        { name: "b", accounts: ["111111111111"] },
      ],
      /policies\[1\]\.accounts: account 111111111111 is named by policies\[0\]/,
    ],
    [
      "two user policies with one pattern everywhere",
      [
        { name: "a", users: ["ci-*"] },
        { name: "b", users: ["ci-*"], accounts: ["111111111111"] },
      ],
      /policies\[1\]\.users: user pattern "ci-\*" over the same accounts is named by policies\[0\]/,
    ],
    ["a bad OU id", [{ name: "a", ous: ["prod"] }], /policies\[0\]\.ous\[0\]: must be an OU id/],
    [
      "a bad user pattern",
      [{ name: "a", users: ["ci bot"] }],
      /policies\[0\]\.users\[0\]: must be an IAM user name/,
    ],
  ])("refuses %s", (_what, policies, message) => {
    // Prepare / Act / Assess
    expect(withPolicies(...policies)).toThrow(message);
  });

  it("accepts the same OU at account rank in one policy and one pattern in disjoint accounts", () => {
    // Prepare / Act / Assess
    expect(
      withPolicies(
        { name: "prod-ou", ous: [PROD] },
        { name: "one-account", accounts: ["111111111111"] },
        { name: "ci-here", users: ["ci-*"], accounts: ["111111111111"] },
        { name: "ci-there", users: ["ci-*"], accounts: ["222222222222"] },
      ),
    ).not.toThrow();
  });
});
