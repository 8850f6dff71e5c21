import { CreateAccessKeyCommand } from "@aws-sdk/client-iam";
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetResourcePolicyCommand,
  PutResourcePolicyCommand,
  PutSecretValueCommand,
  TagResourceCommand,
} from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { adminClients, createUsers } from "../../scripts/lib/emulator";
import { MOTO_CREDENTIALS, type Moto, startMoto } from "../../scripts/lib/moto";
import { IamAdapter } from "../../shared/aws/iam";
import { LedgerAdapter } from "../../shared/aws/ledger";
import { SecretsAdapter } from "../../shared/aws/secrets";
import { type ConfigInput, parseConfig } from "../../shared/config";
import { type AccountReport, reconcileAccount, type UserReport } from "../../shared/rotation";
import { snapshot } from "../support/account-fixture";
import { memoryLog } from "../support/log";

/**
 * Each attack on keyrotor that someone inside a member account can mount with the rights keyrotor
 * does not control (tagging users, writing or deleting secrets), against moto, through the real
 * adapters and the ledger. Each is refused, reported, or healed; none makes keyrotor widen access,
 * write into someone else's secret, or retire or delete a key.
 */

const ACCOUNT = "123456789012";
const ATTACKER = "arn:aws:iam::123456789012:role/attacker";
const clientOptions = { region: "us-east-1", credentials: MOTO_CREDENTIALS, maxAttempts: 2 };
const admin = () => adminClients();

let moto: Moto;
let ids: Map<string, string[]>;

async function runOn(day: number, overrides: Partial<ConfigInput> = {}): Promise<AccountReport> {
  moto.setClockOffsetDays(day);
  const settings = parseConfig({ mode: "enforce", senderEmail: "k@example.com", ...overrides });
  return reconcileAccount(
    {
      iam: IamAdapter.create(clientOptions),
      secrets: SecretsAdapter.create(clientOptions),
      ledger: LedgerAdapter.create("keyrotor-trust-ledger", clientOptions),
      log: memoryLog(),
    },
    settings,
    { accountId: ACCOUNT, runId: `day-${day}`, now: moto.now() },
  );
}

const userOf = (report: AccountReport, name: string): UserReport => {
  const u = report.users.find((x) => x.userName === name);
  if (!u) throw new Error(`${name} was not looked at`);
  return u;
};
const keysOf = async (user: string) => (await snapshot(admin())).users[user] ?? [];
const original = (user: string) => ids.get(user)?.[0] ?? "";

beforeAll(async () => {
  moto = await startMoto();
  vi.stubEnv("AWS_ENDPOINT_URL", moto.endpoint);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await moto?.stop();
});

beforeEach(async () => {
  await moto.reset();
  moto.setClockOffsetDays(0);
  await LedgerAdapter.create("keyrotor-trust-ledger", clientOptions).ensureTable();
});

describe("a tag can choose among what the operator allowed, never widen access", () => {
  it("a readers tag naming the tagger's own role grants it nothing, and the owner is told", async () => {
    // Prepare: iam:TagUser is all it takes to write the tag.
    ids = await createUsers(admin().iam, [
      { name: "app", keys: ["Active"], tags: { "keyrotor:readers": ATTACKER } },
    ]);
    // Act
    const report = await runOn(90);
    // Assess
    const policy = await admin().secrets.send(new GetResourcePolicyCommand({ SecretId: "keyrotor/app" }));
    expect(policy.ResourcePolicy).not.toContain("attacker");
    expect(userOf(report, "app").findings).toContainEqual(
      expect.objectContaining({ kind: "readers-ignored", detail: expect.stringContaining(ATTACKER) }),
    );
  });

  it("an allowlisted tag reader is honoured; a reader the operator adds reaches existing secrets on the next run", async () => {
    // Prepare
    ids = await createUsers(admin().iam, [
      {
        name: "app",
        keys: ["Active"],
        tags: { "keyrotor:readers": "arn:aws:iam::123456789012:role/ci-deploy" },
      },
    ]);
    const allow = { readerTagAllowlist: ["arn:aws:iam::123456789012:role/ci-*"] };
    await runOn(90, allow);
    const policyOf = async () =>
      (await admin().secrets.send(new GetResourcePolicyCommand({ SecretId: "keyrotor/app" }))).ResourcePolicy;
    expect(await policyOf()).toContain("role/ci-deploy");
    // Act: the next day nothing is due for app, but the operator added a reader to the configuration.
    const report = await runOn(91, { ...allow, readerPrincipals: ["arn:aws:iam::123456789012:role/audit"] });
    // Assess
    expect(await policyOf()).toContain("role/audit");
    expect(userOf(report, "app").findings).toContainEqual(
      expect.objectContaining({ kind: "policy-updated", outcome: "done" }),
    );
    expect(userOf(report, "app").actions).toEqual([]);
  });
});

