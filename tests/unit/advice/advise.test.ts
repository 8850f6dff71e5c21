import { describe, expect, it } from "vitest";
import { adviseUser, keysByKind } from "../../../shared/advice/advise";
import type { AdviceFacts, AdviceItem, AdvisedKey } from "../../../shared/advice/types";
import { bindingSchema } from "../../../shared/destinations/schema";
import { destinationsOf } from "../../../shared/destinations/validate";
import { addDays } from "../../../shared/lifecycle";

const NOW = new Date("2026-06-01T12:00:00Z");
const ACCOUNT = "111122223333";

const daysAgo = (days: number) => addDays(NOW, -days);

/** A key `age` days old, last used `usedDaysAgo` days ago (`null`: never) with `service` in `region`. */
const key = (
  id: string,
  age: number,
  usedDaysAgo: number | null,
  service?: string,
  region = "eu-west-1",
): AdvisedKey => ({
  id,
  status: "Active",
  createdAt: daysAgo(age),
  lastUsedAt: usedDaysAgo === null ? null : daysAgo(usedDaysAgo),
  ...(service ? { lastUsedService: service, lastUsedRegion: region } : {}),
});

const GITHUB = { type: "github", repository: "acme/app", tokenSecret: "keyrotor-tokens/github" };
const GITLAB = { type: "gitlab", project: "acme/infra", tokenSecret: "keyrotor-tokens/gitlab" };
const SSM = { type: "ssm", path: "/keyrotor/ci" };

/** One user's facts, its destinations bound the way the configuration binds them. */
const facts = (keys: AdvisedKey[], destinations: unknown[] = [], more: Partial<AdviceFacts> = {}) => ({
  accountId: ACCOUNT,
  userName: "deploy-bot",
  keys,
  destinations:
    destinations.length === 0
      ? []
      : destinationsOf(
          [bindingSchema.parse({ account: ACCOUNT, user: "deploy-bot", destinations })],
          ACCOUNT,
          "deploy-bot",
        ),
  now: NOW,
  ...more,
});

const kinds = (items: readonly AdviceItem[]) => items.map((i) => [i.kind, i.keys]);
const only = (items: readonly AdviceItem[]) => {
  expect(items).toHaveLength(1);
  return items[0] as AdviceItem;
};

