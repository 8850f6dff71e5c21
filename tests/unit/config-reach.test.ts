import fc from "fast-check";
import { describe, expect, it } from "vitest";
import params from "../../infra/params.cjs";
import * as config from "../../shared/config";
import { configFromEnv, parseConfig } from "../../shared/config";
import { TOKEN_SECRET_PREFIX } from "../../shared/destinations/schema";
import { ConfigError } from "../../shared/errors";

// What a setting may reach: an API base URL carries no credential and no query into every label and
// request, and no secret prefix lets a member role's `secret:<prefix>*` reach the destinations' tokens.

const minimal = { senderEmail: "keyrotor@example.com" };
const TOKEN = "keyrotor-tokens/ci";
const CI = [
  { type: "github", repository: "acme/app", tokenSecret: TOKEN },
  { type: "gitlab", project: "acme/app", tokenSecret: TOKEN },
  { type: "circleci", project: "gh/acme/app", tokenSecret: TOKEN },
  { type: "terraform-cloud", organization: "acme", workspace: "prod", tokenSecret: TOKEN },
];
/** A configuration whose one destination is `destination`. */
const withDestination = (destination: object) => ({
  ...minimal,
  deliveryKmsKeyId: "alias/keyrotor-deliveries",
  deliveries: [{ account: "123456789012", user: "ci", destinations: [destination] }],
});
/** The problems parseConfig names, or [] when it accepts. */
const problemsOf = (input: unknown): string => {
  try {
    parseConfig(input);
    return "";
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.message;
  }
};

const part = fc.stringMatching(/^[a-z0-9]{1,8}$/);
const host = fc.array(part, { minLength: 1, maxLength: 3 }).map((labels) => `${labels.join(".")}.example`);
const path = fc.array(part, { maxLength: 3 }).map((segments) => segments.map((s) => `/${s}`).join(""));
/** Something a person pastes into a URL: a token, a password, a user name. */
const credential = fc.stringMatching(/^[A-Za-z0-9._~%!$&'()*+,;=-]{12,24}$/);

describe("apiUrl: no credential, query or fragment, https only", () => {
  it("refuses a URL with a user name or password in it, for every CI destination", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CI),
        credential,
        fc.option(credential, { nil: undefined }),
        host,
        path,
        (destination, user, password, at, rest) => {
          // Prepare
          const url = `https://${user}${password === undefined ? "" : `:${password}`}@${at}${rest}`;
          // Act
          const problems = problemsOf(withDestination({ ...destination, apiUrl: url }));
          // Assess
          expect(problems).toContain(
            "deliveries[0].destinations[0].apiUrl: must not hold a user name or password",
          );
          expect(problems).not.toContain(user);
        },
      ),
    );
  });

  it("refuses a query or a fragment, even an empty one", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CI),
        host,
        path,
        fc.constantFrom("?", "#"),
        fc.stringMatching(/^[A-Za-z0-9=&_-]{0,12}$/),
        (destination, at, rest, mark, tail) => {
          // Act
          const problems = problemsOf(
            withDestination({ ...destination, apiUrl: `https://${at}${rest}${mark}${tail}` }),
          );
          // Assess
          expect(problems).toContain(
            "deliveries[0].destinations[0].apiUrl: must not have a query (?) or a fragment (#)",
          );
        },
      ),
    );
  });

  it("accepts https URLs of a host and a path, and http only to this machine (the tests' local servers)", () => {
    fc.assert(
      fc.property(fc.constantFrom(...CI), host, path, (destination, at, rest) => {
        expect(problemsOf(withDestination({ ...destination, apiUrl: `https://${at}${rest}` }))).toBe("");
      }),
    );
    for (const url of ["http://127.0.0.1:8080", "http://localhost:1234/api/v4", "http://[::1]:99/api/v2"]) {
      expect(problemsOf(withDestination({ ...CI[0], apiUrl: url }))).toBe("");
    }
  });

  it.each([
    ["http://github.example.com/api/v3", "must be an https:// URL"],
    ["http://127.0.0.1.example.com/", "must be an https:// URL"],
    ["ftp://github.example.com", "must be an https:// URL"],
    ["https://github.example.com\\@evil.example/", "must not hold a user name or password"],
    ["https://@github.example.com", "must not hold a user name or password"],
    ["https://github.example.com/api v3", "must be an https:// URL of the provider's API"],
    ["https://github.example.com\\api", "must be an https:// URL of the provider's API"],
    ["https://", "must be an https:// URL of the provider's API"],
  ])("refuses %s: %s", (url, message) => {
    expect(problemsOf(withDestination({ ...CI[0], apiUrl: url }))).toContain(
      `deliveries[0].destinations[0].apiUrl: ${message}`,
    );
  });
});

