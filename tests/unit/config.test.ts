import { describe, expect, it } from "vitest";
import { parseConfig } from "../../shared/config";
import { ConfigError } from "../../shared/errors";
import { validateThresholds } from "../../shared/lifecycle";

const minimal = { senderEmail: "keyrotor@example.com" };

describe("parseConfig: the one configuration schema", () => {
  it("fills every documented default", () => {
    expect(parseConfig(minimal)).toEqual({
      mode: "audit",
      rotateAfterDays: 90,
      deactivateAfterDays: 100,
      deleteAfterDays: 110,
      warnBeforeDays: 7,
      memberRoleName: "keyrotor-member",
      secretPrefix: "keyrotor/",
      senderEmail: "keyrotor@example.com",
      adminEmail: null,
      exemptGroupName: "IAMKeyRotationExemptionGroup",
      exemptTag: "keyrotor:exempt",
      ownerTag: "keyrotor:owner",
      readersTag: "keyrotor:readers",
      readerPrincipals: [],
      includeAccounts: [],
      excludeAccounts: [],
      includeOus: [],
      excludeOus: [],
      replicaRegions: [],
      deactivateUnusedAfterDays: null,
      passwordPolicy: null,
      discovery: "report",
      userConcurrency: 4,
      awsMaxAttempts: 5,
      awsTimeoutSeconds: 30,
      ledgerTable: "keyrotor-prod-ledger",
      readerTagAllowlist: [],
      adoptForeignSecrets: false,
      maxJobAgeHours: 24,
      repeatFailuresAfterDays: 7,
    });
  });

  it.each([
    [{ ...minimal, rotateAfterDay: 90 }, /unknown setting\(s\): rotateAfterDay/],
    [{}, /senderEmail/],
    [{ ...minimal, senderEmail: "not-an-email" }, /senderEmail: must be an email address/],
    [{ ...minimal, mode: "yolo" }, /mode:/],
    [
      { ...minimal, rotateAfterDays: 100, deactivateAfterDays: 90 },
      /0 < rotateAfterDays < deactivateAfterDays/,
    ],
    [{ ...minimal, deleteAfterDays: 100 }, /deactivateAfterDays < deleteAfterDays, got 90 \/ 100 \/ 100/],
    [{ ...minimal, rotateAfterDays: 0 }, /0 < rotateAfterDays/],
    [{ ...minimal, rotateAfterDays: 89.5 }, /rotateAfterDays: must be a whole number of days/],
    [{ ...minimal, warnBeforeDays: 90 }, /warnBeforeDays must be at least 0 and less than rotateAfterDays/],
    [
      { ...minimal, readerPrincipals: ["arn:aws:iam::123:role/x"] },
      /readerPrincipals.0: must be an IAM user or role ARN/,
    ],
    [{ ...minimal, excludeAccounts: ["12345"] }, /excludeAccounts.0: must be a 12-digit AWS account id/],
    [{ ...minimal, includeOus: ["r-abcd"] }, /includeOus.0: must be an OU id/],
    [{ ...minimal, secretPrefix: "keys,rotor/" }, /secretPrefix: may hold only/],
    [{ ...minimal, replicaRegions: ["mars"] }, /replicaRegions.0: must be an AWS region/],
  ])("rejects %j with a message naming the problem", (input, message) => {
    expect(() => parseConfig(input)).toThrow(ConfigError);
    expect(() => parseConfig(input)).toThrow(message);
  });

  it("words the schema's own checks in English, naming what is allowed", () => {
    expect(() => parseConfig({ ...minimal, mode: "Enforce", userConcurrency: 33 })).toThrow(
      'invalid keyrotor configuration: mode: Invalid option: expected one of "audit"|"enforce"; userConcurrency: Too big: expected number to be <=32',
    );
  });

  it("accepts the IAM.3-friendly thresholds of the README (80 / 90 / 100)", () => {
    const c = parseConfig({ ...minimal, rotateAfterDays: 80, deactivateAfterDays: 90, deleteAfterDays: 100 });
    expect(c.rotateAfterDays).toBe(80);
  });

  it("validateThresholds on its own names the offending values", () => {
    const t = { rotateAfterDays: 90, deactivateAfterDays: 90, deleteAfterDays: 110, warnBeforeDays: 7 };
    expect(() => validateThresholds(t)).toThrow("got 90 / 90 / 110");
  });
});
