import { describe, expect, it } from "vitest";
import { adviseUser } from "../../../shared/advice/advise";
import { githubKind } from "../../../shared/destinations/kinds/github";
import { type Binding, bindingSchema } from "../../../shared/destinations/schema";
import {
  deliveryProblems,
  describeDestination,
  destinationId,
  destinationsOf,
} from "../../../shared/destinations/validate";
import { addDays } from "../../../shared/lifecycle";

const REPO = { type: "github", repository: "acme/app", tokenSecret: "keyrotor-tokens/github" };
const ORG = { type: "github", organization: "acme", tokenSecret: "keyrotor-tokens/github" };
const A = "111111111111";
const B = "222222222222";

const parse = (fields: Record<string, unknown>) => githubKind.schema.parse(fields);
const bind = (account: string, user: string, ...destinations: object[]): Binding =>
  bindingSchema.parse({ account, user, destinations });
const problems = (...bindings: Binding[]) => deliveryProblems(bindings, "keyrotor/").map((p) => p.message);

/** A place's label as it reads, its fields' text joined. */
const labels = (fields: Record<string, unknown>) =>
  githubKind
    .places(parse(fields))
    .map((p) =>
      p.label(p.fields.map((f) => f.parts.map((part) => (part.kind === "text" ? part.text : "")).join(""))),
    );

describe("GitHub destination's app: configuration", () => {
  it("takes app actions, dependabot or codespaces, Actions when left out, and refuses another, naming the field", () => {
    // Act
    const apps = ["actions", "dependabot", "codespaces"].map((app) => parse({ ...REPO, app }).app);
    const plain = parse(REPO);
    const other = githubKind.schema.safeParse({ ...REPO, app: "packages" });

    // Assess
    expect(apps).toEqual(["actions", "dependabot", "codespaces"]);
    expect(plain.app).toBeUndefined();
    expect(githubKind.problems(parse({ ...ORG, app: "dependabot" }), { secretPrefix: "keyrotor/" })).toEqual(
      [],
    );
    expect(other.success).toBe(false);
    expect(other.error?.issues.map((i) => i.path.join("."))).toEqual(["app"]);
  });

  it.each(["dependabot", "codespaces"])(
    "refuses an environment with app %s, naming both fields; Actions keeps its environments",
    (app) => {
      // Act
      const found = githubKind.problems(parse({ ...REPO, app, environment: "production" }), {
        secretPrefix: "keyrotor/",
      });
      const actions = githubKind.problems(parse({ ...REPO, app: "actions", environment: "production" }), {
        secretPrefix: "keyrotor/",
      });

      // Assess
      expect(found).toEqual([
        `github: environment goes with app actions only (${app} has no environment secrets)`,
      ]);
      expect(actions).toEqual([]);
    },
  );

  it("refuses an environment with a Dependabot destination through the configuration, at the destination", () => {
    // Act
    const found = deliveryProblems(
      [bind(A, "ci", { ...REPO, app: "dependabot", environment: "production" })],
      "keyrotor/",
    );

    // Assess
    expect(found).toEqual([
      {
        path: [0, "destinations", 0],
        message: "github: environment goes with app actions only (dependabot has no environment secrets)",
      },
    ]);
  });
});

