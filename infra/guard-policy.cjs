// The optional guard (--param="guardPolicy=true"): a service control policy, attached to the deployment
// targets, under which nobody in a member account but keyrotor's member role (and the principals the
// operator exempts) may change keyrotor's secrets, the SSM parameters it delivers keys to or keyrotor's
// IAM user tags, and nobody but the StackSet (and the exempt) may change keyrotor's roles and its
// exposed-key forwarding rule, or create, change, assume or pass a role under an exempt name. Without it
// an administrator of a member account can rewrite a secret's resource policy and read the key. An SCP, not a resource control policy: IAM
// (the user tags and the roles) is not a service RCPs cover, and the secrets' own resource policies
// already refuse principals outside the account. Neither kind of policy applies to the management
// account.
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

/**
 * What reads a role without changing or using it; every other action on a guarded role (a write, a
 * policy, a tag, iam:PassRole, sts:AssumeRole, and any action IAM adds later) is denied.
 */
const ROLE_READS = ["iam:Get*", "iam:List*"];

/** What reads an EventBridge rule; every other action on the guarded rule is denied. */
const RULE_READS = ["events:Describe*", "events:List*"];

/** The most characters AWS Organizations takes in a service control policy. */
const SCP_MAX_CHARACTERS = 5120;

/** The role CloudFormation StackSets (service-managed) acts through in each account. */
const STACKSET_EXECUTION_ROLE = "arn:*:iam::*:role/stacksets-exec-*";

/** What changes the SAML providers Identity Center signs its roles' sessions with. */
const IDENTITY_CENTER_PROVIDER_WRITES = [
  "iam:CreateSAMLProvider",
  "iam:UpdateSAMLProvider",
  "iam:DeleteSAMLProvider",
];

/** An exempt principal: a role in any or one account, named by a literal first character. */
const EXEMPT_ROLE = /^arn:(\*|aws[a-z-]*):iam::(\*|\d{12}):role\/[^*?\s]\S*$/;

/**
 * The exempt principals, refused unless each is a role named from a literal start: a user could be
 * created (and keyed) under an exempt name, and `role/*` would exempt every role.
 * @param {string[]} patterns
 */
function exemptRoles(patterns) {
  const wrong = patterns.filter((pattern) => !EXEMPT_ROLE.test(pattern));
  if (wrong.length > 0) {
    throw new Error(
      `guardExemptPrincipals: ${wrong.join(", ")}: each must be a role ARN pattern, arn:aws:iam::<account id or *>:role/<name>, whose name starts with a literal character`,
    );
  }
  return patterns;
}

/**
 * The guard's policy document.
 *
 * Every exemption is by name, so every name it exempts is guarded too: nobody but an exempt principal
 * (or the StackSet's execution role, or a service-linked role, which no SCP restricts) may create a
 * role under an exempt name, change it, assume it or pass it to a service; with an exempt Identity
 * Center role, nobody else may change Identity Center's SAML providers, which sign its sessions. A
 * member-account administrator can therefore neither make an exempt principal nor become one.
 * @param {{ memberRoleName: string, secretPrefix: string, userTagKeys: string[], exemptPrincipals: string[] }} settings
 */
