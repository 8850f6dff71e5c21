import type { NoticeUser } from "../messages";

/** An exposed key AWS Health reported, answered in the same minute: replaced, delivered, revoked. */
export const INCIDENT_SAMPLE_USERS: NoticeUser[] = [
  {
    userName: "deploy-bot",
    events: [
      {
        kind: "incident",
        keyId: "AKIAEXPOSEDDEPLOY001",
        incident: "handled",
        trigger: "health",
        response: "revoke",
        since: "2027-03-31T06:00:00.000Z",
        replacement: "AKIANEWDEPLOYBOT0002",
        revokedAt: "2027-03-31T06:00:40.000Z",
      },
      {
        kind: "created",
        keyId: "AKIANEWDEPLOYBOT0002",
        detail: "replaces AKIAEXPOSEDDEPLOY001",
        secretName: "keyrotor/deploy-bot",
        readers: [],
        destinations: ["GitHub Actions secrets of repository acme/deploy"],
      },
    ],
    upcoming: [{ keyId: "AKIAEXPOSEDDEPLOY001", action: "delete", on: "2027-04-20T06:00:00.000Z" }],
  },
];
