// Event-driven rotation (optional). With --param="configTrigger=true" an EventBridge rule sends AWS
// Config's "Config Rules Compliance Change" events for the access-keys-rotated rule turning
// NON_COMPLIANT to the scheduler, which enqueues a job for that account at once. Those events are
// raised in each member account: the member template forwards them (same param) to this account's
// default event bus, whose policy here lets only the member stacks' forwarding roles put events on
// it, and only the kind keyrotor consumes (the scheduler also binds each event to the account that
// sent it, so a forged one can at most start its sender's own account's run early). With
// --param="configRule=true" the stack also deploys that managed rule to the organization, its
// maxAccessKeyAge equal to the rotation threshold. Off by default: nothing is added.
const { forwardedEventsPolicy } = require("./forwarded-events.cjs");

const on = (value) => String(value) === "true";

/** The events the member stacks forward and the scheduler consumes: the bus accepts these only. */
const FORWARDED = { source: ["aws.config"], "detail-type": ["Config Rules Compliance Change"] };

module.exports = async ({ resolveVariable }) => {
  const resources = {};
  const stageName = `${await resolveVariable("self:service")}-${await resolveVariable("sls:stage")}`;
  if (on(await resolveVariable("param:configTrigger"))) {
    // infra/member-role.yml names its forwarding role so.
    const forwardingRoleName = `${await resolveVariable("self:custom.keyrotor.settings.memberRoleName")}-events`;
    resources.OrganizationEventsBusPolicy = forwardedEventsPolicy({
      stageName,
      statementId: "organization-events",
      organizationId: await resolveVariable("param:organizationId"),
      forwardingRoleName,
      forwarded: FORWARDED,
    });
    resources.ConfigComplianceChangeRule = {
      Type: "AWS::Events::Rule",
      Properties: {
        Description: "keyrotor: rotate at once when access-keys-rotated turns NON_COMPLIANT",
        EventPattern: {
          ...FORWARDED,
          detail: {
            configRuleName: [{ wildcard: "*access-keys-rotated*" }],
            newEvaluationResult: { complianceType: ["NON_COMPLIANT"] },
          },
        },
        Targets: [{ Id: "scheduler", Arn: { "Fn::GetAtt": ["SchedulerLambdaFunction", "Arn"] } }],
      },
    };
    resources.ConfigComplianceChangePermission = {
      Type: "AWS::Lambda::Permission",
      Properties: {
        Action: "lambda:InvokeFunction",
        FunctionName: { "Fn::GetAtt": ["SchedulerLambdaFunction", "Arn"] },
        Principal: "events.amazonaws.com",
        SourceArn: { "Fn::GetAtt": ["ConfigComplianceChangeRule", "Arn"] },
      },
    };
  }
  if (on(await resolveVariable("param:configRule"))) {
    resources.AccessKeysRotatedOrganizationRule = {
      Type: "AWS::Config::OrganizationConfigRule",
      Properties: {
        OrganizationConfigRuleName: `${stageName}-access-keys-rotated`,
        OrganizationManagedRuleMetadata: {
          RuleIdentifier: "ACCESS_KEYS_ROTATED",
          Description: "Access keys are rotated within keyrotor's rotation threshold",
          InputParameters: JSON.stringify({
            maxAccessKeyAge: String(await resolveVariable("self:custom.keyrotor.settings.rotateAfterDays")),
          }),
          MaximumExecutionFrequency: "TwentyFour_Hours",
        },
      },
    };
  }
  return { Resources: resources };
};
