import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UserInputError } from "../../../shared/errors";
import {
  buildSecretPolicy,
  decodeUserName,
  encodeUserName,
  MAX_POLICY_CHARS,
  requestTokenFor,
  secretNameFor,
  taggedReaders,
} from "../../../shared/rotation";

// AWS's documented rules, checked here because moto accepts names, tags and tokens AWS refuses.
const IAM_USER_NAME = /^[\w+=,.@-]{1,64}$/;
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const SECRET_TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;
const REQUEST_TOKEN = /^.{32,64}$/;
const userNameArb = fc.stringMatching(IAM_USER_NAME);

describe("secret names", () => {
  it("encode every IAM user name into a valid secret name and tag value, reversibly", () => {
    fc.assert(
      fc.property(userNameArb, (name) => {
        const encoded = encodeUserName(name);
        expect(secretNameFor("keyrotor/", name)).toMatch(SECRET_NAME);
        expect(encoded).toMatch(SECRET_TAG_VALUE);
        expect(decodeUserName(encoded)).toBe(name);
      }),
    );
  });

  it("keep distinct users apart", () => {
    fc.assert(
      fc.property(userNameArb, userNameArb, (a, b) => {
        fc.pre(a !== b);
        expect(encodeUserName(a)).not.toBe(encodeUserName(b));
      }),
    );
  });

  it("leave ordinary names readable and encode the comma and the escape", () => {
    expect(secretNameFor("keyrotor/", "alice")).toBe("keyrotor/alice");
    expect(secretNameFor("keyrotor/", "frank,jr")).toBe("keyrotor/frank=2Cjr");
    expect(secretNameFor("keyrotor/", "a=2C")).toBe("keyrotor/a=3D2C");
  });

  it("fit AWS's length limit for the longest user name with the longest prefix", () => {
    const name = secretNameFor("p".repeat(256), ",".repeat(64));
    expect(name.length).toBeLessThanOrEqual(512);
    expect(name).toMatch(SECRET_NAME);
  });
});

describe("ClientRequestToken", () => {
  it("is 32–64 characters, stable per key id and distinct between key ids", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Z0-9]{16,128}$/),
        fc.stringMatching(/^[A-Z0-9]{16,128}$/),
        (a, b) => {
          expect(requestTokenFor(a)).toMatch(REQUEST_TOKEN);
          expect(requestTokenFor(a)).toBe(requestTokenFor(a));
          if (a !== b) expect(requestTokenFor(a)).not.toBe(requestTokenFor(b));
        },
      ),
    );
  });
});

describe("secret resource policy (docs/security.md, keyrotor's own roles)", () => {
  const userArn = "arn:aws:iam::111122223333:user/alice";
  const reader = "arn:aws:iam::111122223333:role/app";

  it("allows the user and readers to read, denies GetSecretValue to everyone else, never denies writes", () => {
    const policy = JSON.parse(buildSecretPolicy(userArn, [reader]));
    expect(policy.Statement).toEqual([
      {
        Sid: "KeyrotorReaders",
        Effect: "Allow",
        Principal: { AWS: [reader, userArn] },
        Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
        Resource: "*",
      },
      {
        Sid: "KeyrotorDenyEveryoneElse",
        Effect: "Deny",
        Principal: "*",
        Action: "secretsmanager:GetSecretValue",
        Resource: "*",
        Condition: { ArnNotEquals: { "aws:PrincipalArn": [reader, userArn] } },
      },
    ]);
  });

  it("refuses a policy over AWS's 20,480-character limit", () => {
    const many = Array.from({ length: 400 }, (_, i) => `arn:aws:iam::111122223333:role/reader-${i}`);
    expect(() => buildSecretPolicy(userArn, many)).toThrow(UserInputError);
    expect(() => buildSecretPolicy(userArn, many)).toThrow(`over AWS's ${MAX_POLICY_CHARS}`);
  });

  it("takes from the readers tag only ARNs the operator's allowlist covers; the rest are ignored", () => {
    // Prepare
    const allowlist = ["arn:aws:iam::111122223333:role/*"];
    // Act / Assess
    expect(taggedReaders(` ${reader}  ${userArn} `, allowlist)).toEqual({
      allowed: [reader],
      ignored: [userArn],
    });
    expect(taggedReaders(undefined, allowlist)).toEqual({ allowed: [], ignored: [] });
    expect(taggedReaders(`${reader} arn:aws:s3:::bucket`, allowlist)).toEqual({
      allowed: [reader],
      ignored: ["arn:aws:s3:::bucket"],
    });
    expect(taggedReaders(reader, [])).toEqual({ allowed: [], ignored: [reader] });
  });

  it("matches allowlist patterns literally but for `*`: a dot or bracket in a pattern is no wildcard", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[\w+=,.@-]{1,20}$/), (name) => {
        const arn = `arn:aws:iam::111122223333:role/${name}`;
        expect(taggedReaders(arn, [arn]).allowed).toEqual([arn]);
        expect(taggedReaders(arn, [`arn:aws:iam::111122223333:role/[${name}]`]).allowed).toEqual([]);
        expect(taggedReaders(arn, [`arn:aws:iam::111122223333:role/${name}.+`]).allowed).toEqual([]);
        expect(taggedReaders(arn, ["arn:aws:iam::999999999999:role/*"]).allowed).toEqual([]);
      }),
    );
  });
});
