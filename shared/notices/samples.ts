import type { Notice, NoticeUser } from "../messages";
import { REMOVE_SAMPLE, SCOPED_ROLE_SAMPLE } from "./samples-advice";
import { DELIVERY_SAMPLE_USERS, GITHUB_SAMPLE, SSM_SAMPLE } from "./samples-delivery";
import { INCIDENT_SAMPLE_USERS } from "./samples-incident";

const ACCOUNT = { id: "111122223333", name: "Payments", email: "payments-owner@example.com" };
const ASOF = "2027-03-31T06:00:00.000Z";
const ARN = (user: string) => `arn:aws:secretsmanager:eu-west-1:${ACCOUNT.id}:secret:keyrotor/${user}-Ab12Cd`;
const READER = "arn:aws:iam::111122223333:role/deployer";

const notice = (mode: Notice["mode"], users: NoticeUser[], extra: Partial<Notice> = {}): Notice => ({
  version: 1,
  runId: "preview",
  mode,
  asOf: ASOF,
  account: ACCOUNT,
  users,
  omittedUsers: 0,
  part: 1,
  ...extra,
});

/**
 * One notice of every kind keyrotor sends, with made-up users and keys: what `keyrotor preview`
 * writes and the README shows. Each name is the file name the preview uses.
 */
export const SAMPLE_NOTICES: Readonly<Record<string, Notice>> = {
  incident: notice("enforce", INCIDENT_SAMPLE_USERS),
  rotated: notice("enforce", [
    {
      userName: "deploy-bot",
      events: [
        {
          kind: "created",
          keyId: "AKIANEWDEPLOYBOT0001",
          detail: "replaces AKIAOLDDEPLOYBOT0001",
          secretName: "keyrotor/deploy-bot",
          secretArn: ARN("deploy-bot"),
          readers: [READER],
          destinations: [GITHUB_SAMPLE, SSM_SAMPLE],
        },
      ],
      upcoming: [
        { keyId: "AKIAOLDDEPLOYBOT0001", action: "deactivate", on: "2027-04-10T06:00:00.000Z" },
        { keyId: "AKIANEWDEPLOYBOT0001", action: "rotate", on: "2027-06-29T06:00:00.000Z" },
      ],
    },
    {
      userName: "etl",
      events: [
        {
          kind: "created",
          keyId: "AKIANEWETL0000000001",
          detail: "replaces AKIAOLDETL0000000001",
          secretName: "keyrotor/etl",
          secretArn: ARN("etl"),
          readers: [],
        },
        SCOPED_ROLE_SAMPLE,
      ],
      upcoming: [{ keyId: "AKIAOLDETL0000000001", action: "deactivate", on: "2027-04-10T06:00:00.000Z" }],
    },
  ]),
  deactivated: notice("enforce", [
    {
      userName: "deploy-bot",
      events: [
        {
          kind: "deactivated",
          keyId: "AKIAOLDDEPLOYBOT0001",
          detail: "replaced by AKIANEWDEPLOYBOT0001",
          replacementStored: true,
        },
      ],
      upcoming: [{ keyId: "AKIAOLDDEPLOYBOT0001", action: "delete", on: "2027-04-20T06:00:00.000Z" }],
    },
    {
      userName: "legacy-ci",
      events: [
        {
          kind: "deactivated",
          keyId: "AKIALEGACYCI00000001",
          detail: "replaced by AKIALEGACYCI00000002",
          replacementStored: false,
        },
      ],
      upcoming: [],
    },
  ]),
  deleted: notice("enforce", [
    {
      userName: "deploy-bot",
      events: [{ kind: "deleted", keyId: "AKIAOLDDEPLOYBOT0001", detail: "expired" }],
      upcoming: [],
    },
  ]),
  warning: notice("enforce", [
    {
      userName: "reporting",
      events: [
        { kind: "warning", keyId: "AKIAREPORTING0000001", on: "2027-04-07T06:00:00.000Z", step: "rotate" },
      ],
      upcoming: [],
    },
    {
      userName: "old-scanner",
      events: [
        {
          kind: "warning",
          keyId: "AKIAOLDSCANNER000001",
          on: "2027-04-07T06:00:00.000Z",
          step: "deactivate",
          exemptTag: "keyrotor:exempt",
          exemptGroup: "IAMKeyRotationExemptionGroup",
        },
        REMOVE_SAMPLE,
      ],
      upcoming: [],
    },
  ]),
  "needs-action": notice(
    "enforce",
    [
      {
        userName: "two-keys",
        events: [
          {
            kind: "warning",
            keyId: "AKIATWOKEYS000000002",
            on: "2027-04-07T06:00:00.000Z",
            step: "rotate",
            blocker: "two-keys",
          },
        ],
        upcoming: [],
      },
      {
        userName: "squatted",
        events: [
          {
            kind: "blocked",
            blocker: "foreign-secret",
            detail: "secret keyrotor/squatted was not created by keyrotor",
          },
        ],
        upcoming: [],
      },
      {
        userName: "held",
        events: [
          {
            kind: "held",
            detail:
              "key AKIAHELD000000000001 was created by keyrotor but never recorded in its secret, and it has been used",
          },
        ],
        upcoming: [],
      },
      {
        userName: "flaky",
        events: [
          {
            kind: "failed",
            action: "deactivate",
            keyId: "AKIAFLAKY00000000001",
            detail: "IAM UpdateAccessKey failed (AccessDenied): not authorized",
          },
        ],
        upcoming: [],
      },
    ],
    {
      passwordPolicy: {
        outcome: "failed",
        changes: [],
        error: "IAM UpdateAccountPasswordPolicy failed (AccessDenied)",
      },
    },
  ),
  "secrets-and-readers": notice("enforce", [
    {
      userName: "app",
      events: [
        {
          kind: "secret",
          finding: "policy-restored",
          outcome: "done",
          detail: "secret keyrotor/app had a policy keyrotor did not write",
        },
      ],
      upcoming: [],
    },
    {
      userName: "tagged",
      events: [
        {
          kind: "secret",
          finding: "readers-ignored",
          outcome: "noted",
          detail: "tag keyrotor:readers names arn:aws:iam::999988887777:role/x",
        },
      ],
      upcoming: [],
    },
  ]),
  audit: notice("audit", [
    {
      userName: "deploy-bot",
      events: [
        {
          kind: "would-create",
          keyId: "(new key)",
          detail: "replaces AKIAOLDDEPLOYBOT0001",
          destinations: [GITHUB_SAMPLE, SSM_SAMPLE],
        },
      ],
      upcoming: [],
    },
    {
      userName: "etl",
      events: [{ kind: "would-delete", keyId: "AKIAOLDETL0000000001", detail: "expired" }],
      upcoming: [],
    },
  ]),
  delivery: notice("enforce", DELIVERY_SAMPLE_USERS),
  "password-policy": notice("enforce", [], {
    passwordPolicy: {
      outcome: "done",
      changes: ["minimumPasswordLength: 8 -> 14", "passwordReusePrevention: none -> 24"],
    },
  }),
};
