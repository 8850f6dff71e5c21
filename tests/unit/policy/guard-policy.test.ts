import fc from "fast-check";
import { describe, expect, it } from "vitest";
import guardPolicy from "../../../infra/guard-policy.cjs";
import { buildSecretPolicy } from "../../../shared/rotation";
import { administratorAccess, decision, MANAGEMENT, MEMBER, type NamedPolicy, ORG } from "./simulate";
import { identityOf, memberStack, resolverOf } from "./templates";

// The optional guard policy (--param="guardPolicy=true"), evaluated as an SCP at the organization's
// root with an IAM policy simulator: what an administrator of a member account can no longer do to
// keyrotor's secrets, the SSM parameters it delivers keys to, user tags and member role, and what
// keyrotor itself still can.

const OPERATOR = "arn:aws:iam::*:role/OperatorAdmin";
const { Resources } = await guardPolicy(
  resolverOf({
    guardPolicy: "true",
    guardExemptPrincipals: OPERATOR,
    deploymentTargets: "r-ab12",
    organizationId: ORG,
  }),
);
const scp: NamedPolicy = {
  name: "keyrotor-guard",
  policy: (Resources.GuardPolicy as { Properties: { Content: unknown } }).Properties.Content,
};

const SECRET = `arn:aws:secretsmanager:eu-west-1:${MEMBER}:secret:keyrotor/alice-AbCdEf`;
const OTHER_SECRET = `arn:aws:secretsmanager:eu-west-1:${MEMBER}:secret:payments/db-password-AbCdEf`;
const PARAMETER = `arn:aws:ssm:eu-west-1:${MEMBER}:parameter/keyrotor/ci/alice/AWS_SECRET_ACCESS_KEY`;
const OTHER_PARAMETER = `arn:aws:ssm:eu-west-1:${MEMBER}:parameter/payments/db-password`;
const ALICE = `arn:aws:iam::${MEMBER}:user/alice`;
const ADMIN = `arn:aws:iam::${MEMBER}:role/AWSReservedSSO_AdministratorAccess_0123456789abcdef`;
const MEMBER_ROLE = `arn:aws:iam::${MEMBER}:role/keyrotor-member`;
const MEMBER_ROLE_ARN_OF_OTHER_ROLE = `arn:aws:iam::${MEMBER}:role/deployer`;
const ROTATOR = `arn:aws:iam::${MANAGEMENT}:role/keyrotor-prod-us-east-1-rotator`;
const REPORTER = `arn:aws:iam::${MANAGEMENT}:role/keyrotor-prod-us-east-1-reporter`;
const memberIdentity = identityOf(
  memberStack({
    accountId: MEMBER,
    parameters: { RotatorRoleArn: ROTATOR, ReporterRoleArn: REPORTER, OrganizationId: ORG },
  }).MemberRole,
);

/** What each secret write needs in its request for the member role's own policy to allow it. */
const memberContext: Record<string, Record<string, string | string[]>> = {
  "secretsmanager:CreateSecret": {
    "aws:RequestTag/keyrotor:user": "alice",
    "aws:TagKeys": ["keyrotor:user"],
  },
  "secretsmanager:TagResource": { "aws:TagKeys": ["keyrotor:pending-since"] },
  "secretsmanager:PutResourcePolicy": { "secretsmanager:BlockPublicPolicy": "true" },
};

/** Every way to change a secret's policy, value, tags, encryption, replication, rotation or existence. */
const SECRET_WRITES = [
  "secretsmanager:CreateSecret",
  "secretsmanager:PutResourcePolicy",
  "secretsmanager:DeleteResourcePolicy",
  "secretsmanager:PutSecretValue",
  "secretsmanager:UpdateSecret",
  "secretsmanager:UpdateSecretVersionStage",
  "secretsmanager:TagResource",
  "secretsmanager:UntagResource",
  "secretsmanager:DeleteSecret",
  "secretsmanager:RestoreSecret",
  "secretsmanager:ReplicateSecretToRegions",
  "secretsmanager:RemoveRegionsFromReplication",
  "secretsmanager:StopReplicationToReplica",
  "secretsmanager:RotateSecret",
  "secretsmanager:CancelRotateSecret",
];