describe("a secret keyrotor did not create is never written into", () => {
  it("a squatted secret blocks the user: no key is made, nothing is written, the reason is reported", async () => {
    // Prepare: an insider pre-creates the secret with their own description and tags.
    ids = await createUsers(admin().iam, [{ name: "app", keys: ["Active"] }]);
    await admin().secrets.send(
      new CreateSecretCommand({
        Name: "keyrotor/app",
        Description: "mine",
        Tags: [{ Key: "keyrotor:user", Value: "app" }],
      }),
    );
    // Act
    const report = await runOn(90);
    // Assess
    expect(userOf(report, "app")).toMatchObject({
      status: "blocked",
      reason: expect.stringContaining("was not created by keyrotor"),
      actions: [],
    });
    expect(await keysOf("app")).toEqual([`${original("app")}:Active`]);
    const secret = await admin().secrets.send(new DescribeSecretCommand({ SecretId: "keyrotor/app" }));
    expect(Object.keys(secret.VersionIdsToStages ?? {})).toEqual([]);
  });

  it("with adoptForeignSecrets the operator may let keyrotor adopt it: its policy is reset first", async () => {
    ids = await createUsers(admin().iam, [{ name: "app", keys: ["Active"] }]);
    await admin().secrets.send(new CreateSecretCommand({ Name: "keyrotor/app" }));
    await admin().secrets.send(
      new PutResourcePolicyCommand({
        SecretId: "keyrotor/app",
        ResourcePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Principal: { AWS: ATTACKER }, Action: "secretsmanager:*", Resource: "*" },
          ],
        }),
      }),
    );
    const report = await runOn(90, { adoptForeignSecrets: true });
    expect(userOf(report, "app").findings).toContainEqual(
      expect.objectContaining({ kind: "secret-adopted", outcome: "done" }),
    );
    expect(userOf(report, "app").actions).toMatchObject([{ kind: "create", outcome: "done" }]);
    const policy = await admin().secrets.send(new GetResourcePolicyCommand({ SecretId: "keyrotor/app" }));
    expect(policy.ResourcePolicy).not.toContain("attacker");
  });

  it("even with adoptForeignSecrets, a secret under a KMS key keyrotor does not control is refused", async () => {
    ids = await createUsers(admin().iam, [{ name: "app", keys: ["Active"] }]);
    await admin().secrets.send(
      new CreateSecretCommand({
        Name: "keyrotor/app",
        KmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/attacker",
      }),
    );
    const report = await runOn(90, { adoptForeignSecrets: true });
    expect(userOf(report, "app")).toMatchObject({
      status: "blocked",
      reason: expect.stringContaining("KMS key keyrotor does not control"),
    });
    expect(await keysOf("app")).toEqual([`${original("app")}:Active`]);
  });
});

