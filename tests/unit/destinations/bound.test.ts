import { describe, expect, it } from "vitest";
import { bindingSchema } from "../../../shared/destinations/schema";
import { destinationsOf } from "../../../shared/destinations/validate";

const ACCOUNT = "111122223333";
const REPO = { type: "github", repository: "acme/app", tokenSecret: "keyrotor-tokens/github" };
const PARAMS = { type: "ssm", path: "/keyrotor/ci" };
const PROD = { accessKeyId: "PROD_KEY_ID", secretAccessKey: "PROD_SECRET" };

/** The destinations `deploy-bot` is bound to when each entry is one binding of its account. */
const boundFor = (...destinations: unknown[][]) =>
  destinationsOf(
    destinations.map((ds) => bindingSchema.parse({ account: ACCOUNT, user: "deploy-bot", destinations: ds })),
    ACCOUNT,
    "deploy-bot",
  );

describe("the destinations a user is bound to", () => {
  it.each([
    ["a GitHub repository", REPO],
    ["SSM parameters", PARAMS],
  ])("keeps %s bound twice under different variable names as two destinations", (_, place) => {
    // Act
    const bound = boundFor([place], [{ ...place, names: PROD }]);

    // Assess: each is delivered, confirmed and told apart on its own
    expect(bound).toHaveLength(2);
    expect(new Set(bound.map((b) => b.id)).size).toBe(2);
    expect(new Set(bound.map((b) => b.label)).size).toBe(2);
    expect(bound[1]?.label).toContain("PROD_KEY_ID");
  });

  it("keeps one destination bound twice alike, by the same names given or not", () => {
    // Act
    const twice = boundFor(
      [REPO],
      [{ ...REPO, names: { accessKeyId: "AWS_ACCESS_KEY_ID", secretAccessKey: "AWS_SECRET_ACCESS_KEY" } }],
    );

    // Assess
    expect(twice).toHaveLength(1);
  });

  it("names a destination with the usual variable names as before, so what the ledger confirmed still counts", () => {
    // Act
    const [github, ssm] = boundFor([REPO, PARAMS]);

    // Assess
    expect(github?.id).toBe("github:https://api.github.com:repo:acme/app");
    expect(ssm?.id).toBe(`ssm:${ACCOUNT}:-:/keyrotor/ci`);
  });
});