/** Every way to change a parameter's value, labels, tags or sharing, or delete it. */
const PARAMETER_WRITES = [
  "ssm:PutParameter",
  "ssm:DeleteParameter",
  "ssm:DeleteParameters",
  "ssm:LabelParameterVersion",
  "ssm:UnlabelParameterVersion",
  "ssm:AddTagsToResource",
  "ssm:RemoveTagsFromResource",
  "ssm:PutResourcePolicy",
  "ssm:DeleteResourcePolicy",
];

/** Every way to change, replace or hand out a role. */
const ROLE_WRITES = [
  "iam:CreateRole",
  "iam:DeleteRole",
  "iam:UpdateRole",
  "iam:UpdateRoleDescription",
  "iam:UpdateAssumeRolePolicy",
  "iam:PutRolePolicy",
  "iam:DeleteRolePolicy",
  "iam:AttachRolePolicy",
  "iam:DetachRolePolicy",
  "iam:PutRolePermissionsBoundary",
  "iam:DeleteRolePermissionsBoundary",
  "iam:TagRole",
  "iam:UntagRole",
  "iam:PassRole",
];

const asAdmin = (action: string, resource: string, context: Record<string, string | string[]> = {}) =>
  decision(ADMIN, action, resource, { identity: [administratorAccess], scps: [scp], context });

describe("the guard policy, for an administrator of a member account (AdministratorAccess)", () => {
  it("denies every change to a keyrotor secret: policy, value, tags, encryption, replication, rotation, deletion", async () => {
    for (const action of SECRET_WRITES) {
      expect(await asAdmin(action, SECRET), action).toBe("ExplicitlyDenied");
    }
  });

  it("leaves every other secret alone", async () => {
    for (const action of SECRET_WRITES) {
      expect(await asAdmin(action, OTHER_SECRET), action).toBe("Allowed");
    }
  });

  it("denies writing, relabelling, tagging, sharing or deleting a parameter under /<secretPrefix>, and no other parameter", async () => {
    for (const action of PARAMETER_WRITES) {
      expect(await asAdmin(action, PARAMETER), action).toBe("ExplicitlyDenied");
      expect(await asAdmin(action, OTHER_PARAMETER), action).toBe("Allowed");
    }
  });

  it("still lets it read a parameter keyrotor delivered to its own account (SSM has no policy that could refuse it)", async () => {
    expect(await asAdmin("ssm:GetParameter", PARAMETER)).toBe("Allowed");
  });

  it("denies setting, changing or removing keyrotor's user tags, and no other tag", async () => {
    const tags = (action: string, keys: string[]) => asAdmin(action, ALICE, { "aws:TagKeys": keys });
    expect(await tags("iam:TagUser", ["keyrotor:readers"])).toBe("ExplicitlyDenied");
    expect(await tags("iam:TagUser", ["team", "keyrotor:owner"])).toBe("ExplicitlyDenied");
    expect(await tags("iam:UntagUser", ["keyrotor:exempt"])).toBe("ExplicitlyDenied");
    expect(await tags("iam:CreateUser", ["keyrotor:readers"])).toBe("ExplicitlyDenied");
    expect(await tags("iam:TagUser", ["team"])).toBe("Allowed");
    expect(await tags("iam:UntagUser", ["team"])).toBe("Allowed");
  });

  it("denies taking over the member role (trust, policies, boundary, deletion, re-creation), not other roles", async () => {
    for (const action of ROLE_WRITES) {
      expect(await asAdmin(action, MEMBER_ROLE), action).toBe("ExplicitlyDenied");
      expect(await asAdmin(action, MEMBER_ROLE_ARN_OF_OTHER_ROLE), action).toBe("Allowed");
    }
  });

  it("so cannot grant itself the key: its policy write is denied and the secret's policy refuses its read", async () => {
    const secretPolicy = JSON.parse(buildSecretPolicy(ALICE, []));
    const read = await decision(ADMIN, "secretsmanager:GetSecretValue", SECRET, {
      identity: [administratorAccess],
      scps: [scp],
      resourcePolicy: secretPolicy,
    });
    expect(await asAdmin("secretsmanager:PutResourcePolicy", SECRET)).toBe("ExplicitlyDenied");
    expect(await asAdmin("secretsmanager:DeleteResourcePolicy", SECRET)).toBe("ExplicitlyDenied");
    expect(read).toBe("ExplicitlyDenied");
  });
});

