// Exposed keys (exposedKeyTrigger, on by default): when AWS finds one of an account's IAM access keys in
// public, AWS Health raises AWS_RISK_CREDENTIALS_EXPOSED in that account, and a rule here sends it to the
// scheduler, which makes it that key's job at once. Health delivers these global events in us-east-1
// only: the member stacks there (infra/member-role.yml, deployed there by the StackSet:
// infra/stack-set-regions.cjs) forward them to this account's default event bus, whose policy here
// takes Health events from their forwarding roles only. A statement of its own, beside the Config one
// (infra/config-trigger.cjs): each forwarding role may put its own kind and nothing else.
const { forwardedEventsPolicy } = require("./forwarded-events.cjs");

const on = (value) => String(value) === "true";

/** The events the member stacks forward: the bus accepts these only. */
const FORWARDED = { source: ["aws.health"], "detail-type": ["AWS Health Event"] };

/** What the member rules and the rule here match, exactly. */
const EXPOSED_KEY_PATTERN = { ...FORWARDED, detail: { eventTypeCode: ["AWS_RISK_CREDENTIALS_EXPOSED"] } };

module.exports = async ({ resolveVariable }) => {
  if (!on(await resolveVariable("param:exposedKeyTrigger"))) return { Resources: {} };
  const stageName = `${await resolveVariable("self:service")}-${await resolveVariable("sls:stage")}`;
  // infra/member-role.yml names its forwarding role so.
  const forwardingRoleName = `${await resolveVariable("self:custom.keyrotor.settings.memberRoleName")}-health`;
  return {
    Resources: {
      ExposedKeyEventsBusPolicy: forwardedEventsPolicy({
        stageName,
        statementId: "exposed-key-events",
        organizationId: await resolveVariable("param:organizationId"),
        forwardingRoleName,
        forwarded: FORWARDED,
      }),
      // Also this account's own events, when keyrotor runs in us-east-1 (elsewhere its member stack in
      // us-east-1 forwards them, or, from the management account, the stack docs/operations.md names).
      ExposedKeyEventRule: {
        Type: "AWS::Events::Rule",
        Properties: {
          Description: "keyrotor: replace an access key at once when AWS Health reports it exposed",
          EventPattern: EXPOSED_KEY_PATTERN,
          Targets: [{ Id: "scheduler", Arn: { "Fn::GetAtt": ["SchedulerLambdaFunction", "Arn"] } }],
        },
      },
      ExposedKeyEventPermission: {
        Type: "AWS::Lambda::Permission",
        Properties: {
          Action: "lambda:InvokeFunction",
          FunctionName: { "Fn::GetAtt": ["SchedulerLambdaFunction", "Arn"] },
          Principal: "events.amazonaws.com",
          SourceArn: { "Fn::GetAtt": ["ExposedKeyEventRule", "Arn"] },
        },
      },
    },
  };
};

module.exports.EXPOSED_KEY_PATTERN = EXPOSED_KEY_PATTERN;
