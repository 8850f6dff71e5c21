// The statement of keyrotor's default event bus policy that lets the member stacks' forwarding role of
// one kind of event put that kind, and nothing else, on the bus. One per kind (Config's compliance
// changes, Health's exposed keys): each forwarding role may put its own kind only.

/**
 * @param {{ stageName: string, statementId: string, organizationId: string, forwardingRoleName: string,
 *   forwarded: { source: string[], "detail-type": string[] } }} options
 */
function forwardedEventsPolicy({ stageName, statementId, organizationId, forwardingRoleName, forwarded }) {
  return {
    Type: "AWS::Events::EventBusPolicy",
    Properties: {
      EventBusName: "default",
      StatementId: `${stageName}-${statementId}`,
      Statement: {
        Effect: "Allow",
        Principal: "*",
        Action: "events:PutEvents",
        Resource: {
          // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub, not a template
          "Fn::Sub": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default",
        },
        // One PutEvents may carry several entries, so source and detail type are sets: every entry
        // must be of the forwarded kind, and there must be some.
        Condition: {
          StringEquals: { "aws:PrincipalOrgID": organizationId },
          "ForAllValues:StringEquals": {
            "events:source": forwarded.source,
            "events:detail-type": forwarded["detail-type"],
          },
          Null: { "events:source": "false", "events:detail-type": "false" },
          ArnLike: {
            "aws:PrincipalArn": { "Fn::Sub": `arn:\${AWS::Partition}:iam::*:role/${forwardingRoleName}` },
          },
        },
      },
    },
  };
}

module.exports = { forwardedEventsPolicy };