describe("the guard policy, for keyrotor", () => {
  const asMember = (action: string, resource: string, resourcePolicy?: unknown) =>
    decision(MEMBER_ROLE, action, resource, {
      identity: memberIdentity,
      scps: [scp],
      context: memberContext[action] ?? {},
      resourcePolicy,
    });

  it("still lets the member role make every write its own policy allows", async () => {
    for (const action of [
      "secretsmanager:CreateSecret",
      "secretsmanager:PutResourcePolicy",
      "secretsmanager:PutSecretValue",
      "secretsmanager:TagResource",
      "secretsmanager:RestoreSecret",
      "secretsmanager:ReplicateSecretToRegions",
      "secretsmanager:RemoveRegionsFromReplication",
    ]) {
      expect(await asMember(action, SECRET), action).toBe("Allowed");
    }
  });

  it("still lets the member role write the parameters it delivers keys to, and still not read them", async () => {
    expect(await asMember("ssm:PutParameter", PARAMETER)).toBe("Allowed");
    expect(await asMember("ssm:GetParameter", PARAMETER)).toBe("ExplicitlyDenied");
  });

  it("still denies the member role reading, even where the secret's resource policy allows it", async () => {
    const grantingIt = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { AWS: MEMBER_ROLE },
          Action: "secretsmanager:GetSecretValue",
          Resource: "*",
        },
      ],
    };
    expect(await asMember("secretsmanager:GetSecretValue", SECRET, grantingIt)).toBe("ExplicitlyDenied");
  });

  it("exempts the configured principals, and the StackSet's execution role from the member role's protection", async () => {
    const operator = `arn:aws:iam::${MEMBER}:role/OperatorAdmin`;
    const asOperator = (action: string, resource: string) =>
      decision(operator, action, resource, { identity: [administratorAccess], scps: [scp] });
    expect(await asOperator("secretsmanager:PutResourcePolicy", SECRET)).toBe("Allowed");
    expect(await asOperator("ssm:DeleteParameter", PARAMETER)).toBe("Allowed");
    expect(await asOperator("iam:UpdateAssumeRolePolicy", MEMBER_ROLE)).toBe("Allowed");
    const stackSets = `arn:aws:iam::${MEMBER}:role/stacksets-exec-0123456789abcdef`;
    const asStackSets = (action: string) =>
      decision(stackSets, action, MEMBER_ROLE, { identity: [administratorAccess], scps: [scp] });
    expect(await asStackSets("iam:PutRolePolicy")).toBe("Allowed");
    expect(await asStackSets("iam:CreateRole")).toBe("Allowed");
    const secretWrite = await decision(stackSets, "secretsmanager:PutResourcePolicy", SECRET, {
      identity: [administratorAccess],
      scps: [scp],
    });
    expect(secretWrite).toBe("ExplicitlyDenied");
  });

  it("still lets keyrotor's rotator assume the member role from a delegated administrator account it governs", async () => {
    const delegatedRotator = `arn:aws:iam::${MEMBER}:role/keyrotor-prod-us-east-1-rotator`;
    const assume = await decision(delegatedRotator, "sts:AssumeRole", MEMBER_ROLE, {
      identity: [administratorAccess],
      scps: [scp],
    });
    expect(assume).toBe("Allowed");
  });

  it("fits the 5,120 characters AWS allows an SCP, with a few exempt principals", async () => {
    const many = await guardPolicy(
      resolverOf({
        guardPolicy: "true",
        guardExemptPrincipals: Array.from({ length: 5 }, (_, i) => `arn:aws:iam::*:role/Admin${i}-*`).join(
          ",",
        ),
        deploymentTargets: "r-ab12",
        organizationId: ORG,
      }),
    );
    const content = (many.Resources.GuardPolicy as { Properties: { Content: unknown } }).Properties.Content;
    expect(JSON.stringify(content).length).toBeLessThanOrEqual(5120);
  });

  it("is not created unless asked", async () => {
    expect(await guardPolicy(resolverOf({ deploymentTargets: "r-ab12", organizationId: ORG }))).toEqual({
      Resources: {},
    });
  });
});