describe("GitHub destination's app: identity and places", () => {
  it("keeps Actions' identity and label exactly as before, with app actions said or not", () => {
    // Act
    const ids = [REPO, { ...REPO, app: "actions" }].map((d) => destinationId(parse(d)));
    const org = destinationId(parse({ ...ORG, app: "actions" }));
    const env = destinationId(parse({ ...REPO, app: "actions", environment: "prod" }));
    const label = describeDestination(parse({ ...REPO, app: "actions" }));

    // Assess
    expect(ids).toEqual([
      "github:https://api.github.com:repo:acme/app",
      "github:https://api.github.com:repo:acme/app",
    ]);
    expect(org).toBe("github:https://api.github.com:org:acme");
    expect(env).toBe("github:https://api.github.com:repo:acme/app:env:prod");
    expect(label).toBe("GitHub Actions secrets of repository acme/app");
    expect(labels(REPO)).toEqual([
      "GitHub secret AWS_ACCESS_KEY_ID of repository acme/app",
      "GitHub secret AWS_SECRET_ACCESS_KEY of repository acme/app",
    ]);
  });

  it("names Dependabot's and Codespaces' secrets apart from Actions', in the identity, the label and the places", () => {
    // Act
    const ids = ["dependabot", "codespaces"].map((app) => destinationId(parse({ ...REPO, app })));
    const orgIds = ["dependabot", "codespaces"].map((app) => destinationId(parse({ ...ORG, app })));
    const described = [
      describeDestination(parse({ ...REPO, app: "dependabot" })),
      describeDestination(parse({ ...ORG, app: "codespaces", apiUrl: "https://ghe.example.com/api/v3" })),
    ];

    // Assess
    expect(ids).toEqual([
      "github:https://api.github.com:dependabot:repo:acme/app",
      "github:https://api.github.com:codespaces:repo:acme/app",
    ]);
    expect(orgIds).toEqual([
      "github:https://api.github.com:dependabot:org:acme",
      "github:https://api.github.com:codespaces:org:acme",
    ]);
    expect(described).toEqual([
      "GitHub Dependabot secrets of repository acme/app",
      "GitHub Codespaces secrets of organization acme at https://ghe.example.com/api/v3",
    ]);
    expect(labels({ ...ORG, app: "dependabot" })).toEqual([
      "GitHub Dependabot secret AWS_ACCESS_KEY_ID of organization acme",
      "GitHub Dependabot secret AWS_SECRET_ACCESS_KEY of organization acme",
    ]);
  });

  it("lets two users' keys go to an Actions and a Dependabot secret of one name, never to one app's", () => {
    // Act
    const apart = problems(
      bind(A, "ci", REPO),
      bind(B, "ci", { ...REPO, app: "dependabot" }),
      bind(B, "deploy", { ...REPO, app: "codespaces" }),
    );
    const shared = problems(
      bind(A, "ci", { ...REPO, app: "codespaces" }),
      bind(B, "ci", { ...REPO, repository: "Acme/App", app: "codespaces" }),
    );
    const actions = problems(bind(A, "ci", REPO), bind(B, "ci", { ...REPO, app: "actions" }));

    // Assess
    expect(apart).toEqual([]);
    expect(shared.join("\n")).toContain("GitHub Codespaces secret AWS_ACCESS_KEY_ID of repository");
    expect(actions.join("\n")).toContain("GitHub secret AWS_ACCESS_KEY_ID of repository acme/app");
  });

  it("binds one user's key to a repository's Actions, Dependabot and Codespaces secrets as three destinations", () => {
    // Prepare
    const binding = bind(
      A,
      "ci",
      REPO,
      { ...REPO, app: "dependabot" },
      { ...REPO, app: "codespaces" },
      { ...REPO, app: "actions" },
    );

    // Act
    const found = problems(binding);
    const bound = destinationsOf([binding], A, "ci");

    // Assess
    expect(found).toEqual(["writes where deliveries[0].destinations[0] already does"]);
    expect(bound.map((d) => d.label)).toEqual([
      "GitHub Actions secrets of repository acme/app",
      "GitHub Dependabot secrets of repository acme/app",
      "GitHub Codespaces secrets of repository acme/app",
    ]);
  });
});

describe("GitHub destination's app: advice", () => {
  const NOW = new Date("2026-06-01T12:00:00Z");
  const facts = (...destinations: object[]) => ({
    accountId: A,
    userName: "ci",
    keys: [
      {
        id: "AKIA1",
        status: "Active" as const,
        createdAt: addDays(NOW, -20),
        lastUsedAt: addDays(NOW, -1),
        lastUsedService: "s3",
        lastUsedRegion: "eu-west-1",
      },
    ],
    destinations: destinationsOf([bind(A, "ci", ...destinations)], A, "ci"),
    now: NOW,
  });

  it("offers an OIDC role for Actions only: Dependabot and Codespaces get no OIDC token", () => {
    // Act
    const actions = adviseUser(facts({ ...REPO, app: "actions" })).items.map((i) => i.kind);
    const others = [
      adviseUser(facts({ ...REPO, app: "dependabot" })).items.map((i) => i.kind),
      adviseUser(facts({ ...ORG, app: "codespaces" })).items.map((i) => i.kind),
      adviseUser(facts(REPO, { ...REPO, app: "dependabot" })).items.map((i) => i.kind),
    ];
    const why = adviseUser(facts(REPO, { ...REPO, app: "dependabot" })).items[0]?.why;

    // Assess
    expect(actions).toEqual(["oidc"]);
    expect(others).toEqual([["scoped-role"], ["scoped-role"], ["scoped-role"]]);
    expect(why).toContain("It is delivered to GitHub Dependabot secrets of repository acme/app besides CI");
  });
});
