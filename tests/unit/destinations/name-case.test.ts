import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../shared/config";
import { ConfigError } from "../../../shared/errors";

// A destination's two variable names must name two variables: where the provider tells names apart
// by case (Vault, Kubernetes, Bitbucket), `id` and `ID` are two; where it does not (GitHub, Azure
// DevOps), they are one, and refused.

const minimal = { senderEmail: "keyrotor@example.com", deliveryKmsKeyId: "alias/keyrotor-deliveries" };
const TOKEN = "keyrotor-tokens/ci";

/** The problems parseConfig names for `deliveries`, or "" when it accepts them. */
function problemsOf(deliveries: unknown[]): string {
  try {
    parseConfig({ ...minimal, deliveries });
    return "";
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.message;
  }
}
const bind = (...destinations: object[]) => ({ account: "111111111111", user: "ci", destinations });
const names = (accessKeyId: string, secretAccessKey: string) => ({ names: { accessKeyId, secretAccessKey } });

const KINDS = {
  vault: { type: "vault", apiUrl: "https://vault.example.com", path: "ci/app", tokenSecret: TOKEN },
  kubernetes: {
    type: "kubernetes",
    apiUrl: "https://k8s.example.com",
    namespace: "ci",
    name: "aws",
    tokenSecret: TOKEN,
  },
  bitbucket: { type: "bitbucket", workspace: "acme", repository: "app", tokenSecret: TOKEN },
  github: { type: "github", repository: "acme/app", tokenSecret: TOKEN },
  "azure-devops": {
    type: "azure-devops",
    organization: "acme",
    project: "App",
    group: "aws",
    tokenSecret: TOKEN,
  },
};

describe("a destination's two names differing only in case", () => {
  it.each(["vault", "kubernetes", "bitbucket"] as const)(
    "%s (names told apart by case): id and ID are accepted",
    (kind) => {
      // Act
      const problems = problemsOf([bind({ ...KINDS[kind], ...names("id", "ID") })]);

      // Assess
      expect(problems).toBe("");
    },
  );

  it.each(["vault", "kubernetes", "bitbucket"] as const)(
    "%s: one name for both halves is refused",
    (kind) => {
      // Act
      const problems = problemsOf([bind({ ...KINDS[kind], ...names("id", "id") })]);

      // Assess
      expect(problems).toContain(`${kind}: names.accessKeyId and names.secretAccessKey name one variable`);
    },
  );

  it.each(["github", "azure-devops"] as const)(
    "%s (names in any case): KEY_ID and key_id are refused as one variable",
    (kind) => {
      // Act
      const problems = problemsOf([bind({ ...KINDS[kind], ...names("KEY_ID", "key_id") })]);

      // Assess
      expect(problems).toContain(`${kind}: names.accessKeyId and names.secretAccessKey name one variable`);
    },
  );
});

describe("two destinations of one place, one's key id name the other's secret name in another case", () => {
  it("Bitbucket: two variables, accepted", () => {
    // Act
    const problems = problemsOf([
      bind(
        { ...KINDS.bitbucket, ...names("KEY", "SECRET") },
        { ...KINDS.bitbucket, ...names("OTHER", "key") },
      ),
    ]);

    // Assess
    expect(problems).toBe("");
  });

  it("GitHub: one variable, refused", () => {
    // Act
    const problems = problemsOf([
      bind({ ...KINDS.github, ...names("KEY", "SECRET") }, { ...KINDS.github, ...names("OTHER", "key") }),
    ]);

    // Assess
    expect(problems).toContain("where deliveries[0].destinations[0] writes the other half of the key");
  });
});