describe("the guard policy's exemptions cannot be self-made or taken over", () => {
  const SSO_ADMINS = "arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_KeyrotorOperator_*";
  const exempting = async (patterns: string[]): Promise<NamedPolicy> => {
    const { Resources: r } = await guardPolicy(
      resolverOf({
        guardPolicy: "true",
        guardExemptPrincipals: patterns.join(","),
        deploymentTargets: "r-ab12",
        organizationId: ORG,
      }),
    );
    return {
      name: "keyrotor-guard",
      policy: (r.GuardPolicy as { Properties: { Content: unknown } }).Properties.Content,
    };
  };
  /** Every name the guard exempts, with a role of that name an administrator might make in a member account. */
  const EXEMPT_NAMES = [
    { pattern: guardPolicy.STACKSET_EXECUTION_ROLE, role: `arn:aws:iam::${MEMBER}:role/stacksets-exec-mine` },
    { pattern: OPERATOR, role: `arn:aws:iam::${MEMBER}:role/OperatorAdmin` },
    {
      pattern: SSO_ADMINS,
      role: `arn:aws:iam::${MEMBER}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_KeyrotorOperator_0a1b`,
    },
  ];
  /** What makes, changes, hands out or becomes a role. */
  const TAKEOVERS = [
    "iam:CreateRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:PutRolePolicy",
    "iam:AttachRolePolicy",
    "iam:DeleteRolePermissionsBoundary",
    "iam:TagRole",
    "iam:DeleteRole",
    "iam:PassRole",
    "sts:AssumeRole",
  ];

  it.each(EXEMPT_NAMES)(
    "an administrator can neither make nor become a role exempt as $pattern",
    async ({ role }) => {
      // Prepare
      const guard = await exempting([OPERATOR, SSO_ADMINS]);

      // Act
      const verdicts = await Promise.all(
        TAKEOVERS.map(async (action) => [
          action,
          await decision(ADMIN, action, role, { identity: [administratorAccess], scps: [guard] }),
        ]),
      );

      // Assess: IAM itself refuses every change to a role under /aws-reserved/ (Identity Center's); what
      // the guard adds there is sts:AssumeRole, which IAM leaves to the role's trust.
      const refusal = (action: string) =>
        role.includes(":role/aws-reserved/") && action !== "sts:AssumeRole"
          ? "ImplicitlyDenied"
          : "ExplicitlyDenied";
      expect(Object.fromEntries(verdicts)).toEqual(
        Object.fromEntries(TAKEOVERS.map((action) => [action, refusal(action)])),
      );
    },
  );

  it.each(EXEMPT_NAMES)("an exempt principal may still use a role exempt as $pattern", async ({ role }) => {
    const guard = await exempting([OPERATOR, SSO_ADMINS]);
    const byOperator = await decision(`arn:aws:iam::${MEMBER}:role/OperatorAdmin`, "sts:AssumeRole", role, {
      identity: [administratorAccess],
      scps: [guard],
    });
    expect(byOperator).toBe("Allowed");
  });

  it("keeps keyrotor's reader and event-forwarding roles as it keeps the member role", async () => {
    for (const name of ["keyrotor-member-reader", "keyrotor-member-events", "keyrotor-member-health"]) {
      for (const action of [
        "iam:CreateRole",
        "iam:UpdateAssumeRolePolicy",
        "iam:AttachRolePolicy",
        "iam:PassRole",
      ]) {
        expect(await asAdmin(action, `arn:aws:iam::${MEMBER}:role/${name}`), `${action} ${name}`).toBe(
          "ExplicitlyDenied",
        );
      }
    }
  });

  it("keeps the exposed-key forwarding rule: an administrator can neither change, retarget, disable nor re-create it, only look", async () => {
    // Prepare
    const rule = `arn:aws:events:us-east-1:${MEMBER}:rule/keyrotor-member-health`;
    const stackSets = `arn:aws:iam::${MEMBER}:role/stacksets-exec-0123456789abcdef`;

    // Act / Assess
    for (const action of [
      "events:PutRule",
      "events:DeleteRule",
      "events:DisableRule",
      "events:PutTargets",
      "events:RemoveTargets",
      "events:TagResource",
    ]) {
      expect(await asAdmin(action, rule), action).toBe("ExplicitlyDenied");
      const byStackSets = await decision(stackSets, action, rule, {
        identity: [administratorAccess],
        scps: [scp],
      });
      expect(byStackSets, action).toBe("Allowed");
      expect(await asAdmin(action, `arn:aws:events:us-east-1:${MEMBER}:rule/team-rule`), action).toBe(
        "Allowed",
      );
    }
    expect(await asAdmin("events:DescribeRule", rule)).toBe("Allowed");
    expect(await asAdmin("events:ListTargetsByRule", rule)).toBe("Allowed");
  });

  it("with an exempt Identity Center role, keeps Identity Center's SAML provider, which signs that role's sessions", async () => {
    const provider = `arn:aws:iam::${MEMBER}:saml-provider/AWSSSO_0123456789abcdef_DO_NOT_DELETE`;
    const guard = await exempting([SSO_ADMINS]);
    for (const action of ["iam:UpdateSAMLProvider", "iam:DeleteSAMLProvider", "iam:CreateSAMLProvider"]) {
      expect(
        await decision(ADMIN, action, provider, { identity: [administratorAccess], scps: [guard] }),
        action,
      ).toBe("ExplicitlyDenied");
    }
    const other = `arn:aws:iam::${MEMBER}:saml-provider/Okta`;
    expect(
      await decision(ADMIN, "iam:UpdateSAMLProvider", other, {
        identity: [administratorAccess],
        scps: [guard],
      }),
    ).toBe("Allowed");
  });

  it("holds for any exempt role pattern an operator may name", async () => {
    // A pattern: a literal start, then letters, digits, "/", "-", "_", maybe a "*"; a role made to match
    // it. Not one that exempts the administrator asking (then it is the operator's own, and may).
    const part = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_/-]{0,12}$/);
    const adminName = ADMIN.split(":role/")[1] ?? "";
    await fc.assert(
      fc.asyncProperty(part, fc.boolean(), part, async (head, wildcard, tail) => {
        fc.pre(wildcard ? !adminName.startsWith(head) : adminName !== head);
        const pattern = `arn:aws:iam::*:role/${head}${wildcard ? "*" : ""}`;
        const role = `arn:aws:iam::${MEMBER}:role/${head}${wildcard ? tail : ""}`;
        const guard = await exempting([pattern]);
        for (const action of [
          "iam:CreateRole",
          "iam:UpdateAssumeRolePolicy",
          "sts:AssumeRole",
          "iam:PassRole",
        ]) {
          const verdict = await decision(ADMIN, action, role, {
            identity: [administratorAccess],
            scps: [guard],
          });
          expect(verdict, `${action} ${role} exempt as ${pattern}`).toBe("ExplicitlyDenied");
        }
      }),
      { numRuns: 40 },
    );
  });

  it("refuses exemptions an administrator could always make: users, every role, any principal", async () => {
    for (const pattern of [
      "arn:aws:iam::*:user/break-glass",
      "arn:aws:iam::*:role/*",
      "arn:aws:iam::*:*",
      "*",
      "arn:aws:sts::*:assumed-role/OperatorAdmin/*",
    ]) {
      await expect(exempting([pattern]), pattern).rejects.toThrow(
        `guardExemptPrincipals: ${pattern}: each must be a role ARN pattern`,
      );
    }
  });
});