describe("state planted in the member account is not believed", () => {
  it("a hand-written pending tag never makes keyrotor delete a key it did not create", async () => {
    // Prepare: rotated on day 90; on day 95 someone makes a key by hand (never used) and plants the
    // old pending mark on the secret, as if keyrotor had announced it.
    ids = await createUsers(admin().iam, [{ name: "app", keys: ["Active"] }]);
    await runOn(90);
    const keys = await keysOf("app");
    const oldKey = original("app");
    const rotated = keys.find((k) => !k.startsWith(oldKey))?.split(":")[0] ?? "";
    moto.setClockOffsetDays(95);
    await admin().secrets.send(
      new TagResourceCommand({
        SecretId: "keyrotor/app",
        Tags: [{ Key: "keyrotor:pending-since", Value: moto.now().toISOString() }],
      }),
    );
    // Act: day 110 (old key deleted by the rules), then a run with the planted mark in place.
    await runOn(100);
    await runOn(110);
    moto.setClockOffsetDays(111);
    const handMade = (await admin().iam.send(new CreateAccessKeyCommand({ UserName: "app" }))).AccessKey
      ?.AccessKeyId;
    const report = await runOn(112);
    // Assess: the hand-made key is untouched; keyrotor's recorded key too.
    expect(await keysOf("app")).toEqual([`${handMade}:Active`, `${rotated}:Active`].sort());
    expect(report.users.find((u) => u.userName === "app")?.actions ?? []).toEqual([]);
  });
});

describe("a replacement counts only while it can be fetched", () => {
  async function rotatedOnDay90() {
    ids = await createUsers(admin().iam, [{ name: "app", keys: ["Active"] }]);
    const report = await runOn(90);
    expect(userOf(report, "app").actions).toMatchObject([{ kind: "create", outcome: "done" }]);
  }

  it("a secret deleted behind keyrotor's back keeps the old key active, and says why", async () => {
    await rotatedOnDay90();
    await admin().secrets.send(
      new DeleteSecretCommand({ SecretId: "keyrotor/app", ForceDeleteWithoutRecovery: true }),
    );
    const report = await runOn(100);
    expect(await keysOf("app")).toContain(`${original("app")}:Active`);
    expect(userOf(report, "app").actions).toEqual([]);
    expect(userOf(report, "app").findings).toContainEqual(expect.objectContaining({ kind: "secret-gone" }));
  });

  it("a secret scheduled for deletion is restored (keyrotor made it), then the old key is retired on time", async () => {
    await rotatedOnDay90();
    await admin().secrets.send(
      new DeleteSecretCommand({ SecretId: "keyrotor/app", RecoveryWindowInDays: 7 }),
    );
    const report = await runOn(100);
    expect(userOf(report, "app").findings).toContainEqual(
      expect.objectContaining({ kind: "secret-restored", outcome: "done" }),
    );
    const secret = await admin().secrets.send(new DescribeSecretCommand({ SecretId: "keyrotor/app" }));
    expect(secret.DeletedDate).toBeUndefined();
    expect(await keysOf("app")).toContain(`${original("app")}:Inactive`);
  });

  it("a value someone else wrote holds the old key and is reported", async () => {
    await rotatedOnDay90();
    await admin().secrets.send(
      new PutSecretValueCommand({ SecretId: "keyrotor/app", SecretString: '{"AccessKeyId":"AKIAFORGED"}' }),
    );
    const report = await runOn(100);
    expect(await keysOf("app")).toContain(`${original("app")}:Active`);
    expect(userOf(report, "app").findings).toContainEqual(
      expect.objectContaining({ kind: "foreign-version" }),
    );
  });

  it("a policy someone loosened is put back before the next key is written into the secret", async () => {
    await rotatedOnDay90();
    await admin().secrets.send(
      new PutResourcePolicyCommand({
        SecretId: "keyrotor/app",
        ResourcePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { AWS: ATTACKER },
              Action: "secretsmanager:GetSecretValue",
              Resource: "*",
            },
          ],
        }),
      }),
    );
    await runOn(100);
    await runOn(110);
    const report = await runOn(180);
    expect(userOf(report, "app").findings).toContainEqual(
      expect.objectContaining({ kind: "policy-restored", outcome: "done" }),
    );
    expect(userOf(report, "app").actions).toMatchObject([{ kind: "create", outcome: "done" }]);
    const policy = await admin().secrets.send(new GetResourcePolicyCommand({ SecretId: "keyrotor/app" }));
    expect(policy.ResourcePolicy).not.toContain("attacker");
  });
});