describe("adviseUser: each kind", () => {
  it("remove: a key never used in 60 days, or last used 50 days ago, is past the default 45 days", () => {
    // Act
    const advice = adviseUser(facts([key("AKIANEVER", 60, null), key("AKIAOLD", 200, 50, "s3")]));

    // Assess
    const item = only(advice.items);
    expect(item).toMatchObject({ kind: "remove", keys: ["AKIANEVER", "AKIAOLD"], byKeyrotor: false });
    expect(item.summary).toBe("Remove the unused keys AKIANEVER, AKIAOLD");
    expect(item.why).toContain("AKIANEVER was never used in its 60 days");
    expect(item.why).toContain("AKIAOLD was last used 50 days ago (2026-04-12 with s3 in eu-west-1)");
    expect(item.why).toContain("deactivateUnusedAfterDays set");
  });

  it("remove: the period is deactivateUnusedAfterDays when set, and then keyrotor's rule does it", () => {
    // Act
    const at30 = adviseUser(facts([key("AKIA1", 100, 30, "s3")], [], { deactivateUnusedAfterDays: 30 }));
    const at29 = adviseUser(facts([key("AKIA1", 100, 29, "s3")], [], { deactivateUnusedAfterDays: 30 }));

    // Assess
    expect(only(at30.items)).toMatchObject({ kind: "remove", byKeyrotor: true });
    expect(only(at30.items).why).toContain(
      "keyrotor's unused-key rule deactivates it (deactivateUnusedAfterDays: 30)",
    );
    expect(only(at29.items).kind).not.toBe("remove");
  });

  it("oidc: a key used and delivered only to CI gets a role trusting that repository's tokens", () => {
    // Act
    const advice = adviseUser(facts([key("AKIA1", 20, 1, "s3")], [GITHUB]));

    // Assess
    const item = only(advice.items);
    if (item.kind !== "oidc") throw new Error(`expected oidc, got ${item.kind}`);
    expect(item.summary).toBe(
      "Replace the key with role deploy-bot-oidc, assumed with OIDC tokens from GitHub Actions",
    );
    expect(item.role.roleArn).toBe(`arn:aws:iam::${ACCOUNT}:role/deploy-bot-oidc`);
    expect(item.role.trustPolicy.Statement).toEqual([
      expect.objectContaining({
        Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com` },
        Action: "sts:AssumeRoleWithWebIdentity",
      }),
    ]);
    expect(item.role.pipelines[0]?.lines).toContain(
      `          role-to-assume: arn:aws:iam::${ACCOUNT}:role/deploy-bot-oidc`,
    );
    expect(item.role.permissionsPolicy.Statement[0]).toMatchObject({ Action: "s3:*" });
  });

  it("oidc: the partition of the user's ARN names the role and the provider", () => {
    // Act
    const item = only(
      adviseUser(facts([key("AKIA1", 20, 1, "s3")], [GITHUB], { partition: "aws-cn" })).items,
    );

    // Assess
    expect(item.kind === "oidc" && item.role.roleArn).toBe(`arn:aws-cn:iam::${ACCOUNT}:role/deploy-bot-oidc`);
  });

  it("scoped-role: a key used with S3 and no destination gets a role for s3 in that region", () => {
    // Act
    const item = only(adviseUser(facts([key("AKIA1", 20, 2, "s3", "eu-central-1")])).items);

    // Assess
    if (item.kind !== "scoped-role") throw new Error(`expected scoped-role, got ${item.kind}`);
    expect(item.summary).toBe(
      "Replace the key with a role allowing s3 only (last used with s3 in eu-central-1)",
    );
    expect(item.services).toEqual([
      { service: "s3", actionPrefix: "s3", regions: ["eu-central-1"], lastUsedAt: daysAgo(2).toISOString() },
    ]);
    expect(item.permissionsPolicy.Statement).toEqual([
      expect.objectContaining({
        Action: "s3:*",
        Condition: { StringEquals: { "aws:RequestedRegion": ["eu-central-1"] } },
      }),
    ]);
  });

  it("scoped-role: services are named by their IAM prefix, two keys two services", () => {
    // Act
    const item = only(
      adviseUser(facts([key("AKIA1", 100, 3, "monitoring", "us-east-1"), key("AKIA2", 5, 1, "s3")])).items,
    );

    // Assess
    expect(item.kind).toBe("scoped-role");
    expect(item.kind === "scoped-role" && item.services.map((s) => s.actionPrefix)).toEqual([
      "s3",
      "cloudwatch",
    ]);
  });

  it("roles-anywhere-or-identity-center: a key last used with STS fetches other credentials", () => {
    // Act
    const item = only(adviseUser(facts([key("AKIA1", 100, 1, "sts", "us-east-1")])).items);

    // Assess
    expect(item.kind).toBe("roles-anywhere-or-identity-center");
    expect(item.why).toMatch(/^Its keys were last used with STS .*fetch other credentials\. Roles Anywhere/);
  });

  it("roles-anywhere-or-identity-center: a new key nobody has used yet, whose use keyrotor cannot see", () => {
    // Prepare: keyrotor's own verification signs with the new key a minute after creating it, and
    // the ledger recorded it.
    const at = new Date(daysAgo(3).getTime() + 60_000);
    const verified: AdvisedKey = {
      id: "AKIANEW",
      status: "Active",
      createdAt: daysAgo(3),
      lastUsedAt: at,
      lastUsedService: "sts",
      lastUsedRegion: "us-east-1",
      verified: { at, region: "us-east-1" },
    };

    // Act
    const item = only(adviseUser(facts([verified])).items);

    // Assess: no skeleton from keyrotor's own call, and its use is cited as none.
    expect(item).toMatchObject({ kind: "roles-anywhere-or-identity-center", services: [] });
    expect(item.why).toMatch(/^keyrotor has not seen what its keys are used for\./);
    expect(item.lastUses).toEqual([{ key: "AKIANEW", at: null }]);
  });

  it("remove: a key whose only use is keyrotor's verification was never used, and says so", () => {
    // Prepare
    const at = new Date(daysAgo(60).getTime() + 30_000);
    const verified: AdvisedKey = {
      id: "AKIAIDLE",
      status: "Active",
      createdAt: daysAgo(60),
      lastUsedAt: at,
      lastUsedService: "sts",
      lastUsedRegion: "eu-west-1",
      verified: { at, region: "eu-west-1" },
    };

    // Act
    const item = only(adviseUser(facts([verified])).items);

    // Assess
    expect(item.kind).toBe("remove");
    expect(item.why).toMatch(/^AKIAIDLE was never used in its 60 days/);
    expect(item.lastUses).toEqual([{ key: "AKIAIDLE", at: null }]);
  });

  it("an STS call a minute after a key was made is use when keyrotor recorded no verification of it", () => {
    // Prepare: a person made the key by hand and called STS with it; keyrotor verified nothing.
    const handMade: AdvisedKey = {
      id: "AKIAHAND",
      status: "Active",
      createdAt: daysAgo(3),
      lastUsedAt: new Date(daysAgo(3).getTime() + 60_000),
      lastUsedService: "sts",
      lastUsedRegion: "us-east-1",
    };

    // Act
    const item = only(adviseUser(facts([handMade])).items);

    // Assess
    expect(item.kind).toBe("roles-anywhere-or-identity-center");
    expect(item.kind === "roles-anywhere-or-identity-center" && item.services).toEqual([
      expect.objectContaining({ service: "sts", regions: ["us-east-1"] }),
    ]);
  });
});

describe("adviseUser: precedence and edges", () => {
  it("an unused key is removed even when it goes to CI; the used one gets the OIDC role", () => {
    // Act
    const advice = adviseUser(facts([key("AKIAOLD", 120, 90, "s3"), key("AKIANEW", 10, 1, "s3")], [GITHUB]));

    // Assess
    expect(kinds(advice.items)).toEqual([
      ["remove", ["AKIAOLD"]],
      ["oidc", ["AKIANEW"]],
    ]);
  });

  it("CI delivery wins over a few services: oidc, not scoped-role", () => {
    // Act
    const advice = adviseUser(facts([key("AKIA1", 10, 1, "s3")], [GITHUB, GITLAB]));

    // Assess
    expect(kinds(advice.items)).toEqual([["oidc", ["AKIA1"]]]);
  });

  it("mixed CI and non-CI destinations: not oidc, and the why names the place outside CI", () => {
    // Act
    const item = only(adviseUser(facts([key("AKIA1", 10, 1, "s3")], [GITHUB, SSM])).items);

    // Assess
    expect(item.kind).toBe("scoped-role");
    expect(item.why).toContain("It is delivered to SSM parameters /keyrotor/ci/* besides CI");
  });

  it("no keys, or only Inactive ones: no advice", () => {
    // Act
    const none = adviseUser(facts([]));
    const inactive = adviseUser(facts([{ ...key("AKIA1", 300, 200), status: "Inactive" }]));

    // Assess
    expect(none).toEqual({
      accountId: ACCOUNT,
      userName: "deploy-bot",
      asOf: NOW.toISOString(),
      activeKeys: 0,
      items: [],
    });
    expect(inactive.items).toEqual([]);
  });

  it("a key whose last use is not known is never advised removed", () => {
    // Act
    const item = only(adviseUser(facts([{ id: "AKIA1", status: "Active", createdAt: daysAgo(400) }])).items);

    // Assess
    expect(item.kind).toBe("roles-anywhere-or-identity-center");
  });

  it("keys from the credential report (no id) are named by their creation date", () => {
    // Act
    const item = only(adviseUser(facts([{ ...key("x", 60, null), id: undefined }])).items);

    // Assess
    expect(item.keys).toEqual(["created 2026-04-02"]);
  });

  it("keysByKind counts keys, not users", () => {
    // Prepare
    const advice = [
      adviseUser(facts([key("A", 120, 90), key("B", 10, 1, "s3")], [GITHUB])),
      adviseUser(facts([key("C", 60, null), key("D", 60, null)])),
    ];

    // Act
    const counts = keysByKind(advice);

    // Assess
    expect(counts).toEqual({ remove: 3, oidc: 1, "scoped-role": 0, "roles-anywhere-or-identity-center": 0 });
  });
});
