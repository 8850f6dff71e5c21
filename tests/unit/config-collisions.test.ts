import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../shared/config";
import type { Binding, Destination } from "../../shared/destinations/schema";
import { DEFAULT_VARIABLE_NAMES } from "../../shared/destinations/types";
import { ConfigError } from "../../shared/errors";
import { wildcardMatches } from "../../shared/wildcard";

// Two users' keys never go to one place: the configuration is refused when any two users, in any
// accounts, could write the same SSM parameter, central copy or CI variable (a binding matching several
// users included), or one user's key id and secret the same one.

const minimal = { senderEmail: "keyrotor@example.com", deliveryKmsKeyId: "alias/keyrotor-deliveries" };
const A = "111111111111";
const B = "222222222222";
const SHARED = "999999999999";
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
const bind = (account: string, user: string, ...destinations: object[]) => ({ account, user, destinations });
const github = (extra: object = {}) => ({
  type: "github",
  repository: "acme/app",
  tokenSecret: TOKEN,
  ...extra,
});
const ssm = (path: string, extra: object = {}) => ({ type: "ssm", path, ...extra });
const copy = (name: string, extra: object = {}) => ({
  type: "secrets-manager",
  name,
  account: SHARED,
  ...extra,
});

describe("deliveries: two users' keys in one place are refused, naming both bindings and the place", () => {
  it.each([
    [
      "two accounts' users, one SSM parameter in a shared account",
      [
        bind(A, "ci", ssm("/keyrotor/ci", { account: SHARED })),
        bind(B, "ci", ssm("/keyrotor/ci", { account: SHARED })),
      ],
      `deliveries[1].destinations[0]: could write SSM parameter /keyrotor/ci/AWS_ACCESS_KEY_ID in account ${SHARED}, which deliveries[0].destinations[0] writes for another user`,
    ],
    [
      "two accounts' users, one central copy",
      [bind(A, "ci", copy("keyrotor/central/ci")), bind(B, "ci", copy("keyrotor/central/ci"))],
      `deliveries[1].destinations[0]: could write Secrets Manager secret keyrotor/central/ci in account ${SHARED}, which deliveries[0].destinations[0] writes for another user`,
    ],
    [
      "a trailing / the writer drops",
      [
        bind(A, "ci", ssm("/keyrotor/ci/", { account: SHARED })),
        bind(B, "ci", ssm("/keyrotor/ci", { account: SHARED })),
      ],
      "deliveries[1].destinations[0]: could write SSM parameter /keyrotor/ci/AWS_ACCESS_KEY_ID",
    ],
    [
      "the default region and that region named",
      [
        bind(A, "ci", ssm("/keyrotor/ci", { account: SHARED })),
        bind(B, "ci", ssm("/keyrotor/ci", { account: SHARED, region: "eu-west-1" })),
      ],
      "deliveries[1].destinations[0]: could write SSM parameter /keyrotor/ci/AWS_ACCESS_KEY_ID",
    ],
    [
      "a name derived from the user that another user's name spells",
      [bind("*", "*", ssm("/keyrotor/a-{userName}")), bind("*", "*", ssm("/keyrotor/{userName}"))],
      "deliveries[1].destinations[0]: could write SSM parameter /keyrotor/a-",
    ],
    [
      "a literal place and a user whose name is that place",
      [bind(A, "bob", ssm("/keyrotor/ci")), bind(A, "*", ssm("/keyrotor/{userName}"))],
      "deliveries[1].destinations[0]: could write SSM parameter /keyrotor/ci/AWS_ACCESS_KEY_ID in account 111111111111, which deliveries[0].destinations[0] writes for another user",
    ],
    [
      "a central copy named for another account's users",
      [
        bind("*", "svc", copy("keyrotor/central/{accountId}/svc")),
        bind(B, "*", copy("keyrotor/central/111111111111/{userName}")),
      ],
      `deliveries[1].destinations[0]: could write Secrets Manager secret keyrotor/central/111111111111/svc in account ${SHARED}, which deliveries[0].destinations[0] writes for another user`,
    ],
    [
      "GitHub secret names differing in case only (GitHub upper-cases them)",
      [
        bind(A, "ci", github()),
        bind(
          B,
          "ci",
          github({ names: { accessKeyId: "aws_access_key_id", secretAccessKey: "aws_secret_access_key" } }),
        ),
      ],
      "deliveries[1].destinations[0]: could write GitHub secret AWS_ACCESS_KEY_ID of repository acme/app, which deliveries[0].destinations[0] writes for another user",
    ],
    [
      "a GitHub repository spelt in another case, behind a trailing /",
      [
        bind(A, "ci", github()),
        bind(B, "ci", github({ repository: "Acme/App", apiUrl: "https://api.github.com/" })),
      ],
      "deliveries[1].destinations[0]: could write GitHub secret AWS_ACCESS_KEY_ID of repository Acme/App",
    ],
    [
      "one GitLab project, scope and key",
      [
        bind(A, "ci", { type: "gitlab", project: "acme/app", environmentScope: "prod", tokenSecret: TOKEN }),
        bind(B, "ci", {
          type: "gitlab",
          project: "acme/app",
          environmentScope: "prod",
          tokenSecret: TOKEN,
          apiUrl: "https://GitLab.com/api/v4/",
        }),
      ],
      "deliveries[1].destinations[0]: could write GitLab variable AWS_ACCESS_KEY_ID (scope prod) of project acme/app",
    ],
    [
      "one CircleCI context and variable",
      [
        bind(A, "ci", {
          type: "circleci",
          context: "5a8d1c6e-0f1e-4c5a-9a55-3b6c2f0d9e21",
          tokenSecret: TOKEN,
        }),
        bind(B, "deploy", {
          type: "circleci",
          context: "5a8d1c6e-0f1e-4c5a-9a55-3b6c2f0d9e21",
          tokenSecret: TOKEN,
        }),
      ],
      "deliveries[1].destinations[0]: could write CircleCI variable AWS_ACCESS_KEY_ID of context 5a8d1c6e-0f1e-4c5a-9a55-3b6c2f0d9e21",
    ],
    [
      "one Terraform Cloud workspace, category and key",
      [
        bind(A, "tf", {
          type: "terraform-cloud",
          organization: "acme",
          workspace: "prod",
          tokenSecret: TOKEN,
        }),
        bind(B, "tf", {
          type: "terraform-cloud",
          organization: "acme",
          workspace: "prod",
          tokenSecret: TOKEN,
        }),
      ],
      "deliveries[1].destinations[0]: could write Terraform Cloud env variable AWS_ACCESS_KEY_ID of workspace acme/prod",
    ],
    [
      "one user's key id where another destination puts its secret",
      [
        bind(A, "ci", ssm("/keyrotor/ci")),
        bind(
          A,
          "ci",
          ssm("/keyrotor/ci/", { names: { accessKeyId: "AWS_SECRET_ACCESS_KEY", secretAccessKey: "OTHER" } }),
        ),
      ],
      "deliveries[1].destinations[0]: could write SSM parameter /keyrotor/ci/AWS_SECRET_ACCESS_KEY in account 111111111111, where deliveries[0].destinations[0] writes the other half of the key",
    ],
    [
      "one destination's two names alike",
      [bind(A, "ci", github({ names: { accessKeyId: "AWS_KEY", secretAccessKey: "aws_key" } }))],
      "deliveries[0].destinations[0]: github: names.accessKeyId and names.secretAccessKey name one variable",
    ],
    [
      "a binding matching several users, one literal place",
      [bind(A, "app-*", ssm("/keyrotor/app"))],
      "deliveries[0].destinations[0]: ssm: user app-* may match several users: the path or name must say {userName}",
    ],
  ])("%s", (_, deliveries, message) => {
    expect(problemsOf(deliveries)).toContain(message);
  });

  it.each([
    [
      "the README's examples",
      [
        bind(A, "ci-deploy", github(), {
          type: "gitlab",
          project: "acme/app",
          environmentScope: "production",
          tokenSecret: TOKEN,
        }),
        bind("*", "app-*", ssm("/keyrotor/ci/{userName}")),
        bind("*", "svc-*", copy("keyrotor/central/{accountId}/{userName}")),
      ],
    ],
    [
      "one user in two bindings writing one place",
      [bind(A, "ci", ssm("/keyrotor/ci")), bind(A, "*", ssm("/keyrotor/{userName}"))],
    ],
    [
      "overlapping patterns of one template",
      [bind("*", "app-*", ssm("/keyrotor/{userName}")), bind(A, "app-x*", ssm("/keyrotor/{userName}"))],
    ],
    [
      "a shared account's parameters by account and user",
      [
        bind("*", "*", ssm("/keyrotor/all/{accountId}/{userName}", { account: SHARED })),
        bind(A, "*", ssm("/keyrotor/all/111111111111/{userName}", { account: SHARED })),
      ],
    ],
    [
      "two regions named",
      [
        bind(A, "ci", ssm("/keyrotor/ci", { account: SHARED, region: "eu-west-1" })),
        bind(B, "ci", ssm("/keyrotor/ci", { account: SHARED, region: "us-east-1" })),
      ],
    ],
    [
      "a repository's secrets and its environment's",
      [bind(A, "ci", github()), bind(B, "ci", github({ environment: "prod" }))],
    ],
    [
      "a repository's Actions, Dependabot and Codespaces secrets",
      [
        bind(A, "ci", github()),
        bind(B, "ci", github({ app: "dependabot" })),
        bind(A, "deploy", github({ app: "codespaces" })),
      ],
    ],
    [
      "GitLab scopes apart",
      [
        bind(A, "ci", { type: "gitlab", project: "acme/app", environmentScope: "prod", tokenSecret: TOKEN }),
        bind(B, "ci", {
          type: "gitlab",
          project: "acme/app",
          environmentScope: "staging",
          tokenSecret: TOKEN,
        }),
      ],
    ],
    [
      "Terraform's two categories",
      [
        bind(A, "tf", {
          type: "terraform-cloud",
          organization: "acme",
          workspace: "prod",
          tokenSecret: TOKEN,
        }),
        bind(B, "tf", {
          type: "terraform-cloud",
          organization: "acme",
          workspace: "prod",
          category: "terraform",
          tokenSecret: TOKEN,
        }),
      ],
    ],
    [
      "two users, other names",
      [
        bind(A, "ci", github()),
        bind(B, "ci", github({ names: { accessKeyId: "B_KEY_ID", secretAccessKey: "B_SECRET" } })),
      ],
    ],
    [
      "a user name and the account id apart",
      [
        bind("*", "*", ssm("/keyrotor/{accountId}-{userName}")),
        bind("*", "*", ssm("/keyrotor/{userName}/x")),
      ],
    ],
  ])("accepts %s", (_, deliveries) => {
    expect(problemsOf(deliveries)).toBe("");
  });

  it("checks a large configuration quickly (every pair of destinations)", () => {
    // Prepare: 150 bindings, each its own places
    const many = Array.from({ length: 150 }, (_, i) =>
      bind(
        "*",
        `app${i}-*`,
        ssm(`/keyrotor/{accountId}/app${i}-{userName}`),
        copy(`keyrotor/c/{accountId}/app${i}/{userName}`),
      ),
    );
    // Act
    const started = performance.now();
    const problems = problemsOf(many);
    // Assess
    expect(problems).toBe("");
    expect(performance.now() - started).toBeLessThan(3000);
  });
});

