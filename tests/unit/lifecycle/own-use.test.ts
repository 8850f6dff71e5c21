import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_THRESHOLDS } from "../../../shared/config";
import {
  addDays,
  DAY_MS,
  decide,
  isOwnUse,
  OWN_USE_TOLERANCE_MS,
  verificationOf,
  withoutOwnUse,
} from "../../../shared/lifecycle";
import { key, NOW, user } from "../../support/keys";

const VERIFIED = { at: new Date("2026-06-01T05:00:07Z"), region: "eu-west-1" };
const at = (ms: number) => new Date(VERIFIED.at.getTime() + ms);
const use = (lastUsedAt: Date, lastUsedService = "sts", lastUsedRegion = "eu-west-1") => ({
  lastUsedAt,
  lastUsedService,
  lastUsedRegion,
});

describe("isOwnUse: keyrotor's verification is no use", () => {
  it("is the STS call in the verification's region, dated up to the tolerance after it", () => {
    // IAM dates to the minute: the call at 05:00:07 may show as 05:00 or 05:01.
    expect(isOwnUse(use(new Date("2026-06-01T05:00:00Z")), VERIFIED)).toBe(true);
    expect(isOwnUse(use(new Date("2026-06-01T05:01:00Z")), VERIFIED)).toBe(true);
    expect(isOwnUse(use(at(OWN_USE_TOLERANCE_MS)), VERIFIED)).toBe(true);
  });

  it("is a real use once later than the tolerance, with another service or in another region", () => {
    expect(isOwnUse(use(at(OWN_USE_TOLERANCE_MS + 1)), VERIFIED)).toBe(false);
    expect(isOwnUse(use(at(0), "s3"), VERIFIED)).toBe(false);
    expect(isOwnUse(use(at(0), "sts", "us-east-1"), VERIFIED)).toBe(false);
    expect(isOwnUse({ lastUsedAt: at(0) }, VERIFIED)).toBe(false);
  });

  it("is never without a verification the ledger recorded, nor of a key never used", () => {
    expect(isOwnUse(use(at(0)), undefined)).toBe(false);
    expect(isOwnUse({ lastUsedAt: null }, VERIFIED)).toBe(false);
  });
});

describe("withoutOwnUse: only keyrotor's own call is taken out", () => {
  it("leaves every use later than the window, with another service or in another region, as it is", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -30 * DAY_MS, max: 30 * DAY_MS }),
        fc.constantFrom("sts", "s3", "iam"),
        fc.constantFrom("eu-west-1", "us-east-1"),
        (offset, service, region) => {
          // Prepare
          const key = { createdAt: at(-5_000), ...use(at(offset), service, region) };
          // Act
          const seen = withoutOwnUse(key, VERIFIED);
          // Assess
          const own = service === "sts" && region === VERIFIED.region && offset <= OWN_USE_TOLERANCE_MS;
          expect(seen).toEqual(own ? { createdAt: key.createdAt, lastUsedAt: null } : key);
        },
      ),
    );
  });
});

describe("withoutOwnUse", () => {
  it("makes a key whose last use is keyrotor's own a key never used, and leaves any other as it is", () => {
    // Prepare
    const own = { id: "A", createdAt: at(-5_000), ...use(at(30_000)) };
    const real = { id: "B", createdAt: at(-5_000), ...use(at(DAY_MS), "s3") };

    // Act / Assess
    expect(withoutOwnUse(own, VERIFIED)).toEqual({ id: "A", createdAt: own.createdAt, lastUsedAt: null });
    expect(withoutOwnUse(real, VERIFIED)).toBe(real);
  });
});

describe("verificationOf", () => {
  const verifications = [
    { keyId: "AKIAOLD", at: new Date("2026-03-01T05:00:10Z"), region: "eu-west-1" },
    { keyId: "AKIANEW", ...VERIFIED },
  ];

  it("finds a key's verification by its id, and none for a key keyrotor did not verify", () => {
    expect(verificationOf({ id: "AKIANEW", createdAt: at(-1_000) }, verifications)).toMatchObject(VERIFIED);
    expect(verificationOf({ id: "AKIAHAND", createdAt: at(-1_000) }, verifications)).toBeUndefined();
  });

  it("finds a credential report's key (no id) by the verification that followed its creation", () => {
    expect(verificationOf({ createdAt: new Date("2026-06-01T05:00:05Z") }, verifications)).toMatchObject(
      VERIFIED,
    );
    // Made by hand a day later: no verification of keyrotor's speaks for it.
    expect(verificationOf({ createdAt: addDays(VERIFIED.at, 1) }, verifications)).toBeUndefined();
  });
});

describe("decide discounts keyrotor's own use", () => {
  const T = { ...DEFAULT_THRESHOLDS, deactivateUnusedAfterDays: 45 };

  it("the unused-key rule counts a key whose only use is its verification from its creation", () => {
    // Prepare: verified two hours after it was made (IAM propagation on a bad day), never used since.
    const made = key("A", 46, "Active");
    const verified = { at: new Date(made.createdAt.getTime() + 7_200_000), region: "us-east-1" };
    const facts = { ...made, ...use(verified.at, "sts", "us-east-1"), verified };

    // Act
    const plan = decide(user([facts]), T, addDays(made.createdAt, 45));

    // Assess
    expect(plan.actions).toEqual([
      {
        kind: "deactivate",
        keyId: "A",
        unusedSince: made.createdAt,
        dueOn: addDays(made.createdAt, 45),
      },
    ]);
  });

  it("holdWhileInUse does not hold a superseded key for keyrotor's own call, and does for a consumer's", () => {
    // Prepare
    const H = { ...DEFAULT_THRESHOLDS, holdWhileInUse: true };
    const verified = { at: new Date(NOW.getTime() - 3_600_000), region: "us-east-1" };
    const old = { ...key("OLD", 105, "Active"), ...use(verified.at, "sts", "us-east-1"), verified };
    const keys = (o: typeof old) => [o, key("NEW", 15, "Active", null)];

    // Act
    const own = decide(user(keys(old)), H, NOW);
    const consumer = decide(user(keys({ ...old, lastUsedService: "s3" })), H, NOW);

    // Assess
    expect(own.holds).toEqual([]);
    expect(own.actions).toEqual([expect.objectContaining({ kind: "deactivate", keyId: "OLD" })]);
    expect(consumer.holds).toEqual([expect.objectContaining({ keyId: "OLD", reason: "in-use" })]);
  });
});
