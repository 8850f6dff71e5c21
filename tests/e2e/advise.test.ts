import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateAccessKeyCommand, CreateUserCommand, ListRolesCommand } from "@aws-sdk/client-iam";
import { ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runCaptured } from "../../cli/io";
import { clientsIn, createOrganization, createUsers } from "../../scripts/lib/emulator";
import { type Moto, startMoto } from "../../scripts/lib/moto";
import type { Advice } from "../../shared/advice/types";
import { stubMotoEnv } from "../support/moto-env";

// keyrotor advise against a moto organization: a member account with a user whose key nobody used
// for 60 days, a user whose key the configuration delivers to a GitHub repository, and a user whose
// key was used with S3 only.

let moto: Moto;
let prod: string;
let configPath: string;
const ids = new Map<string, string>();

const cli = (...args: string[]) => runCaptured(args, { ...process.env }, () => moto.now());
const advise = async (user: string) => {
  const { code, stdout, stderr } = await cli(
    "advise",
    "--account",
    prod,
    "--user",
    user,
    "--config",
    configPath,
    "--format",
    "json",
  );
  expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
  return JSON.parse(stdout) as Advice;
};

beforeAll(async () => {
  moto = await startMoto();
  stubMotoEnv(moto.endpoint);
  const org = await createOrganization([{ name: "Prod", ouPath: ["Workloads"] }]);
  // The ledger advise reads keyrotor's own verifications from: empty, keyrotor has verified nothing.
  expect((await cli("ledger", "init")).code).toBe(0);
  prod = org.accounts.Prod?.id ?? "";
  const { iam } = await clientsIn(prod);
  const idle = await createUsers(iam, [{ name: "idle", keys: ["Active"] }]);
  ids.set("idle", idle.get("idle")?.[0] ?? "");
  moto.setClockOffsetDays(60);
  const bot = await createUsers(iam, [{ name: "deploy-bot", keys: ["Active"] }]);
  ids.set("deploy-bot", bot.get("deploy-bot")?.[0] ?? "");
  await iam.send(new CreateUserCommand({ UserName: "reports" }));
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: "reports" }))).AccessKey;
  ids.set("reports", key?.AccessKeyId ?? "");
  // The reports job uses its key with S3, and moto records that use as IAM does: service and region.
  const s3 = new S3Client({
    region: "eu-west-1",
    forcePathStyle: true,
    credentials: { accessKeyId: key?.AccessKeyId ?? "", secretAccessKey: key?.SecretAccessKey ?? "" },
  });
  await s3.send(new ListBucketsCommand({}));
  const dir = mkdtempSync(join(tmpdir(), "keyrotor-advise-"));
  configPath = join(dir, "config.json");
  writeFileSync(
    configPath,
    JSON.stringify({
      deliveryKmsKeyId: "alias/keyrotor-delivery",
      deliveries: [
        {
          account: prod,
          user: "deploy-bot",
          destinations: [
            {
              type: "github",
              repository: "acme/app",
              environment: "prod",
              tokenSecret: "keyrotor-tokens/github",
            },
          ],
        },
      ],
    }),
  );
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await moto?.stop();
});

describe("keyrotor advise", () => {
  it("a key nobody used in 60 days: remove it", async () => {
    // Act
    const advice = await advise("idle");

    // Assess
    expect(advice).toMatchObject({ accountId: prod, userName: "idle", activeKeys: 1 });
    expect(advice.items).toEqual([
      expect.objectContaining({ kind: "remove", keys: [ids.get("idle")], byKeyrotor: false }),
    ]);
    expect(advice.items[0]?.why).toContain(`${ids.get("idle")} was never used in its 60 days`);
  });

  it("a key the configuration delivers to GitHub: an OIDC role trusting that repository's environment", async () => {
    // Act
    const advice = await advise("deploy-bot");

    // Assess
    const item = advice.items[0];
    expect(advice.items).toHaveLength(1);
    if (item?.kind !== "oidc") throw new Error(`expected oidc, got ${item?.kind}`);
    expect(item.keys).toEqual([ids.get("deploy-bot")]);
    expect(item.role.roleArn).toBe(`arn:aws:iam::${prod}:role/deploy-bot-oidc`);
    expect(item.role.trustPolicy.Statement[0]?.Condition).toEqual({
      StringEquals: {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": "repo:acme/app:environment:prod",
      },
    });
  });

  it("a key used with S3 only: a role scoped to s3, with the last use's service and region", async () => {
    // Act
    const advice = await advise("reports");

    // Assess
    const item = advice.items[0];
    expect(advice.items).toHaveLength(1);
    if (item?.kind !== "scoped-role") throw new Error(`expected scoped-role, got ${item?.kind}`);
    expect(item.lastUses).toEqual([
      expect.objectContaining({ key: ids.get("reports"), service: "s3", region: "eu-west-1" }),
    ]);
    expect(item.services.map((s) => s.actionPrefix)).toEqual(["s3"]);
    expect(item.permissionsPolicy.Statement[0]).toMatchObject({
      Effect: "Allow",
      Action: "s3:*",
      Condition: { StringEquals: { "aws:RequestedRegion": ["eu-west-1"] } },
    });
  });

  it("prints the advice and documents as text, the trust policy as valid JSON, and creates no role", async () => {
    // Act
    const { code, stdout } = await cli(
      "advise",
      "--account",
      prod,
      "--user",
      "deploy-bot",
      "--config",
      configPath,
    );

    // Assess
    expect(code).toBe(0);
    expect(stdout).toMatch(/^1\. oidc: Replace the key with role deploy-bot-oidc/m);
    expect(stdout).toContain("      - uses: aws-actions/configure-aws-credentials@v4");
    const trust = stdout.slice(stdout.indexOf("Trust policy of role deploy-bot-oidc:\n") + 38);
    const document = JSON.parse(trust.slice(0, trust.indexOf("\n    }\n") + 6));
    expect(document.Statement[0].Principal).toEqual({
      Federated: `arn:aws:iam::${prod}:oidc-provider/token.actions.githubusercontent.com`,
    });
    const { iam } = await clientsIn(prod);
    expect((await iam.send(new ListRolesCommand({}))).Roles?.map((r) => r.RoleName)).not.toContain(
      "deploy-bot-oidc",
    );
  });

  it("an account without that user, or a malformed account id: exit 2 and what is wrong", async () => {
    // Act
    const missing = await cli("advise", "--account", prod, "--user", "nobody", "--config", configPath);
    const malformed = await cli("advise", "--account", "prod", "--user", "idle");

    // Assess
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(new RegExp(`^keyrotor: account ${prod} has no IAM user nobody`));
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/^keyrotor: --account must be a 12-digit AWS account id/);
  });
});
