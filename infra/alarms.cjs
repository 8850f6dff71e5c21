// Alarms that reach a person. The alarm topic is encrypted with a customer managed KMS key whose
// policy lets CloudWatch alarms and SES event publishing use it (they cannot publish to a topic under
// the AWS managed alias/aws/sns key); --param="alarmEmail=..." subscribes an address (SNS mails it a
// confirmation link first). Alarms: both dead-letter queues, and Errors and Throttles of every function.
// SES sends through a configuration set whose bounce, complaint and rejection events go to the topic.
// From the rotator's own metrics (docs/metrics.md): a key past rotation for more than overdueAlarmDays,
// an account no job could read, a user whose actions failed.
const { namespaceOf, SERVICE_DIMENSION, RUN_PERIOD } = require("./keyrotor-metrics.cjs");

const FUNCTIONS = { Scheduler: "scheduler", Rotator: "rotator", Notifier: "notifier", Reporter: "reporter" };

const ref = (name) => ({ Ref: name });

module.exports = async ({ resolveVariable }) => {
  const service = await resolveVariable("self:service");
  const stage = await resolveVariable("sls:stage");
  const email = String((await resolveVariable("param:alarmEmail")) ?? "").trim();
  const prefix = `${service}-${stage}`;
  const overdueAlarmDays = Number(await resolveVariable("param:overdueAlarmDays"));
  const alarm = (name, description, namespace, metric, dimension) => ({
    Type: "AWS::CloudWatch::Alarm",
    Properties: {
      AlarmName: `${prefix}-${name}`,
      AlarmDescription: description,
      Namespace: namespace,
      MetricName: metric,
      Dimensions: [dimension],
      Statistic: namespace === "AWS/SQS" ? "Maximum" : "Sum",
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 0,
      ComparisonOperator: "GreaterThanThreshold",
      TreatMissingData: "notBreaching",
      AlarmActions: [{ Ref: "AlarmTopic" }],
    },
  });
  /** An alarm on one of keyrotor's own metrics, over all accounts. */
  const runAlarm = (name, description, metric, statistic, period, threshold) => ({
    Type: "AWS::CloudWatch::Alarm",
    Properties: {
      AlarmName: `${prefix}-${name}`,
      AlarmDescription: description,
      Namespace: namespaceOf(prefix),
      MetricName: metric,
      Dimensions: [SERVICE_DIMENSION],
      Statistic: statistic,
      Period: period,
      EvaluationPeriods: 1,
      Threshold: threshold,
      ComparisonOperator: "GreaterThanThreshold",
      TreatMissingData: "notBreaching",
      AlarmActions: [{ Ref: "AlarmTopic" }],
    },
  });
  const resources = {
    AlarmTopicKey: {
      Type: "AWS::KMS::Key",
      Properties: {
        Description: `${prefix} alarm topic: CloudWatch alarms and SES events publish to it`,
        EnableKeyRotation: true,
        KeyPolicy: {
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "AccountAdministers",
              Effect: "Allow",
              Principal: {
                AWS: {
                  "Fn::Join": ["", ["arn:", ref("AWS::Partition"), ":iam::", ref("AWS::AccountId"), ":root"]],
                },
              },
              Action: "kms:*",
              Resource: "*",
            },
            {
              Sid: "AlarmsAndSesEventsPublish",
              Effect: "Allow",
              Principal: {
                Service: ["cloudwatch.amazonaws.com", "ses.amazonaws.com", "events.amazonaws.com"],
              },
              Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
              Resource: "*",
              Condition: { StringEquals: { "aws:SourceAccount": ref("AWS::AccountId") } },
            },
          ],
        },
      },
    },
    AlarmTopic: {
      Type: "AWS::SNS::Topic",
      Properties: { TopicName: `${prefix}-alarms`, KmsMasterKeyId: { Ref: "AlarmTopicKey" } },
    },
    AlarmTopicPolicy: {
      Type: "AWS::SNS::TopicPolicy",
      Properties: {
        Topics: [{ Ref: "AlarmTopic" }],
        PolicyDocument: {
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "AlarmsAndSesEventsPublish",
              Effect: "Allow",
              Principal: { Service: ["cloudwatch.amazonaws.com", "ses.amazonaws.com"] },
              Action: "sns:Publish",
              Resource: { Ref: "AlarmTopic" },
              Condition: { StringEquals: { "aws:SourceAccount": ref("AWS::AccountId") } },
            },
          ],
        },
      },
    },
    RotationJobsDeadLetterAlarm: alarm(
      "rotation-jobs-dead-letters",
      "Accounts keyrotor could not rotate after 3 attempts (see the rotator's logs).",
      "AWS/SQS",
      "ApproximateNumberOfMessagesVisible",
      { Name: "QueueName", Value: { "Fn::GetAtt": ["RotationJobsDeadLetterQueue", "QueueName"] } },
    ),
    NoticesDeadLetterAlarm: alarm(
      "notices-dead-letters",
      "Notices SES refused or that could not be sent after 3 attempts; the next run queues them again (see the notifier's logs).",
      "AWS/SQS",
      "ApproximateNumberOfMessagesVisible",
      { Name: "QueueName", Value: { "Fn::GetAtt": ["NoticesDeadLetterQueue", "QueueName"] } },
    ),
    OverdueKeysAlarm: runAlarm(
      "keys-overdue",
      `An Active key is past its rotation by more than ${overdueAlarmDays} days (the dashboard's table names the accounts).`,
      "MostDaysPastRotation",
      "Maximum",
      RUN_PERIOD,
      overdueAlarmDays,
    ),
    UnreadableAccountsAlarm: runAlarm(
      "accounts-unreadable",
      "An account's rotation job failed on its last delivery: keyrotor could not read or rotate it (see the rotator's logs).",
      "UnreadableAccounts",
      "Sum",
      3600,
      0,
    ),
    FailedUsersAlarm: runAlarm(
      "users-failed",
      "A run could not read a user or one of its actions failed (the account's notice says which).",
      "FailedUsers",
      "Sum",
      3600,
      0,
    ),
    NoticesSendingSet: {
      Type: "AWS::SES::ConfigurationSet",
      Properties: { Name: `${prefix}-notices` },
    },
    NoticesBounceEvents: {
      Type: "AWS::SES::ConfigurationSetEventDestination",
      Properties: {
        ConfigurationSetName: { Ref: "NoticesSendingSet" },
        EventDestination: {
          Name: "bounces-and-complaints-to-alarms",
          Enabled: true,
          MatchingEventTypes: ["bounce", "complaint", "reject"],
          SnsDestination: { TopicARN: { Ref: "AlarmTopic" } },
        },
      },
    },
  };
  for (const [name, fn] of Object.entries(FUNCTIONS)) {
    const dimension = { Name: "FunctionName", Value: `${prefix}-${fn}` };
    resources[`${name}ErrorsAlarm`] = alarm(
      `${fn}-errors`,
      `The ${fn} failed (see its logs).`,
      "AWS/Lambda",
      "Errors",
      dimension,
    );
    resources[`${name}ThrottlesAlarm`] = alarm(
      `${fn}-throttles`,
      `The ${fn} was throttled.`,
      "AWS/Lambda",
      "Throttles",
      dimension,
    );
  }
  if (email !== "") {
    resources.AlarmEmailSubscription = {
      Type: "AWS::SNS::Subscription",
      Properties: { TopicArn: { Ref: "AlarmTopic" }, Protocol: "email", Endpoint: email },
    };
  }
  return { Resources: resources };
};
