import { describe, expect, it } from "vitest";
import { buildSecretPolicy } from "../../shared/rotation";
import {
  administratorAccess,
  allowAll,
  decision,
  MANAGEMENT,
  MEMBER,
  type NamedPolicy,
  ORG,
} from "./policy/simulate";
import {
  evaluate,
  identityOf,
  type Json,
  managementAttributes,
  memberStack,
  serverlessResources,
} from "./policy/templates";

// Policies evaluated with an IAM policy simulator: who can read a secret, what the member role may do,
// who can assume it. moto enforces none of this, so this is where those promises are proven. The
// policies are the deployed ones: infra/member-role.yml and serverless.yml, resolved for one account.

const SECRET = `arn:aws:secretsmanager:us-east-1:${MEMBER}:secret:keyrotor/alice-AbCdEf`;
const OTHER_SECRET = `arn:aws:secretsmanager:us-east-1:${MEMBER}:secret:payments/db-password-AbCdEf`;
const ALICE = `arn:aws:iam::${MEMBER}:user/alice`;
const READER = `arn:aws:iam::${MEMBER}:role/app`;
const CROSS_ACCOUNT_READER = `arn:aws:iam::444455556666:role/ci`;
const MEMBER_ROLE = `arn:aws:iam::${MEMBER}:role/keyrotor-member`;

const management = serverlessResources({
  senderEmail: "keyrotor@example.com",
  organizationId: ORG,
  deploymentTargets: "r-ab12",
});
const attributes = managementAttributes(management, MANAGEMENT);
const ROTATOR = attributes["RotatorRole.Arn"] as string;
const rotatorIdentity = identityOf(evaluate(management.RotatorRole, { accountId: MANAGEMENT, attributes }));
const REPORTER = attributes["ReporterRole.Arn"] as string;
const reporterIdentity = identityOf(evaluate(management.ReporterRole, { accountId: MANAGEMENT, attributes }));
const DELIVERY_KEY = attributes["DeliveryKey.Arn"] as string;
const deliveryKeyPolicy = evaluate(management.DeliveryKey, { accountId: MANAGEMENT, attributes }).Properties
  .KeyPolicy;

const member = memberStack({
  accountId: MEMBER,
  parameters: { RotatorRoleArn: ROTATOR, ReporterRoleArn: REPORTER, OrganizationId: ORG },
});
const memberIdentity: NamedPolicy[] = identityOf(member.MemberRole);

/** A request of the member role, under its own policies only. */
const asMember = (action: string, resource: string, context: Record<string, string | string[]> = {}) =>
  decision(MEMBER_ROLE, action, resource, { identity: memberIdentity, context });

describe("the secret's resource policy", () => {
  const resourcePolicy = JSON.parse(buildSecretPolicy(ALICE, [READER, CROSS_ACCOUNT_READER]));
  const read = (principal: string, identity: NamedPolicy[] = [], orgId?: string | null) =>
    decision(principal, "secretsmanager:GetSecretValue", SECRET, {
      identity,
      resourcePolicy,
      ...(orgId === undefined ? {} : { orgId }),
    });

  it("lets the user itself and its configured readers read the key", async () => {
    expect(await read(ALICE)).toBe("Allowed");
    expect(await read(READER)).toBe("Allowed");
    expect(await read(CROSS_ACCOUNT_READER, [allowAll("secretsmanager:GetSecretValue")])).toBe("Allowed");
  });

  it("denies an administrator of the same account whose own policy allows secretsmanager:*", async () => {
    expect(await read(`arn:aws:iam::${MEMBER}:role/Admin`, [allowAll("secretsmanager:*")])).toBe(
      "ExplicitlyDenied",
    );
    expect(await read(`arn:aws:iam::${MEMBER}:user/bob`, [administratorAccess])).toBe("ExplicitlyDenied");
  });

  it("denies other accounts, even with their own allow", async () => {
    expect(
      await read("arn:aws:iam::999988887777:role/Attacker", [allowAll("secretsmanager:*")], null),
    ).not.toBe("Allowed");
  });

  it("denies the member role reading, but lets it write the next key", async () => {
    expect(await read(MEMBER_ROLE, memberIdentity)).toBe("ExplicitlyDenied");
    const write = await decision(MEMBER_ROLE, "secretsmanager:PutSecretValue", SECRET, {
      identity: memberIdentity,
      resourcePolicy,
    });
    expect(write).toBe("Allowed");
  });
});

