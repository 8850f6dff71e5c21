import type { NoticeEvent } from "../messages";

/**
 * Advice as the sample notices tell it, worded as `adviseUser` words it: a key used with one service
 * (told with its rotation) and an unused key (told with the warning of its deactivation).
 */
export const SCOPED_ROLE_SAMPLE: NoticeEvent = {
  kind: "advice",
  advice: "scoped-role",
  keys: ["AKIAOLDETL0000000001"],
  detail: "Replace the key with a role allowing s3 only (last used with s3 in eu-west-1)",
  why: "Its keys were last used with s3 in eu-west-1 on 2027-03-30: a role for that gives the workload credentials that expire on their own (an instance profile, task or function role on AWS; IAM Roles Anywhere outside). keyrotor sees each key's last use only: IAM Access Analyzer can generate the full policy from the user's CloudTrail activity.",
};

export const REMOVE_SAMPLE: NoticeEvent = {
  kind: "advice",
  advice: "remove",
  keys: ["AKIAOLDSCANNER000001"],
  detail: "Remove the unused key AKIAOLDSCANNER000001",
  why: "AKIAOLDSCANNER000001 was last used 83 days ago (2027-01-07 with ec2 in us-east-1): nothing has needed it for 45 days or more. keyrotor's unused-key rule deactivates it (deactivateUnusedAfterDays: 45), and its delete rule deletes it.",
};
