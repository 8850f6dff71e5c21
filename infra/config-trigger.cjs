// Event-driven rotation (optional). With --param="configTrigger=true" an EventBridge rule sends AWS
// Config's "Config Rules Compliance Change" events for the access-keys-rotated rule turning
// NON_COMPLIANT to the scheduler, which enqueues a job for that account at once. With
// --param="configRule=true" the stack also deploys that managed rule to the organization, its
// maxAccessKeyAge equal to the rotation threshold. Off by default: nothing is added.
const on = (value) => String(value) === "true";

module.exports = async ({ resolveVariable }) => {
  const resources = {};
  if (on(await resolveVariable("param:configTrigger"))) {
    resources.ConfigComplianceChangeRule = {
      Type: "AWS::Events::Rule",
      Properties: {
        Description: "keyrotor: rotate at once when access-keys-rotated turns NON_COMPLIANT",
        EventPattern: {
          source: ["aws.config"],
          "detail-type": ["Config Rules Compliance Change"],
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
        OrganizationConfigRuleName: "keyrotor-access-keys-rotated",
        OrganizationManagedRuleMetadata: {
          RuleIdentifier: "ACCESS_KEYS_ROTATED",
          Description: "Access keys are rotated within keyrotor's rotation threshold",
          InputParameters: JSON.stringify({
            maxAccessKeyAge: String(await resolveVariable("param:rotateAfterDays")),
          }),
          MaximumExecutionFrequency: "TwentyFour_Hours",
        },
      },
    };
  }
  return { Resources: resources };
};