function guardPolicyDocument({ memberRoleName, secretPrefix, userTagKeys, exemptPrincipals }) {
  const exempt = exemptRoles(exemptPrincipals);
  const memberRole = `arn:*:iam::*:role/${memberRoleName}`;
  // infra/member-role.yml's other roles: the reporter's reader and the events forwarders.
  const stackRoles = [memberRole, `${memberRole}-reader`, `${memberRole}-events`, `${memberRole}-health`];
  const keyrotor = [memberRole, ...exempt];
  const provisioners = [STACKSET_EXECUTION_ROLE, ...exempt];
  const tagKeys = [...new Set(["keyrotor:*", ...userTagKeys])].filter(
    (key) => key === "keyrotor:*" || !key.startsWith("keyrotor:"),
  );
  const statements = [
    {
      Sid: "SecretsAndParametersOnlyByKeyrotor",
      Effect: "Deny",
      Action: [...SECRET_WRITES, ...PARAMETER_WRITES],
      // A parameter's ARN drops its name's leading "/": this is /<secretPrefix>...
      Resource: [
        `arn:*:secretsmanager:*:*:secret:${secretPrefix}*`,
        `arn:*:ssm:*:*:parameter/${secretPrefix}*`,
      ],
      Condition: { ArnNotLike: { "aws:PrincipalArn": keyrotor } },
    },
    {
      Sid: "UserTagsOnlyByKeyrotor",
      Effect: "Deny",
      Action: USER_TAG_WRITES,
      Resource: "*",
      Condition: {
        "ForAnyValue:StringLike": { "aws:TagKeys": tagKeys },
        ArnNotLike: { "aws:PrincipalArn": keyrotor },
      },
    },
    {
      // sts:AssumeRole stays: keyrotor's rotator assumes the member role, from a delegated
      // administrator account too (which this policy may govern); the roles' trust decides who may.
      Sid: "StackRolesOnlyByTheStackSet",
      Effect: "Deny",
      NotAction: [...ROLE_READS, "sts:AssumeRole"],
      Resource: stackRoles,
      Condition: { ArnNotLike: { "aws:PrincipalArn": provisioners } },
    },
    {
      // The exposed-key forwarder (infra/member-role.yml names it): retargeted, disabled or deleted, an
      // exposed key would wait for the daily run.
      Sid: "StackRuleOnlyByTheStackSet",
      Effect: "Deny",
      NotAction: RULE_READS,
      Resource: `arn:*:events:*:*:rule/${memberRoleName}-health`,
      Condition: { ArnNotLike: { "aws:PrincipalArn": provisioners } },
    },
    {
      Sid: "ExemptRolesOnlyByExempt",
      Effect: "Deny",
      NotAction: ROLE_READS,
      Resource: provisioners,
      Condition: { ArnNotLike: { "aws:PrincipalArn": provisioners } },
    },
  ];
  if (exempt.some((pattern) => pattern.includes("AWSReservedSSO_"))) {
    statements.push({
      Sid: "IdentityCenterProvidersOnlyByExempt",
      Effect: "Deny",
      Action: IDENTITY_CENTER_PROVIDER_WRITES,
      Resource: "arn:*:iam::*:saml-provider/AWSSSO_*",
      Condition: { ArnNotLike: { "aws:PrincipalArn": provisioners } },
    });
  }
  return { Version: "2012-10-17", Statement: statements };
}

module.exports = async ({ resolveVariable }) => {
  if (!on(await resolveVariable("param:guardPolicy"))) return { Resources: {} };
  const [service, stage] = [await resolveVariable("self:service"), await resolveVariable("sls:stage")];
  const content = guardPolicyDocument({
    memberRoleName: String(await resolveVariable("self:custom.keyrotor.settings.memberRoleName")),
    secretPrefix: String(await resolveVariable("self:custom.keyrotor.settings.secretPrefix")),
    userTagKeys: await Promise.all(
      ["exemptTag", "ownerTag", "readersTag"].map(async (p) =>
        String(await resolveVariable(`self:custom.keyrotor.settings.${p}`)),
      ),
    ),
    exemptPrincipals: list(await resolveVariable("param:guardExemptPrincipals")),
  });
  const size = JSON.stringify(content).length;
  if (size > SCP_MAX_CHARACTERS) {
    throw new Error(
      `guardExemptPrincipals: the guard policy would be ${size} characters, over the ${SCP_MAX_CHARACTERS} AWS allows a service control policy: name fewer or shorter patterns`,
    );
  }
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
module.exports.STACKSET_EXECUTION_ROLE = STACKSET_EXECUTION_ROLE;