describe("the member role's own permissions", () => {
  it("never reads a secret value, even where a resource policy grants it that", async () => {
    // Prepare: the policy the member role could write on its own secret, and one on another secret.
    const grantingItself = {
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

    // Act
    const own = await decision(MEMBER_ROLE, "secretsmanager:GetSecretValue", SECRET, {
      identity: memberIdentity,
      resourcePolicy: grantingItself,
    });
    const other = await decision(MEMBER_ROLE, "secretsmanager:GetSecretValue", OTHER_SECRET, {
      identity: memberIdentity,
      resourcePolicy: grantingItself,
    });
    const batch = await asMember("secretsmanager:BatchGetSecretValue", "*");

    // Assess
    expect(own).toBe("ExplicitlyDenied");
    expect(other).toBe("ExplicitlyDenied");
    expect(batch).toBe("ExplicitlyDenied");
  });

  it("keeps its secrets under the prefix (describe, policy, value, restore, replicas) and touches no other", async () => {
    for (const action of [
      "secretsmanager:DescribeSecret",
      "secretsmanager:GetResourcePolicy",
      "secretsmanager:PutSecretValue",
      "secretsmanager:RestoreSecret",
      "secretsmanager:ReplicateSecretToRegions",
      "secretsmanager:RemoveRegionsFromReplication",
    ]) {
      expect(await asMember(action, SECRET), action).toBe("Allowed");
      expect(await asMember(action, OTHER_SECRET), action).toBe("ImplicitlyDenied");
    }
  });

  it("creates a secret only under the prefix and tagged with its user", async () => {
    const tagged = { "aws:RequestTag/keyrotor:user": "alice", "aws:TagKeys": ["keyrotor:user"] };
    expect(await asMember("secretsmanager:CreateSecret", SECRET, tagged)).toBe("Allowed");
    expect(await asMember("secretsmanager:CreateSecret", SECRET)).toBe("ImplicitlyDenied");
    expect(await asMember("secretsmanager:CreateSecret", OTHER_SECRET, tagged)).toBe("ImplicitlyDenied");
  });

  it("sets keyrotor's own tags only", async () => {
    const tagging = (keys: string[]) =>
      asMember("secretsmanager:TagResource", SECRET, { "aws:TagKeys": keys });
    expect(await tagging(["keyrotor:pending-since"])).toBe("Allowed");
    expect(await tagging(["keyrotor:key-id", "keyrotor:pending-since"])).toBe("Allowed");
    expect(await tagging(["keyrotor:key-id", "owner"])).toBe("ImplicitlyDenied");
    expect(await asMember("secretsmanager:UntagResource", SECRET, { "aws:TagKeys": ["keyrotor:user"] })).toBe(
      "ImplicitlyDenied",
    );
  });

  it("puts a resource policy only with BlockPublicPolicy, and never deletes one", async () => {
    const put = (block?: string) =>
      asMember(
        "secretsmanager:PutResourcePolicy",
        SECRET,
        block === undefined ? {} : { "secretsmanager:BlockPublicPolicy": block },
      );
    expect(await put("true")).toBe("Allowed");
    expect(await put("false")).toBe("ImplicitlyDenied");
    expect(await put()).toBe("ImplicitlyDenied");
    expect(await asMember("secretsmanager:DeleteResourcePolicy", SECRET)).toBe("ImplicitlyDenied");
  });

  it("cannot update, delete or re-key a secret", async () => {
    for (const action of [
      "secretsmanager:UpdateSecret",
      "secretsmanager:DeleteSecret",
      "secretsmanager:UpdateSecretVersionStage",
      "secretsmanager:RotateSecret",
    ]) {
      expect(await asMember(action, SECRET), action).toBe("ImplicitlyDenied");
    }
  });

  it("rotates access keys of the account's users, and reads what discovery needs only", async () => {
    const user = `arn:aws:iam::${MEMBER}:user/alice`;
    expect(await asMember("iam:CreateAccessKey", user)).toBe("Allowed");
    expect(await asMember("iam:DeleteAccessKey", user)).toBe("Allowed");
    expect(await asMember("iam:GetCredentialReport", "*")).toBe("Allowed");
    expect(await asMember("iam:CreateUser", user)).toBe("ImplicitlyDenied");
    expect(await asMember("iam:GetAccountAuthorizationDetails", "*")).toBe("Allowed");
    expect(await asMember("iam:ListGroupsForUser", user)).toBe("ImplicitlyDenied");
    expect(await asMember("iam:ListUserTags", user)).toBe("ImplicitlyDenied");
  });
});

describe("the member role's trust policy", () => {
  const trust = member.MemberRole.Properties.AssumeRolePolicyDocument;
  const assume = (principal: string, identity: NamedPolicy[], orgId: string | null = ORG) =>
    decision(principal, "sts:AssumeRole", MEMBER_ROLE, { identity, resourcePolicy: trust, orgId });

  it("lets keyrotor's rotator role (its policy as serverless.yml declares it) assume it from inside the organization", async () => {
    expect(await assume(ROTATOR, rotatorIdentity)).toBe("Allowed");
  });

  it("refuses keyrotor's reporter role: the weekly digest reads through the reader role, and rotates nothing", async () => {
    expect(await assume(REPORTER, [allowAll("sts:AssumeRole")])).not.toBe("Allowed");
    expect(await assume(REPORTER, reporterIdentity)).not.toBe("Allowed");
  });

  it("refuses the rotator role from another organization", async () => {
    expect(await assume(ROTATOR, rotatorIdentity, "o-zzz9999999")).not.toBe("Allowed");
  });

  it("refuses every other principal of keyrotor's account, administrators included, though it trusts the account", async () => {
    expect(trust.Statement[0].Principal).toEqual({ AWS: `arn:aws:iam::${MANAGEMENT}:root` });
    expect(await assume(`arn:aws:iam::${MANAGEMENT}:role/Admin`, [administratorAccess])).not.toBe("Allowed");
    for (const role of ["SchedulerRole", "NotifierRole"]) {
      const arn = attributes[`${role}.Arn`] as string;
      expect(await assume(arn, [allowAll("sts:AssumeRole")]), role).not.toBe("Allowed");
    }
  });

  it("refuses the member account's own principals", async () => {
    expect(await assume(`arn:aws:iam::${MEMBER}:role/Admin`, [administratorAccess])).not.toBe("Allowed");
    expect(await assume(MEMBER_ROLE, memberIdentity)).not.toBe("Allowed");
  });
});

describe("the rotator's reading of destination tokens", () => {
  const token = (name: string, account = MANAGEMENT, region = "us-east-1") =>
    `arn:aws:secretsmanager:${region}:${account}:secret:${name}-AbCdEf`;
  const read = (principal: string, identity: NamedPolicy[], secret: string) =>
    decision(principal, "secretsmanager:GetSecretValue", secret, { identity });

  it("reads a token under keyrotor-tokens/ in its own account and region", async () => {
    expect(await read(ROTATOR, rotatorIdentity, token("keyrotor-tokens/github"))).toBe("Allowed");
    expect(await read(ROTATOR, rotatorIdentity, token("keyrotor-tokens/gitlab/group"))).toBe("Allowed");
  });

  it("reads no other secret: not a user's key, not another prefix, not another region", async () => {
    expect(await read(ROTATOR, rotatorIdentity, token("keyrotor/alice"))).toBe("ImplicitlyDenied");
    expect(await read(ROTATOR, rotatorIdentity, token("other/x"))).toBe("ImplicitlyDenied");
    expect(await read(ROTATOR, rotatorIdentity, token("keyrotor-tokensx/github"))).toBe("ImplicitlyDenied");
    expect(
      await read(ROTATOR, rotatorIdentity, token("keyrotor-tokens/github", MANAGEMENT, "eu-west-1")),
    ).toBe("ImplicitlyDenied");
  });

  it("is the only one of keyrotor's roles that may", async () => {
    for (const role of ["SchedulerRole", "NotifierRole", "ReporterRole"]) {
      const identity = identityOf(evaluate(management[role], { accountId: MANAGEMENT, attributes }));
      const arn = attributes[`${role}.Arn`] as string;
      expect(await read(arn, identity, token("keyrotor-tokens/github")), role).toBe("ImplicitlyDenied");
    }
  });
});

describe("the delivery key's policy", () => {
  // The simulator matches a key with a variable part only on "/" (aws:PrincipalTag/x), so it ignores
  // KMS's kms:EncryptionContext:<key>. Here those keys are renamed, in the policy and the requests
  // alike, to a global key it evaluates; the next test pins the names the real policy uses.
  const CONTEXT_KEYS = ["accountId", "userName", "accessKeyId"];
  const asSimulated = (key: string) =>
    key.replace(/^kms:EncryptionContext:/, "aws:PrincipalTag/kms-context-");
  const simulatedPolicy = JSON.parse(
    JSON.stringify(deliveryKeyPolicy).replace(/kms:EncryptionContext:/g, "aws:PrincipalTag/kms-context-"),
  );
  const context = (keys = CONTEXT_KEYS) =>
    Object.fromEntries(keys.map((k) => [asSimulated(`kms:EncryptionContext:${k}`), `${k}-value`]));
  const use = (principal: string, action: string, identity: NamedPolicy[], keys?: string[]) =>
    decision(principal, action, DELIVERY_KEY, {
      identity,
      resourcePolicy: simulatedPolicy,
      context: keys === undefined ? {} : context(keys),
    });

  it("grants use only under the adapter's encryption context: accountId, userName, accessKeyId (shared/rotation/deliver-key.ts)", () => {
    const grants = (deliveryKeyPolicy.Statement as Json[]).filter((s) =>
      [s.Action]
        .flat()
        .some((a: string) => /^kms:(Encrypt|Decrypt|ReEncrypt|GenerateDataKey|CreateGrant)/.test(a)),
    );
    expect(grants).toHaveLength(1);
    expect(grants[0].Condition.Null).toEqual({
      "kms:EncryptionContext:accountId": "false",
      "kms:EncryptionContext:userName": "false",
      "kms:EncryptionContext:accessKeyId": "false",
    });
  });

  it("lets the rotator encrypt and decrypt a new key under its full encryption context", async () => {
    expect(await use(ROTATOR, "kms:Encrypt", rotatorIdentity, CONTEXT_KEYS)).toBe("Allowed");
    expect(await use(ROTATOR, "kms:Decrypt", rotatorIdentity, CONTEXT_KEYS)).toBe("Allowed");
  });

  it("refuses the rotator without the context, or with part of it", async () => {
    expect(await use(ROTATOR, "kms:Decrypt", rotatorIdentity)).toBe("ImplicitlyDenied");
    expect(await use(ROTATOR, "kms:Decrypt", rotatorIdentity, ["accountId", "userName"])).toBe(
      "ImplicitlyDenied",
    );
    expect(await use(ROTATOR, "kms:Encrypt", rotatorIdentity, ["accessKeyId"])).toBe("ImplicitlyDenied");
  });

  it("lets no other principal of the account decrypt, whatever its IAM policy says: not an administrator, not the root user, not keyrotor's other roles", async () => {
    const admin = `arn:aws:iam::${MANAGEMENT}:role/Admin`;
    expect(await use(admin, "kms:Decrypt", [administratorAccess], CONTEXT_KEYS)).toBe("ImplicitlyDenied");
    expect(await use(`arn:aws:iam::${MANAGEMENT}:root`, "kms:Decrypt", [], CONTEXT_KEYS)).toBe(
      "ImplicitlyDenied",
    );
    const scheduler = attributes["SchedulerRole.Arn"] as string;
    expect(await use(scheduler, "kms:Decrypt", [allowAll("kms:*")], CONTEXT_KEYS)).toBe("ImplicitlyDenied");
    for (const action of ["kms:ReEncryptFrom", "kms:GenerateDataKey", "kms:CreateGrant", "kms:Encrypt"]) {
      expect(await use(admin, action, [administratorAccess]), action).toBe("ImplicitlyDenied");
    }
  });

  it("lets no other account use it", async () => {
    const outsider = "arn:aws:iam::999988887777:role/Attacker";
    expect(await use(outsider, "kms:Decrypt", [allowAll("kms:*")], CONTEXT_KEYS)).not.toBe("Allowed");
  });

  it("lets the account's administrators manage it (describe, rotate, tag, schedule deletion, rewrite the policy)", async () => {
    const admin = `arn:aws:iam::${MANAGEMENT}:role/Admin`;
    for (const action of [
      "kms:DescribeKey",
      "kms:PutKeyPolicy",
      "kms:EnableKeyRotation",
      "kms:TagResource",
      "kms:ScheduleKeyDeletion",
    ]) {
      expect(await use(admin, action, [administratorAccess]), action).toBe("Allowed");
    }
  });
});

describe("the member role's writes for destinations", () => {
  const parameter = (name: string, account = MEMBER) => `arn:aws:ssm:eu-west-1:${account}:parameter${name}`;

  it("puts SSM parameters under /<secretPrefix> in its own account, in any region", async () => {
    expect(await asMember("ssm:PutParameter", parameter("/keyrotor/ci/x"))).toBe("Allowed");
    expect(
      await asMember(
        "ssm:PutParameter",
        `arn:aws:ssm:ap-south-1:${MEMBER}:parameter/keyrotor/a/AWS_ACCESS_KEY_ID`,
      ),
    ).toBe("Allowed");
  });

  it("puts no other parameter, deletes none, and never reads one", async () => {
    expect(await asMember("ssm:PutParameter", parameter("/other/x"))).toBe("ImplicitlyDenied");
    expect(await asMember("ssm:PutParameter", parameter("/keyrotorx/x"))).toBe("ImplicitlyDenied");
    expect(await asMember("ssm:PutParameter", parameter("/keyrotor/ci/x", MANAGEMENT))).toBe(
      "ImplicitlyDenied",
    );
    expect(await asMember("ssm:DeleteParameter", parameter("/keyrotor/ci/x"))).toBe("ImplicitlyDenied");
    expect(await asMember("ssm:GetParameter", parameter("/keyrotor/ci/x"))).toBe("ExplicitlyDenied");
    expect(await asMember("ssm:GetParametersByPath", parameter("/keyrotor/ci"))).toBe("ExplicitlyDenied");
  });

  it("looks at parameters' metadata (DescribeParameters, which takes no resource) but still reads no value", async () => {
    expect(await asMember("ssm:DescribeParameters", "*")).toBe("Allowed");
    for (const action of [
      "ssm:GetParameter",
      "ssm:GetParameters",
      "ssm:GetParametersByPath",
      "ssm:GetParameterHistory",
    ]) {
      expect(await asMember(action, parameter("/keyrotor/ci/x")), action).toBe("ExplicitlyDenied");
      expect(await asMember(action, parameter("/other/x")), action).toBe("ExplicitlyDenied");
    }
  });

  it("asks KMS which key alias/aws/ssm is in its own account, and may describe, use or change no key otherwise", async () => {
    const key = (account = MEMBER) =>
      `arn:aws:kms:eu-west-1:${account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    // A key policy that leaves everything to the account's IAM policies (a customer key's default; an AWS
    // managed key's leaves its metadata so): what the member role may do is its own policy's say.
    const keyPolicy = (account: string) => ({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${account}:root` },
          Action: "kms:*",
          Resource: "*",
        },
      ],
    });
    const ask = (action: string, account = MEMBER, alias?: string) =>
      decision(MEMBER_ROLE, action, key(account), {
        identity: memberIdentity,
        resourcePolicy: keyPolicy(account),
        ...(alias ? { context: { "kms:RequestAlias": alias } } : {}),
      });
    expect(await ask("kms:DescribeKey", MEMBER, "alias/aws/ssm")).toBe("Allowed");
    expect(await ask("kms:DescribeKey", MEMBER, "alias/theirs")).toBe("ImplicitlyDenied");
    expect(await ask("kms:DescribeKey")).toBe("ImplicitlyDenied");
    expect(await ask("kms:DescribeKey", MANAGEMENT, "alias/aws/ssm")).toBe("ImplicitlyDenied");
    for (const action of [
      "kms:GetKeyPolicy",
      "kms:ListGrants",
      "kms:Decrypt",
      "kms:Encrypt",
      "kms:CreateGrant",
    ]) {
      expect(await ask(action), action).toBe("ImplicitlyDenied");
    }
  });

  it("writes a central copy (a secrets-manager destination) with the permissions it keeps its own secrets with", async () => {
    const copy = `arn:aws:secretsmanager:eu-west-1:${MEMBER}:secret:keyrotor/central/444455556666/alice-AbCdEf`;
    const tags = ["keyrotor:user", "keyrotor:copy-of"];
    const created = await asMember("secretsmanager:CreateSecret", copy, {
      "aws:RequestTag/keyrotor:user": "alice",
      "aws:TagKeys": tags,
    });
    expect(created).toBe("Allowed");
    expect(await asMember("secretsmanager:TagResource", copy, { "aws:TagKeys": tags })).toBe("Allowed");
    expect(await asMember("secretsmanager:DescribeSecret", copy)).toBe("Allowed");
    expect(
      await asMember("secretsmanager:PutResourcePolicy", copy, {
        "secretsmanager:BlockPublicPolicy": "true",
      }),
    ).toBe("Allowed");
    expect(await asMember("secretsmanager:PutSecretValue", copy)).toBe("Allowed");
    expect(await asMember("secretsmanager:GetSecretValue", copy)).toBe("ExplicitlyDenied");
  });
});
