import { readFileSync } from "node:fs";
import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import managementMemberRole from "../../infra/management-member-role.cjs";
import { buildSecretPolicy } from "../../shared/rotation";

// Policies evaluated with an IAM policy simulator (DESIGN §7): who can read a secret, who can assume
// the member role. moto enforces neither, so this is where the promises of DESIGN §3.5 are proven.

const MEMBER = "111122223333";
const MANAGEMENT = "123456789012";
const ORG = "o-abc1234567";
const SECRET = `arn:aws:secretsmanager:us-east-1:${MEMBER}:secret:keyrotor/alice-AbCdEf`;
const ALICE = `arn:aws:iam::${MEMBER}:user/alice`;
const READER = `arn:aws:iam::${MEMBER}:role/app`;
const CROSS_ACCOUNT_READER = `arn:aws:iam::444455556666:role/ci`;
const MEMBER_ROLE = `arn:aws:iam::${MEMBER}:role/keyrotor-member`;
const ROTATOR = `arn:aws:iam::${MANAGEMENT}:role/keyrotor-prod-RotatorRole-1A2B3C`;

const allowAll = (action: string) => ({
  name: "admin",
  policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: action, Resource: "*" }] },
});

/** infra/member-role.yml with its parameters bound and its Fn::Sub strings resolved for one account. */
const memberTemplate = yaml.load(readFileSync("infra/member-role.yml", "utf8"), {
  schema: managementMemberRole.schema,
}) as {
  Resources: { MemberRole: unknown };
};
function resolved(node: unknown): unknown {
  const bound = managementMemberRole.bind(node, {
    RotatorRoleArn: ROTATOR,
    OrganizationId: ORG,
    MemberRoleName: "keyrotor-member",
    SecretPrefix: "keyrotor/",
  });
  return JSON.parse(
    JSON.stringify(bound).replace(/\{"Fn::Sub":"([^"]*)"\}/g, (_, text: string) =>
      JSON.stringify(text.replaceAll("${AWS::Partition}", "aws").replaceAll("${AWS::AccountId}", MEMBER)),
    ),
  );
}
const memberRole = resolved(memberTemplate.Resources.MemberRole) as {
  Properties: {
    AssumeRolePolicyDocument: unknown;
    Policies: { PolicyName: string; PolicyDocument: unknown }[];
  };
};
const memberIdentityPolicies = memberRole.Properties.Policies.map((p) => ({
  name: p.PolicyName,
  policy: p.PolicyDocument,
}));

async function decision(
  principal: string,
  action: string,
  resource: string,
  options: {
    identity?: Simulation["identityPolicies"];
    resourcePolicy?: unknown;
    context?: Record<string, string>;
  } = {},
) {
  const accountId = resource.split(":")[4] ?? "";
  const result = await runSimulation(
    {
      request: {
        principal,
        action,
        resource: { resource, accountId },
        contextVariables: {
          "aws:PrincipalArn": principal,
          "aws:PrincipalAccount": principal.split(":")[4] ?? "",
          ...options.context,
        },
      },
      identityPolicies: options.identity ?? [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(options.resourcePolicy ? { resourcePolicy: options.resourcePolicy } : {}),
    },
    {},
  );
  if (result.resultType === "error") throw new Error(JSON.stringify(result.errors));
  return result.overallResult;
}

describe("the secret's resource policy (DESIGN §3.5)", () => {
  const resourcePolicy = JSON.parse(buildSecretPolicy(ALICE, [READER, CROSS_ACCOUNT_READER]));
  const read = (principal: string, identity: Simulation["identityPolicies"] = []) =>
    decision(principal, "secretsmanager:GetSecretValue", SECRET, { identity, resourcePolicy });

  it("lets the user itself and its configured readers read the key", async () => {
    expect(await read(ALICE)).toBe("Allowed");
    expect(await read(READER)).toBe("Allowed");
    expect(await read(CROSS_ACCOUNT_READER, [allowAll("secretsmanager:GetSecretValue")])).toBe("Allowed");
  });

  it("denies an administrator of the same account whose own policy allows secretsmanager:*", async () => {
    expect(await read(`arn:aws:iam::${MEMBER}:role/Admin`, [allowAll("secretsmanager:*")])).toBe(
      "ExplicitlyDenied",
    );
    expect(await read(`arn:aws:iam::${MEMBER}:user/bob`, [allowAll("*")])).toBe("ExplicitlyDenied");
  });

  it("denies other accounts, even with their own allow", async () => {
    expect(await read("arn:aws:iam::999988887777:role/Attacker", [allowAll("secretsmanager:*")])).not.toBe(
      "Allowed",
    );
  });

  it("denies the member role reading, but lets it write the next key", async () => {
    expect(await read(MEMBER_ROLE, memberIdentityPolicies)).toBe("ExplicitlyDenied");
    const write = await decision(MEMBER_ROLE, "secretsmanager:PutSecretValue", SECRET, {
      identity: memberIdentityPolicies,
      resourcePolicy,
    });
    expect(write).toBe("Allowed");
  });
});

describe("the member role's own permissions", () => {
  const act = (action: string, resource: string) =>
    decision(MEMBER_ROLE, action, resource, { identity: memberIdentityPolicies });

  it("writes secrets under the prefix only, and reads none", async () => {
    expect(await act("secretsmanager:CreateSecret", SECRET)).toBe("Allowed");
    const other = `arn:aws:secretsmanager:us-east-1:${MEMBER}:secret:payments/db-password-AbCdEf`;
    expect(await act("secretsmanager:PutSecretValue", other)).toBe("ImplicitlyDenied");
    expect(await act("secretsmanager:GetSecretValue", other)).toBe("ImplicitlyDenied");
  });

  it("rotates access keys of the account's users", async () => {
    const user = `arn:aws:iam::${MEMBER}:user/alice`;
    expect(await act("iam:CreateAccessKey", user)).toBe("Allowed");
    expect(await act("iam:DeleteAccessKey", user)).toBe("Allowed");
    expect(await act("iam:CreateUser", user)).toBe("ImplicitlyDenied");
  });
});

describe("the member role's trust policy", () => {
  const trust = memberRole.Properties.AssumeRolePolicyDocument;
  // The rotator's identity statement, as serverless.yml declares it (asserted in tests/infra).
  const rotatorIdentity = [
    {
      name: "rotator",
      policy: {
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Action: "sts:AssumeRole", Resource: "arn:aws:iam::*:role/keyrotor-member" },
        ],
      },
    },
  ];
  const assume = (principal: string, identity: Simulation["identityPolicies"], orgId = ORG) =>
    decision(principal, "sts:AssumeRole", MEMBER_ROLE, {
      identity,
      resourcePolicy: trust,
      context: { "aws:PrincipalOrgID": orgId },
    });

  it("lets keyrotor's rotator role assume it from inside the organization", async () => {
    expect(await assume(ROTATOR, rotatorIdentity)).toBe("Allowed");
  });

  it("refuses the rotator role from another organization", async () => {
    expect(await assume(ROTATOR, rotatorIdentity, "o-zzz9999999")).not.toBe("Allowed");
  });

  it("refuses every other principal, administrators of the organization included", async () => {
    expect(await assume(`arn:aws:iam::${MANAGEMENT}:role/Admin`, [allowAll("*")])).not.toBe("Allowed");
    expect(await assume(`arn:aws:iam::${MEMBER}:role/Admin`, [allowAll("*")])).not.toBe("Allowed");
    expect(await assume(MEMBER_ROLE, memberIdentityPolicies)).not.toBe("Allowed");
  });
});
