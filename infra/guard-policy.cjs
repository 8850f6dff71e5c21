// The optional guard (--param="guardPolicy=true"): a service control policy, attached to the deployment
// targets, under which nobody in a member account but keyrotor's member role (and the principals the
// operator exempts) may change keyrotor's secrets, the SSM parameters it delivers keys to, keyrotor's
// IAM user tags, or the member role itself. Without it an administrator of a member account can rewrite a secret's resource policy and
// read the key. An SCP, not a resource control policy: IAM (the user tags and the member role) is not
// a service RCPs cover, and the secrets' own resource policies already refuse principals outside the
// account. Neither kind of policy applies to the management account.
const on = (value) => String(value) === "true";
const list = (value) =>
  String(value ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");

/** What changes a secret's policy, value, tags, encryption, replication, rotation or existence. */
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

/**
 * What changes a parameter's value, labels, tags or sharing, or deletes it: a value planted there, or
 * a label moved to an older version, would hand consumers a key keyrotor did not deliver.
 */
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

/** What sets or removes a user's tags. */
const USER_TAG_WRITES = ["iam:CreateUser", "iam:TagUser", "iam:UntagUser"];

/** What changes, replaces or hands out a role: whoever controls the member role is keyrotor. */
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

/** The role CloudFormation StackSets (service-managed) acts through in each account. */
const STACKSET_EXECUTION_ROLE = "arn:*:iam::*:role/stacksets-exec-*";

/**
 * The guard's policy document.
 * @param {{ memberRoleName: string, secretPrefix: string, userTagKeys: string[], exemptPrincipals: string[] }} settings
 */
function guardPolicyDocument({ memberRoleName, secretPrefix, userTagKeys, exemptPrincipals }) {
  const memberRole = `arn:*:iam::*:role/${memberRoleName}`;
  const keyrotor = [memberRole, ...exemptPrincipals];
  const tagKeys = [...new Set(["keyrotor:*", ...userTagKeys])].filter(
    (key) => key === "keyrotor:*" || !key.startsWith("keyrotor:"),
  );
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "KeyrotorSecretsOnlyByKeyrotor",
        Effect: "Deny",
        Action: SECRET_WRITES,
        Resource: `arn:*:secretsmanager:*:*:secret:${secretPrefix}*`,
        Condition: { ArnNotLike: { "aws:PrincipalArn": keyrotor } },
      },
      {
        Sid: "KeyrotorParametersOnlyByKeyrotor",
        Effect: "Deny",
        Action: PARAMETER_WRITES,
        // A parameter's ARN drops its name's leading "/": this is /<secretPrefix>...
        Resource: `arn:*:ssm:*:*:parameter/${secretPrefix}*`,
        Condition: { ArnNotLike: { "aws:PrincipalArn": keyrotor } },
      },
      {
        Sid: "KeyrotorUserTagsOnlyByKeyrotor",
        Effect: "Deny",
        Action: USER_TAG_WRITES,
        Resource: "*",
        Condition: {
          "ForAnyValue:StringLike": { "aws:TagKeys": tagKeys },
          ArnNotLike: { "aws:PrincipalArn": keyrotor },
        },
      },
      {
        Sid: "KeyrotorMemberRoleOnlyByItsStackSet",
        Effect: "Deny",
        Action: ROLE_WRITES,
        Resource: memberRole,
        Condition: { ArnNotLike: { "aws:PrincipalArn": [STACKSET_EXECUTION_ROLE, ...exemptPrincipals] } },
      },
    ],
  };
}

module.exports = async ({ resolveVariable }) => {
  if (!on(await resolveVariable("param:guardPolicy"))) return { Resources: {} };
  const [service, stage] = [await resolveVariable("self:service"), await resolveVariable("sls:stage")];
  const content = guardPolicyDocument({
    memberRoleName: String(await resolveVariable("param:memberRoleName")),
    secretPrefix: String(await resolveVariable("param:secretPrefix")),
    userTagKeys: await Promise.all(
      ["exemptTag", "ownerTag", "readersTag"].map(async (p) => String(await resolveVariable(`param:${p}`))),
    ),
    exemptPrincipals: list(await resolveVariable("param:guardExemptPrincipals")),
  });
  return {
    Resources: {
      GuardPolicy: {
        Type: "AWS::Organizations::Policy",
        Properties: {
          Name: `${service}-${stage}-guard`,
          Description:
            "keyrotor: only keyrotor changes its secrets, its parameters, its user tags and its member role",
          Type: "SERVICE_CONTROL_POLICY",
          TargetIds: list(await resolveVariable("param:deploymentTargets")),
          Content: content,
        },
      },
    },
  };
};

module.exports.guardPolicyDocument = guardPolicyDocument;