// The property: a brute-force model of what each destination's writer writes, for a universe of users.

const ACCOUNTS = [A, B, "333333333333"];
/** Every name of `length` characters of a, b, x and -. */
const namesOf = (length: number): string[] =>
  length === 0 ? [""] : namesOf(length - 1).flatMap((n) => ["a", "b", "x", "-"].map((c) => n + c));
/** Every name of up to three of a, b, x and -, and names the patterns below spell. */
const USERS = [...namesOf(1), ...namesOf(2), ...namesOf(3), "ci", "cib", "app-1", "app-b", "a-a-b"];
/** The regions a destination without one may land in: keyrotor's own, whichever it runs in. */
const HOME_REGIONS = ["eu-west-1", "us-east-1"];

const host = (url: string) => {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, "")}`.toLowerCase();
};

/** Every value one destination writes for one user: where (as the provider tells places apart), and which. */
function writes(d: Destination, accountId: string, userName: string): { place: string; half: string }[] {
  if ((d.type === "ssm" || d.type === "secrets-manager") && d.region === undefined) {
    return HOME_REGIONS.flatMap((region) => writes({ ...d, region }, accountId, userName));
  }
  const fill = (s: string) => s.replaceAll("{accountId}", accountId).replaceAll("{userName}", userName);
  const names = ("names" in d && d.names) || DEFAULT_VARIABLE_NAMES;
  const both = (where: string, fold: (n: string) => string) => [
    { place: `${where}|${fold(names.accessKeyId)}`, half: "id" },
    { place: `${where}|${fold(names.secretAccessKey)}`, half: "secret" },
  ];
  const lower = (n: string) => n.toLowerCase();
  switch (d.type) {
    case "ssm":
      return both(
        `ssm|${d.account ?? accountId}|${d.region}|${fill(d.path).replace(/\/+$/, "")}`,
        (n) => `/${n}`,
      );
    case "secrets-manager":
      return [{ place: `sm|${d.account}|${d.region}|${lower(fill(d.name))}`, half: "both" }];
    case "github": {
      const scope = d.organization ? `org:${d.organization}` : `repo:${d.repository}:${d.environment ?? ""}`;
      return both(`github|${host(d.apiUrl)}|${d.app ?? "actions"}|${lower(scope)}`, (n) => n.toUpperCase());
    }
    case "gitlab":
      return both(
        `gitlab|${host(d.apiUrl)}|${lower(d.project ? `p:${d.project}` : `g:${d.group}`)}|${d.environmentScope}`,
        lower,
      );
    case "circleci":
      return both(
        `circleci|${host(d.apiUrl)}|${lower(d.project ? `p:${d.project}` : `c:${d.context}`)}`,
        lower,
      );
    case "terraform-cloud":
      return both(`tfc|${host(d.apiUrl)}|${lower(`${d.organization}/${d.workspace}`)}|${d.category}`, lower);
    // Data keys and KV fields are compared as they are spelt.
    case "kubernetes":
      return both(`k8s|${host(d.apiUrl)}|${d.namespace}/${d.name}`, (n) => n);
    case "vault":
      return both(`vault|${host(d.apiUrl)}|${d.namespace ?? ""}|${d.mount}/${d.path}`, (n) => n);
    // Bitbucket tells variable names apart by case.
    case "bitbucket":
      return both(
        `bitbucket|${host(d.apiUrl)}|${lower(`${d.workspace}/${d.repository}`)}|${lower(d.environment ?? "")}`,
        (n) => n,
      );
    case "azure-devops":
      return both(
        `azure-devops|${host(d.apiUrl)}|${lower(`${d.organization}/${d.project}`)}|${lower(d.group)}`,
        lower,
      );
    // A receiver files the whole key by the account and user its body names.
    case "webhook":
      return [{ place: `webhook|${host(d.url)}|${accountId}/${lower(userName)}`, half: "both" }];
  }
}

/** The destinations (by path) that the model finds writing where another user's key, or half, goes. */
function modelCollisions(bindings: readonly Binding[]): Set<string> {
  const byPlace = new Map<string, { who: string; at: string }[]>();
  bindings.forEach((b, i) => {
    b.destinations.forEach((d, j) => {
      for (const accountId of ACCOUNTS) {
        if (b.account !== "*" && b.account !== accountId) continue;
        for (const userName of USERS.filter((u) => wildcardMatches(b.user, u))) {
          for (const w of writes(d, accountId, userName)) {
            const list = byPlace.get(w.place) ?? [];
            list.push({
              who: `${accountId}/${userName}/${w.half}`,
              at: `deliveries[${i}].destinations[${j}]`,
            });
            byPlace.set(w.place, list);
          }
        }
      }
    });
  });
  // Each pair of writes of one place by different users (or halves) is named at the later destination.
  const later = new Set<string>();
  for (const list of byPlace.values()) {
    for (const [n, first] of list.entries()) {
      for (const second of list.slice(n + 1)) {
        if (first.who !== second.who) later.add([first.at, second.at].sort(byPath).at(-1) ?? first.at);
      }
    }
  }
  return later;
}

const byPath = (x: string, y: string) => {
  const key = (p: string) => (p.match(/\d+/g) ?? []).map(Number);
  const [a, b] = [key(x), key(y)];
  return (a[0] ?? 0) - (b[0] ?? 0) || (a[1] ?? 0) - (b[1] ?? 0);
};

const pattern = fc.constantFrom("a", "b", "ab", "a*", "*", "*b", "a-*", "*-b", "ci", "app-*", "*a*");
const template = fc.constantFrom(
  "{userName}",
  "a{userName}",
  "a-{userName}",
  "{userName}-b",
  "{userName}b",
  "{accountId}/{userName}",
  "{userName}/{accountId}",
  "{accountId}",
  "x",
  "a",
  "ab",
  "a-b",
);
const region = fc.constantFrom(undefined, "eu-west-1", "us-east-1");
const names = fc.constantFrom(
  undefined,
  { accessKeyId: "X", secretAccessKey: "Y" },
  { accessKeyId: "Y", secretAccessKey: "X" },
  { accessKeyId: "AWS_ACCESS_KEY_ID", secretAccessKey: "AWS_SECRET_ACCESS_KEY" },
  { accessKeyId: "aws_secret_access_key", secretAccessKey: "Z" },
);
const literal = fc.constantFrom(A, B);
const user = fc.constantFrom("a", "b", "ci", "ab");
const clean = <T extends object>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

const awsBinding = fc.record({
  account: fc.constantFrom(A, B, "*"),
  user: pattern,
  destinations: fc.array(
    fc.oneof(
      fc.record({ t: template, account: fc.constantFrom(undefined, SHARED, A), region, names }).map((s) =>
        clean({
          type: "ssm",
          path: `/keyrotor/${s.t}`,
          account: s.account,
          region: s.region,
          names: s.names,
        }),
      ),
      fc
        .record({ t: template, account: fc.constantFrom(SHARED, A), region, dir: fc.constantFrom("c", "C") })
        .map((s) =>
          clean({
            type: "secrets-manager",
            name: `keyrotor/${s.dir}/${s.t}`,
            account: s.account,
            region: s.region,
          }),
        ),
      fc
        .record({
          url: fc.constantFrom("https://hooks.example.com/k", "https://HOOKS.example.com/k/"),
          names,
        })
        .map((s) => clean({ type: "webhook", url: s.url, tokenSecret: TOKEN, names: s.names })),
    ),
    { minLength: 1, maxLength: 2 },
  ),
});

const ciBinding = fc.record({
  account: literal,
  user,
  destinations: fc.array(
    fc.oneof(
      fc
        .record({
          repository: fc.constantFrom("acme/app", "Acme/App", "acme/web"),
          environment: fc.constantFrom(undefined, "prod"),
          app: fc.constantFrom(undefined, "actions", "dependabot", "codespaces"),
          names,
          apiUrl: fc.constantFrom(undefined, "https://api.github.com/", "https://API.github.com"),
        })
        .map((g) => clean({ type: "github", tokenSecret: TOKEN, ...g })),
      fc
        .record({
          project: fc.constantFrom("acme/app", "ACME/app"),
          environmentScope: fc.constantFrom(undefined, "prod"),
          names,
        })
        .map((g) => clean({ type: "gitlab", tokenSecret: TOKEN, ...g })),
      fc
        .record({ project: fc.constantFrom("gh/acme/app", "gh/acme/web"), names })
        .map((g) => clean({ type: "circleci", tokenSecret: TOKEN, ...g })),
      fc
        .record({
          workspace: fc.constantFrom("prod", "Prod"),
          category: fc.constantFrom(undefined, "terraform"),
          names,
        })
        .map((g) => clean({ type: "terraform-cloud", organization: "acme", tokenSecret: TOKEN, ...g })),
      fc
        .record({
          workspace: fc.constantFrom("acme", "ACME"),
          environment: fc.constantFrom(undefined, "Prod", "prod"),
          names,
        })
        .map((g) => clean({ type: "bitbucket", repository: "app", tokenSecret: TOKEN, ...g })),
      fc
        .record({
          project: fc.constantFrom("Platform", "platform"),
          group: fc.constantFrom("aws", "AWS"),
          names,
        })
        .map((g) => clean({ type: "azure-devops", organization: "acme", tokenSecret: TOKEN, ...g })),
    ),
    { minLength: 1, maxLength: 2 },
  ),
});

describe("deliveries: the refusal is complete (a model of every writer, over a universe of users)", () => {
  it("refuses every configuration in which two users, or one user's two halves, could share a place", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(awsBinding, ciBinding), { minLength: 1, maxLength: 4 }), (bindings) => {
        // Prepare: the model's verdict, over the defaults the schema fills in
        let config: ReturnType<typeof parseConfig> | undefined;
        let problems = "";
        try {
          config = parseConfig({ ...minimal, deliveries: bindings });
        } catch (error) {
          problems = (error as Error).message;
        }
        const filled = config?.deliveries ?? parseDefaults(bindings);
        const expected = modelCollisions(filled);
        // Assess: a problem at every destination the model finds sharing a place with an earlier one
        for (const at of expected) expect(problems, at).toContain(`${at}: `);
        if (config) expect(expected.size).toBe(0);
      }),
      { numRuns: 400 },
    );
  });
});

/** The bindings with the schema's defaults filled in, even when the configuration is refused. */
function parseDefaults(bindings: readonly object[]): Binding[] {
  return (bindings as Binding[]).map((b) => ({
    ...b,
    destinations: b.destinations.map((d) => {
      const apiUrl: Record<string, string> = {
        github: "https://api.github.com",
        gitlab: "https://gitlab.com/api/v4",
        circleci: "https://circleci.com/api/v2",
        "terraform-cloud": "https://app.terraform.io/api/v2",
        bitbucket: "https://api.bitbucket.org/2.0",
        "azure-devops": "https://dev.azure.com",
      };
      const defaults =
        d.type === "gitlab"
          ? { environmentScope: "*" }
          : d.type === "terraform-cloud"
            ? { category: "env" }
            : d.type === "secrets-manager"
              ? { readers: [] }
              : {};
      return { ...(apiUrl[d.type] ? { apiUrl: apiUrl[d.type] } : {}), ...defaults, ...d } as Destination;
    }),
  }));
}
