import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isSmtpRegion, SMTP_REGIONS, smtpPassword } from "../../../../shared/destinations/smtp/derive";
import { Redacted } from "../../../../shared/redacted";
import { pythonSmtpPasswords } from "../../../support/smtp-password";

/** Secret access keys as AWS issues them: 40 characters of base64's alphabet. */
const secretKey = fc.string({
  unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"),
  minLength: 40,
  maxLength: 40,
});

describe("smtpPassword", () => {
  it("derives the password AWS's published algorithm gives, for any key and every SMTP region", () => {
    // Prepare
    const samples = fc.sample(fc.tuple(secretKey, fc.constantFrom(...SMTP_REGIONS)), 200);
    const pairs = [
      ...samples,
      ...SMTP_REGIONS.map((r) => ["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", r] as const),
    ];

    // Act
    const ours = pairs.map(([secret, region]) => smtpPassword(new Redacted(secret), region).reveal());

    // Assess
    expect(ours).toEqual(pythonSmtpPasswords(pairs));
  });

  it("gives a version-4 password of 44 base64 characters (33 bytes, no padding) that differs per region and per key", () => {
    fc.assert(
      fc.property(secretKey, secretKey, (a, b) => {
        // Prepare
        fc.pre(a !== b);

        // Act
        const [ofA, ofAElsewhere, ofB] = [
          smtpPassword(new Redacted(a), "eu-west-1").reveal(),
          smtpPassword(new Redacted(a), "us-east-1").reveal(),
          smtpPassword(new Redacted(b), "eu-west-1").reveal(),
        ];

        // Assess
        expect(ofA).toMatch(/^[A-Za-z0-9+/]{44}$/);
        expect(Buffer.from(ofA, "base64")[0]).toBe(0x04);
        expect(new Set([ofA, ofAElsewhere, ofB]).size).toBe(3);
      }),
      { numRuns: 50 },
    );
  });

  it("keeps the password redacted and refuses a region without an SMTP endpoint, naming it", () => {
    // Prepare
    const secret = new Redacted("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");

    // Act
    const password = smtpPassword(secret, "eu-west-1");
    const refused = () => smtpPassword(secret, "af-south-1");

    // Assess
    expect(String(password)).toBe("[REDACTED]");
    expect(JSON.stringify({ password })).not.toContain(password.reveal());
    expect(refused).toThrow(/af-south-1/);
    expect(isSmtpRegion("eu-west-1")).toBe(true);
    expect(isSmtpRegion("af-south-1")).toBe(false);
  });
});
