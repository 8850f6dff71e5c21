import { runSimulation, runUnsafeSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import { describe, expect, it } from "vitest";
import { oidcRole } from "../../../shared/advice/oidc-role";
import type { OidcRole, PolicyDocument, ServiceUse } from "../../../shared/advice/types";
import { bindingSchema } from "../../../shared/destinations/schema";
import { destinationsOf } from "../../../shared/destinations/validate";

// The generated trust policies, evaluated with the policy simulator: a provider's token for the
// destination's repository, project or workspace may assume the role; one for another may not.
//
// The simulator's checked entry point (runSimulation) keeps only the condition keys AWS's service
// reference lists for sts:AssumeRoleWithWebIdentity. That list has some provider claims (GitHub's
// `repository`, gitlab.com's `ref_protected`) but no `<provider>:sub` or `<provider>:aud` of a
// generic OIDC provider, so it would drop exactly the keys these policies rest on (the first test
// proves it). So runSimulation checks that each document is a policy it accepts, and
// runUnsafeSimulation, which evaluates whatever context it is given, decides the requests.

const ACCOUNT = "111122223333";
const ORG_ID = "6a1e2f4b-0c3d-4e5f-8a9b-0123456789ab";
const PROJECT_ID = "9f8e7d6c-5b4a-4321-8fed-cba987654321";
const OTHER_ID = "00000000-1111-4222-8333-444444444444";
const USES: ServiceUse[] = [
  { service: "s3", actionPrefix: "s3", regions: ["eu-west-1"], lastUsedAt: "2026-05-30T00:00:00.000Z" },
];

/** The role generated for `deploy-bot` with these destinations. */
function roleFor(...destinations: unknown[]): OidcRole {
  const binding = bindingSchema.parse({ account: ACCOUNT, user: "deploy-bot", destinations });
  return oidcRole({
    accountId: ACCOUNT,
    partition: "aws",
    userName: "deploy-bot",
    destinations: destinationsOf([binding], ACCOUNT, "deploy-bot"),
    uses: USES,
  });
}

/** The role with its `<PLACEHOLDERS>` filled as the operator would. */
function filled(role: OidcRole, values: Record<string, string>): OidcRole {
  let json = JSON.stringify(role);
  for (const [name, value] of Object.entries(values)) json = json.replaceAll(`<${name}>`, value);
  expect(json).not.toMatch(/<[A-Z_]+>/);
  return JSON.parse(json) as OidcRole;
}

const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/deploy-bot-oidc`;

function simulation(principal: string, action: string, resource: string, context: Record<string, string>) {
  return {
    request: { principal, action, resource: { resource, accountId: ACCOUNT }, contextVariables: context },
    identityPolicies: [],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  } satisfies Simulation;
}

/** Whether the simulator accepts the trust policy as a role's resource policy (no validation error). */
async function acceptedTrust(trust: PolicyDocument) {
  const sim = {
    ...simulation(`arn:aws:iam::${ACCOUNT}:root`, "sts:AssumeRole", ROLE_ARN, {}),
    resourcePolicy: trust,
  };
  return (await runSimulation(sim, {})).resultType;
}

/**
 * The verdict on AssumeRoleWithWebIdentity by the identity provider `provider` (its ARN's tail) with
 * a token carrying `claims` (claim → value; keys are prefixed with the provider as IAM does).
 */
function assume(role: OidcRole, provider: string, claims: Record<string, string>) {
  const context = Object.fromEntries(Object.entries(claims).map(([claim, v]) => [`${provider}:${claim}`, v]));
  const sim = simulation(
    `arn:aws:iam::${ACCOUNT}:oidc-provider/${provider}`,
    "sts:AssumeRoleWithWebIdentity",
    role.roleArn,
    context,
  );
  // The unchecked engine loads a resource policy without a name unless it comes already validated.
  const resourcePolicy = {
    __validated: true,
    policyDocument: role.trustPolicy,
    metadata: { name: "trust" },
    errors: [],
  };
  return runUnsafeSimulation({ ...sim, resourcePolicy }, {});
}

describe("the simulator and web-identity condition keys", () => {
  it("runSimulation drops <provider>:sub and :aud (not in AWS's list for the action): why requests are decided unchecked", async () => {
    // Prepare
    const role = roleFor({ type: "github", repository: "acme/app", tokenSecret: "keyrotor-tokens/github" });
    const sim = {
      ...simulation(
        `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`,
        "sts:AssumeRoleWithWebIdentity",
        ROLE_ARN,
        {
          "token.actions.githubusercontent.com:sub": "repo:acme/app:ref:refs/heads/main",
          "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        },
      ),
      resourcePolicy: role.trustPolicy,
    };

    // Act
    const result = await runSimulation(sim, {});

    // Assess
    if (result.resultType !== "single") throw new Error(`unexpected ${result.resultType}`);
    expect(result.result.ignoredContextKeys).toEqual([
      "token.actions.githubusercontent.com:sub",
      "token.actions.githubusercontent.com:aud",
    ]);
  });

  it("runSimulation refuses a malformed policy, so a document it accepts is a policy", async () => {
    // Act
    const verdict = await acceptedTrust({
      Version: "2012-10-17",
      Statement: [{ Action: "sts:AssumeRoleWithWebIdentity" } as never],
    });

    // Assess
    expect(verdict).toBe("error");
  });
});

describe("GitHub Actions", () => {
  const GH = "token.actions.githubusercontent.com";
  const token = (sub: string, aud = "sts.amazonaws.com") => ({ sub, aud });

  it("a repository's environment: that environment's jobs only", async () => {
    // Prepare
    const role = roleFor({
      type: "github",
      repository: "acme/app",
      environment: "prod",
      tokenSecret: "keyrotor-tokens/github",
    });

    // Act / Assess
    expect(await acceptedTrust(role.trustPolicy)).toBe("single");
    expect(assume(role, GH, token("repo:acme/app:environment:prod"))).toBe("Allowed");
    expect(assume(role, GH, token("repo:acme/app:environment:staging"))).toBe("ImplicitlyDenied");
    expect(assume(role, GH, token("repo:acme/app:ref:refs/heads/main"))).toBe("ImplicitlyDenied");
    expect(assume(role, GH, token("repo:acme/other:environment:prod"))).toBe("ImplicitlyDenied");
    expect(assume(role, GH, token("repo:acme/app:environment:prod", "https://github.com/acme"))).toBe(
      "ImplicitlyDenied",
    );
  });

  it("a repository: any of its workflows, no other repository, not even one whose name starts the same", async () => {
    // Prepare
    const role = roleFor({ type: "github", repository: "acme/app", tokenSecret: "keyrotor-tokens/github" });

    // Act / Assess
    expect(assume(role, GH, token("repo:acme/app:ref:refs/heads/feature"))).toBe("Allowed");
    expect(assume(role, GH, token("repo:acme/app:pull_request"))).toBe("Allowed");
    expect(assume(role, GH, token("repo:acme/app-fork:ref:refs/heads/main"))).toBe("ImplicitlyDenied");
    expect(assume(role, GH, token("repo:evil/app:ref:refs/heads/main"))).toBe("ImplicitlyDenied");
  });

  it("another identity provider's token with the same claims is refused", () => {
    // Prepare
    const role = roleFor({ type: "github", repository: "acme/app", tokenSecret: "keyrotor-tokens/github" });

    // Act / Assess
    expect(assume(role, "gitlab.com", token("repo:acme/app:ref:refs/heads/main"))).toBe("ImplicitlyDenied");
  });
});

describe("GitLab CI/CD", () => {
  const aud = "https://gitlab.com";

  it("a protected variable of a gitlab.com project: its pipelines on protected refs only", async () => {
    // Prepare
    const role = roleFor({ type: "gitlab", project: "acme/infra", tokenSecret: "keyrotor-tokens/gitlab" });
    const sub = "project_path:acme/infra:ref_type:branch:ref:main";

    // Act / Assess
    expect(await acceptedTrust(role.trustPolicy)).toBe("single");
    expect(assume(role, "gitlab.com", { sub, aud, ref_protected: "true" })).toBe("Allowed");
    expect(assume(role, "gitlab.com", { sub, aud, ref_protected: "false" })).toBe("ImplicitlyDenied");
    expect(
      assume(role, "gitlab.com", {
        sub: "project_path:acme/infra-copy:ref_type:branch:ref:main",
        aud,
        ref_protected: "true",
      }),
    ).toBe("ImplicitlyDenied");
    expect(assume(role, "gitlab.com", { sub, aud: "sts.amazonaws.com", ref_protected: "true" })).toBe(
      "ImplicitlyDenied",
    );
  });

  it("a group on a self-managed GitLab: its projects, on the protected branch the operator names", async () => {
    // Prepare
    const role = filled(
      roleFor({
        type: "gitlab",
        group: "platform",
        apiUrl: "https://git.acme.example/api/v4",
        tokenSecret: "keyrotor-tokens/gitlab",
      }),
      { PROTECTED_BRANCH: "main" },
    );
    const token = (sub: string) => ({ sub, aud: "https://git.acme.example" });

    // Act / Assess
    expect(role.providers[0]?.url).toBe("https://git.acme.example");
    expect(await acceptedTrust(role.trustPolicy)).toBe("single");
    expect(
      assume(role, "git.acme.example", token("project_path:platform/api:ref_type:branch:ref:main")),
    ).toBe("Allowed");
    expect(assume(role, "git.acme.example", token("project_path:platform/api:ref_type:branch:ref:dev"))).toBe(
      "ImplicitlyDenied",
    );
    expect(assume(role, "git.acme.example", token("project_path:other/api:ref_type:branch:ref:main"))).toBe(
      "ImplicitlyDenied",
    );
  });
});

describe("CircleCI", () => {
  const issuer = `oidc.circleci.com/org/${ORG_ID}`;
  const v2 = (project: string) =>
    `org/${ORG_ID}/project/${project}/user/1a2b3c4d-0000-4000-8000-000000000001/vcs-origin/github.com/acme/app/vcs-ref/refs/heads/main`;

  it("a gh/ slug: the operator fills the organization and project ids, then that project's jobs only", async () => {
    // Prepare
    const generated = roleFor({
      type: "circleci",
      project: "gh/acme/app",
      tokenSecret: "keyrotor-tokens/circleci",
    });
    const role = filled(generated, { CIRCLECI_ORGANIZATION_ID: ORG_ID, CIRCLECI_PROJECT_ID: PROJECT_ID });

    // Act / Assess
    expect(generated.placeholders.map((p) => p.name)).toEqual([
      "CIRCLECI_ORGANIZATION_ID",
      "CIRCLECI_PROJECT_ID",
    ]);
    expect(await acceptedTrust(role.trustPolicy)).toBe("single");
    expect(assume(role, issuer, { sub: v2(PROJECT_ID), aud: ORG_ID })).toBe("Allowed");
    expect(assume(role, issuer, { sub: `org/${ORG_ID}/project/${PROJECT_ID}/user/u1`, aud: ORG_ID })).toBe(
      "Allowed",
    );
    expect(assume(role, issuer, { sub: v2(OTHER_ID), aud: ORG_ID })).toBe("ImplicitlyDenied");
    expect(assume(role, issuer, { sub: v2(PROJECT_ID), aud: OTHER_ID })).toBe("ImplicitlyDenied");
  });

  it("a circleci/<org id>/<project id> slug needs no placeholder", () => {
    // Prepare
    const role = roleFor({
      type: "circleci",
      project: `circleci/${ORG_ID}/${PROJECT_ID}`,
      tokenSecret: "keyrotor-tokens/circleci",
    });

    // Act / Assess
    expect(role.placeholders).toEqual([]);
    expect(assume(role, issuer, { sub: v2(PROJECT_ID), aud: ORG_ID })).toBe("Allowed");
    expect(assume(role, issuer, { sub: v2(OTHER_ID), aud: ORG_ID })).toBe("ImplicitlyDenied");
  });
});

describe("Terraform Cloud", () => {
  const TFC = "app.terraform.io";
  const token = (sub: string, aud = "aws.workload.identity") => ({ sub, aud });

  it("a workspace: its plan and apply runs, in whatever project; no other workspace or organization", async () => {
    // Prepare
    const role = roleFor({
      type: "terraform-cloud",
      organization: "acme",
      workspace: "prod",
      tokenSecret: "keyrotor-tokens/tfc",
    });

    // Act / Assess
    expect(await acceptedTrust(role.trustPolicy)).toBe("single");
    for (const phase of ["plan", "apply"]) {
      expect(
        assume(
          role,
          TFC,
          token(`organization:acme:project:Default Project:workspace:prod:run_phase:${phase}`),
        ),
      ).toBe("Allowed");
    }
    expect(
      assume(role, TFC, token("organization:acme:project:Default Project:workspace:staging:run_phase:apply")),
    ).toBe("ImplicitlyDenied");
    expect(assume(role, TFC, token("organization:other:project:p:workspace:prod:run_phase:apply"))).toBe(
      "ImplicitlyDenied",
    );
    expect(
      assume(
        role,
        TFC,
        token("organization:acme:project:p:workspace:prod:run_phase:apply", "sts.amazonaws.com"),
      ),
    ).toBe("ImplicitlyDenied");
  });
});

describe("the permissions skeleton", () => {
  it("is a policy the simulator accepts: the last-used service in its region, nothing else", async () => {
    // Prepare
    const role = roleFor({ type: "github", repository: "acme/app", tokenSecret: "keyrotor-tokens/github" });
    const request = (action: string, resource: string, region: string) =>
      runSimulation(
        {
          ...simulation(role.roleArn, action, resource, { "aws:RequestedRegion": region }),
          identityPolicies: [{ name: "skeleton", policy: role.permissionsPolicy }],
        },
        {},
      );
    const verdict = async (action: string, resource: string, region: string) => {
      const result = await request(action, resource, region);
      if (result.resultType !== "single") throw new Error(JSON.stringify(result));
      return result.overallResult;
    };

    // Act / Assess
    expect(await verdict("s3:GetObject", "arn:aws:s3:::acme-artifacts/build.zip", "eu-west-1")).toBe(
      "Allowed",
    );
    expect(await verdict("s3:GetObject", "arn:aws:s3:::acme-artifacts/build.zip", "us-east-1")).toBe(
      "ImplicitlyDenied",
    );
    expect(
      await verdict(
        "ec2:TerminateInstances",
        `arn:aws:ec2:eu-west-1:${ACCOUNT}:instance/i-0123456789abcdef0`,
        "eu-west-1",
      ),
    ).toBe("ImplicitlyDenied");
  });
});