/** Whether IAM's resource pattern `pattern` (`*` any run, `?` any one character) matches `name`. */
function iamMatches(pattern: string, name: string): boolean {
  const source = [...pattern]
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\/-]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`, "s").test(name);
}

const prefixChar = fc.constantFrom(..."keyrotorKEYROTOR-tokens/_+=.@*?ab1");
const tokenName = fc
  .stringMatching(/^[A-Za-z0-9/_+=.@-]{1,30}$/)
  .map((rest) => `${TOKEN_SECRET_PREFIX}${rest}`);

describe("secretPrefix: no member role reaches keyrotor-tokens/", () => {
  it("refuses every prefix of keyrotor-tokens/ and every name under it, whatever its case", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: TOKEN_SECRET_PREFIX.length }),
        fc.stringMatching(/^[A-Za-z0-9/_+=.@-]{0,10}$/),
        fc.boolean(),
        (length, more, upper) => {
          // Prepare: keyrotor-, k, keyrotor-tokens/, keyrotor-tokens/x/
          const head = TOKEN_SECRET_PREFIX.slice(0, length);
          const prefix = length === TOKEN_SECRET_PREFIX.length ? head + more : head;
          const given = upper ? prefix.toUpperCase() : prefix;
          // Act
          const problems = problemsOf({ ...minimal, secretPrefix: given });
          // Assess
          expect(problems).toContain(`secretPrefix: must not overlap ${TOKEN_SECRET_PREFIX}`);
        },
      ),
    );
  });

  it("accepts no prefix whose member-role policy (secret:<prefix>*) matches a token secret", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: prefixChar, minLength: 1, maxLength: 18 }),
        tokenName,
        (prefix, token) => {
          // Act
          const accepted = problemsOf({ ...minimal, secretPrefix: prefix }) === "";
          // Assess
          if (accepted) {
            expect(iamMatches(`${prefix}*`, token)).toBe(false);
            expect(iamMatches(`${prefix}*`, TOKEN_SECRET_PREFIX)).toBe(false);
          }
        },
      ),
    );
  });

  it("refuses * and ?, which IAM reads as wildcards in the role's policy", () => {
    for (const prefix of ["*", "keyrotor*/", "k?yrotor/", "app/*"]) {
      expect(problemsOf({ ...minimal, secretPrefix: prefix })).toContain("secretPrefix: may hold only");
    }
  });

  it("keeps the prefixes keyrotor and its examples use", () => {
    for (const prefix of ["keyrotor/", "rotated/", "keyrotor-keys/", "keyrotor-tokens-archive/", "k/"]) {
      expect(problemsOf({ ...minimal, secretPrefix: prefix })).toBe("");
    }
  });

  it("is refused the same way by the functions (KEYROTOR_SECRET_PREFIX) and at package time", () => {
    // Act
    const env = () =>
      configFromEnv({ KEYROTOR_SENDER_EMAIL: "k@example.com", KEYROTOR_SECRET_PREFIX: "keyrotor-" });
    const packaged = params.paramProblems({
      cli: {
        senderEmail: "a@example.com",
        organizationId: "o-abc123def4",
        deploymentTargets: "r-ab12",
        deliveries: "[]",
        secretPrefix: "keyrotor-",
      },
      config,
    });
    // Assess
    expect(env).toThrow(`secretPrefix: must not overlap ${TOKEN_SECRET_PREFIX}`);
    expect(packaged).toEqual([
      expect.stringMatching(/^secretPrefix="keyrotor-": must not overlap keyrotor-tokens\//),
    ]);
  });
});
