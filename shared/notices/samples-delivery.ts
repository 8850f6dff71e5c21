import type { NoticeUser } from "../messages";

export const GITHUB_SAMPLE = "GitHub Actions secrets of repository acme/deploy";
export const SSM_SAMPLE = "SSM parameters /keyrotor/ci/deploy-bot/* in 444455556666 eu-west-1";

/**
 * The users of the sample notice about key delivery: a destination whose token keeps failing (told
 * to the owner as a wait on keyrotor's operators, to the operators with its fix), one that
 * recovered, an old key held while in use, one still used after its replacement was delivered, and a
 * key a person re-activated. Made-up names and keys, like every sample.
 */
export const DELIVERY_SAMPLE_USERS: NoticeUser[] = [
  {
    userName: "release-bot",
    events: [
      {
        kind: "delivery-failed",
        keyId: "AKIANEWRELEASEBOT001",
        destination: "GitLab CI/CD variables of project acme/release",
        detail: "GitLab refused the token (401 Unauthorized)",
        since: "2027-03-28T06:00:00.000Z",
        attempts: 4,
        fix: "put a valid project access token with the api scope in keyrotor-tokens/gitlab",
        replaces: "AKIAOLDRELEASEBOT001",
        tokenFault: true,
      },
    ],
    upcoming: [],
  },
  {
    userName: "terraform",
    events: [
      {
        kind: "delivered",
        keyId: "AKIANEWTERRAFORM0001",
        destinations: ["Terraform Cloud variables of workspace acme/prod-network"],
      },
    ],
    upcoming: [{ keyId: "AKIAOLDTERRAFORM0001", action: "deactivate", on: "2027-04-01T06:00:00.000Z" }],
  },
  {
    userName: "nightly-export",
    events: [
      {
        kind: "in-use",
        keyId: "AKIAOLDNIGHTLY000001",
        lastUsedAt: "2027-03-31T02:14:00.000Z",
        service: "s3",
        region: "eu-west-1",
        on: "2027-04-10T06:00:00.000Z",
      },
    ],
    upcoming: [],
  },
  {
    userName: "reporting",
    events: [
      {
        kind: "still-used",
        keyId: "AKIAOLDREPORTING0001",
        replacement: "AKIANEWREPORTING0001",
        lastUsedAt: "2027-03-30T22:40:00.000Z",
        service: "athena",
        region: "us-east-1",
        on: "2027-04-03T06:00:00.000Z",
      },
    ],
    upcoming: [{ keyId: "AKIAOLDREPORTING0001", action: "deactivate", on: "2027-04-03T06:00:00.000Z" }],
  },
  {
    userName: "legacy-app",
    events: [{ kind: "reactivated", keyId: "AKIALEGACYAPP0000001" }],
    upcoming: [],
  },
];
