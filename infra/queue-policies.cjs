// Who may put messages on keyrotor's queues: the rotation-jobs queue takes jobs from the scheduler's
// role only, the notices queue takes notices from the rotator's role only. Anyone else in the account
// is denied sqs:SendMessage (whatever their own policy allows), so no one forges a job or an email;
// administrators keep every other right on the queues. The principals in
// --param="queueRedrivePrincipals=..." (ARN patterns, comma separated) may also send, which is what a
// dead-letter queue redrive needs of whoever starts it.
const list = (value) =>
  String(value ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");

/**
 * A queue policy that lets no principal but `producers` send to `queueArn`.
 * @param {{ queueArn: unknown, sid: string, producers: unknown[] }} queue
 */
function sendOnlyFrom({ queueArn, sid, producers }) {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: sid,
        Effect: "Deny",
        Principal: "*",
        Action: "sqs:SendMessage",
        Resource: queueArn,
        Condition: { ArnNotLike: { "aws:PrincipalArn": producers } },
      },
    ],
  };
}

const getAtt = (resource, attribute) => ({ "Fn::GetAtt": [resource, attribute] });

module.exports = async ({ resolveVariable }) => {
  const redrive = list(await resolveVariable("param:queueRedrivePrincipals"));
  const policy = (queue, sid, producerRole) => ({
    Type: "AWS::SQS::QueuePolicy",
    Properties: {
      Queues: [{ Ref: queue }],
      PolicyDocument: sendOnlyFrom({
        queueArn: getAtt(queue, "Arn"),
        sid,
        producers: [getAtt(producerRole, "Arn"), ...redrive],
      }),
    },
  });
  return {
    Resources: {
      RotationJobsQueuePolicy: policy("RotationJobsQueue", "OnlyTheSchedulerSendsJobs", "SchedulerRole"),
      NoticesQueuePolicy: policy("NoticesQueue", "OnlyTheRotatorSendsNotices", "RotatorRole"),
    },
  };
};

module.exports.sendOnlyFrom = sendOnlyFrom;
