// The CloudWatch dashboard of keyrotor's runs: the rotator's EMF metrics added up over each day's run
// (every account in one figure), the alarms, and the accounts behind the figures, read from the
// rotator's log records with Logs Insights (per-account values cost nothing there).
const { namespaceOf, RUN_PERIOD } = require("./keyrotor-metrics.cjs");

// biome-ignore lint/suspicious/noTemplateCurlyInString: Fn::Sub fills it in, not JavaScript.
const REGION = "${AWS::Region}";

/** The alarms the dashboard shows, by logical id (infra/alarms.cjs). */
const ALARMS = [
  "OverdueKeysAlarm",
  "UnreadableAccountsAlarm",
  "FailedUsersAlarm",
  "RotationJobsDeadLetterAlarm",
];

/**
 * The dashboard body as CloudFormation takes it: a JSON string, through Fn::Sub for the region and
 * the alarms' ARNs.
 * @param {{ prefix: string, overdueAlarmDays: number }} input
 */
function dashboardBody({ prefix, overdueAlarmDays }) {
  const namespace = namespaceOf(prefix);
  const metric = (name, stat, label) => [namespace, name, "service", "keyrotor", { stat, label }];
  const graph = (title, metrics, x, y, extra = {}) => ({
    type: "metric",
    x,
    y,
    width: 12,
    height: 6,
    properties: {
      title,
      view: "timeSeries",
      region: REGION,
      period: RUN_PERIOD,
      metrics,
      ...extra,
    },
  });
  const widgets = [
    graph(
      "Keys past rotation (all accounts)",
      [
        metric("KeysPastRotation", "Sum", "keys past rotation"),
        metric("MostDaysPastRotation", "Maximum", "most days past rotation"),
      ],
      0,
      0,
      { annotations: { horizontal: [{ label: "overdue alarm (days)", value: overdueAlarmDays }] } },
    ),
    graph(
      "Oldest Active key (days)",
      [metric("OldestActiveKeyAgeDays", "Maximum", "oldest Active key, days")],
      12,
      0,
    ),
    graph(
      "Waiting on people",
      [
        metric("KeysPastDeactivationActive", "Sum", "keys past deactivation, still Active"),
        metric("HeldUsers", "Sum", "held users"),
        metric("BlockedUsers", "Sum", "blocked users"),
      ],
      0,
      6,
    ),
    graph(
      "Failures",
      [
        metric("FailedDeliveries", "Sum", "failed deliveries"),
        metric("FailedUsers", "Sum", "failed users"),
        metric("UnreadableAccounts", "Sum", "unreadable accounts"),
        metric("FailedJobs", "Sum", "failed job attempts"),
      ],
      12,
      6,
    ),
    graph(
      "Runs",
      [
        metric("AccountsRotated", "Sum", "accounts rotated"),
        metric("RunDuration", "Maximum", "run duration, s"),
        metric("JobDuration", "Maximum", "longest job, s"),
      ],
      0,
      12,
    ),
    {
      type: "alarm",
      x: 12,
      y: 12,
      width: 12,
      height: 6,
      properties: { title: "Alarms", alarms: ALARMS.map((id) => `\${${id}.Arn}`) },
    },
    {
      type: "log",
      x: 0,
      y: 18,
      width: 24,
      height: 6,
      properties: {
        title: "Accounts with keys past rotation (last run's records)",
        region: REGION,
        view: "table",
        query: [
          `SOURCE '/aws/lambda/${prefix}-rotator'`,
          "fields accountId, KeysPastRotation, MostDaysPastRotation, BlockedUsers, HeldUsers, FailedDeliveries",
          "filter KeysPastRotation > 0",
          "sort MostDaysPastRotation desc",
          "limit 50",
        ].join(" | "),
      },
    },
  ];
  return JSON.stringify({ widgets });
}

module.exports = async ({ resolveVariable }) => {
  const service = await resolveVariable("self:service");
  const stage = await resolveVariable("sls:stage");
  const overdueAlarmDays = Number(await resolveVariable("param:overdueAlarmDays"));
  const prefix = `${service}-${stage}`;
  return {
    Resources: {
      RunsDashboard: {
        Type: "AWS::CloudWatch::Dashboard",
        Properties: {
          DashboardName: prefix,
          DashboardBody: { "Fn::Sub": dashboardBody({ prefix, overdueAlarmDays }) },
        },
      },
    },
  };
};
module.exports.dashboardBody = dashboardBody;
module.exports.ALARMS = ALARMS;
