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
