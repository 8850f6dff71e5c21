import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { EnableSecurityHubCommand, GetFindingsCommand, SecurityHubClient } from "@aws-sdk/client-securityhub";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runCaptured } from "../../cli/io";
import {
  clientsIn,
  createOrganization,
  createUsers,
  type Organization,
  sentEmails,
} from "../../scripts/lib/emulator";
import { type FaultKind, type FaultProxy, failCall } from "../../scripts/lib/fault-proxy";
import { MOTO_CREDENTIALS, type Moto } from "../../scripts/lib/moto";
import { type GitHubServer, startGitHubServer } from "../../scripts/lib/providers/github-server";
import { LedgerAdapter } from "../../shared/aws/ledger";
import { keyStatuses, readSecretJson, snapshot } from "../support/account-fixture";
import { drain, healthEvent, lambdaContext, scheduledEvent } from "../support/org-fixture";
import { deployService, type Service, startEmulators, stopService } from "../support/service";

/**
 * An exposed key answered end to end, through the real CLI and handlers against moto and a local
 * GitHub: replaced, stored, delivered, verified, the exposed key revoked, the owner told at once; a
 * second request, a replayed event, a key of another user or account change nothing.
 */

const LEDGER = "keyrotor-incident-ledger";
const TOKEN = "ghp_incident-token-0001";

let moto: Moto;
let proxy: FaultProxy;
let org: Organization;
let service: Service;
let github: GitHubServer;
let exposedKey = "";
let otherKey = "";
let toolKey = "";
let deployKey = "";

const hub = new SecurityHubClient({ region: "us-east-1", credentials: MOTO_CREDENTIALS });
const prod = () => org.accounts.Prod?.id ?? "";
const sandbox = () => org.accounts.Sandbox?.id ?? "";
const cli = (...args: string[]) => runCaptured(args, { ...process.env }, () => moto.now());
const keysOf = async (accountId: string, userName: string) =>
  keyStatuses((await clientsIn(accountId)).iam, userName);
const ownerMails = async (since: number, accountId: string) =>
  (await sentEmails(moto.endpoint))
    .slice(since)
    .filter((e) =>
      e.destinations.ToAddresses?.includes(
        Object.values(org.accounts).find((a) => a.id === accountId)?.email ?? "",
      ),
    );

/**
 * The Health event through the scheduler, the rotator and the notifier, as the deployed path runs it.
 * Returns the jobs the rotator refused (they go to the dead-letter queue, where the alarm sees them).
 */
async function deliverEvent(event: unknown): Promise<string[]> {
  await service.handlers.scheduler(event, lambdaContext("keyrotor-scheduler"));
  const refused: string[] = [];
  for (const record of await drain(service.queues.jobs.url)) {
    const response = await service.handlers.rotator({ Records: [record] }, lambdaContext("keyrotor-rotator"));
    refused.push(...response.batchItemFailures.map((f) => f.itemIdentifier));
  }
  await service.handlers.notifier(
    { Records: await drain(service.queues.notices.url) },
    lambdaContext("keyrotor-notifier"),
  );
  return refused;
}

beforeAll(async () => {
  const emulators = await startEmulators();
  ({ moto, proxy } = emulators);
  org = await createOrganization([{ name: "Prod" }, { name: "Sandbox" }]);
  const prodUsers = await createUsers((await clientsIn(prod())).iam, [
    { name: "ci", keys: ["Active"] },
    { name: "other", keys: ["Active"] },
    { name: "deploy", keys: ["Active"] },
  ]);
  exposedKey = prodUsers.get("ci")?.[0] ?? "";
  otherKey = prodUsers.get("other")?.[0] ?? "";
  deployKey = prodUsers.get("deploy")?.[0] ?? "";
  toolKey =
    (
      await createUsers((await clientsIn(sandbox())).iam, [
        { name: "tool", keys: ["Active"] },
        { name: "batch", keys: ["Active"] },
        { name: "etl", keys: ["Active"] },
      ])
    ).get("tool")?.[0] ?? "";
  github = await startGitHubServer({ token: TOKEN, repositories: ["acme/app", "acme/tool", "acme/deploy"] });
  await hub.send(new EnableSecurityHubCommand({}));
  await new SecretsManagerClient({}).send(
    new CreateSecretCommand({ Name: "keyrotor-tokens/github", SecretString: TOKEN }),
  );
  const kms = await new KMSClient({}).send(new CreateKeyCommand({ Description: "keyrotor delivery" }));
  const deliveries = [
    {
      account: prod(),
      user: "ci",
      destinations: [
        { type: "github", repository: "acme/app", apiUrl: github.url, tokenSecret: "keyrotor-tokens/github" },
      ],
    },
    {
      account: prod(),
      user: "deploy",
      destinations: [
        {
          type: "github",
          repository: "acme/deploy",
          apiUrl: github.url,
          tokenSecret: "keyrotor-tokens/github",
        },
      ],
    },
    {
      account: sandbox(),
      user: "tool",
      destinations: [
        {
          type: "github",
          repository: "acme/tool",
          apiUrl: github.url,
          tokenSecret: "keyrotor-tokens/github",
        },
      ],
    },
  ];
  service = await deployService(emulators, LEDGER, {
    KEYROTOR_DELIVERIES: JSON.stringify(deliveries),
    KEYROTOR_DELIVERY_KMS_KEY_ID: kms.KeyMetadata?.KeyId ?? "",
    KEYROTOR_SECURITY_HUB_FINDINGS: "true",
  });
  // Five days in: the keys are young, nowhere near their rotation.
  moto.setClockOffsetDays(5);
  vi.setSystemTime(moto.now());
}, 120_000);

afterAll(async () => {
  await github?.close();
  await stopService({ moto, proxy });
});

describe("keyrotor rotate --revoke", () => {
  let newKey = "";

  it("replaces a 5-day-old key now: the new one verified, stored and delivered, the exposed one Inactive, the owner told", async () => {
    // Prepare
    const mailed = (await sentEmails(moto.endpoint)).length;
    proxy.reset();

    // Act
    const { code, stdout, stderr } = await cli(
      "rotate",
      "--account",
      prod(),
      "--user",
      "ci",
      "--key",
      exposedKey,
      "--revoke",
      "--reason",
      "pushed to a public gist",
    );

    // Assess
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain(`exposed key ${exposedKey}: handled`);
    const secret = await readSecretJson((await clientsIn(prod())).secrets, "keyrotor/ci");
    newKey = secret.AccessKeyId;
    expect(await keysOf(prod(), "ci")).toEqual(
      expect.arrayContaining([`${exposedKey}:Inactive`, `${newKey}:Active`]),
    );
    expect(github.secrets({ repository: "acme/app" }).get("AWS_ACCESS_KEY_ID")).toBe(newKey);
    expect(github.secrets({ repository: "acme/app" }).get("AWS_SECRET_ACCESS_KEY")).toBe(
      secret.SecretAccessKey,
    );
    const ops = proxy.calls.map((c) => c.operation);
    expect(ops.lastIndexOf("GetCallerIdentity")).toBeGreaterThan(ops.indexOf("CreateAccessKey"));
    expect(ops.indexOf("UpdateAccessKey")).toBeGreaterThan(ops.indexOf("PutSecretValue"));
    const signedIn = await new STSClient({
      credentials: { accessKeyId: newKey, secretAccessKey: secret.SecretAccessKey },
    }).send(new GetCallerIdentityCommand({}));
    expect(signedIn.Arn).toMatch(/:user\/ci$/);
    const [mail, ...more] = await ownerMails(mailed, prod());
    expect(more).toEqual([]);
    expect(mail?.subject).toContain("1 exposed key answered");
    expect(mail?.body).toContain(`key ${exposedKey} was exposed`);
    expect(mail?.body).toContain(`replaced it with ${newKey}`);
    expect(mail?.body).toContain("aws cloudtrail lookup-events");
    expect(mail?.body).toContain("keyrotor never detaches it");
    expect(mail?.body).not.toContain("(new key)");
    expect(mail?.body).not.toContain("can be re-activated");
    expect(mail?.body).not.toContain(secret.SecretAccessKey);
    const record = (await LedgerAdapter.create(LEDGER).loadAccount(prod())).users.get("ci");
    expect(record?.incidents).toEqual([
      expect.objectContaining({
        keyId: exposedKey,
        trigger: "cli",
        reason: "pushed to a public gist",
        response: "revoke",
        replacedBy: newKey,
        revokedAt: expect.any(String),
        handledAt: expect.any(String),
      }),
    ]);
  });

  it("asked again for the same key: no third key, no second notice", async () => {
    // Prepare
    const before = await snapshot(await clientsIn(prod()));
    const mailed = (await sentEmails(moto.endpoint)).length;

    // Act
    const { code } = await cli(
      "rotate",
      "--account",
      prod(),
      "--user",
      "ci",
      "--key",
      exposedKey,
      "--revoke",
    );

    // Assess
    expect(code).toBe(0);
    expect(await snapshot(await clientsIn(prod()))).toEqual(before);
    expect(await ownerMails(mailed, prod())).toEqual([]);
  });

  it("a key that is not that user's is refused with exit 2, and nothing changes", async () => {
    // Prepare
    const before = await snapshot(await clientsIn(prod()));

    // Act
    const { code, stderr } = await cli(
      "rotate",
      "--account",
      prod(),
      "--user",
      "ci",
      "--key",
      otherKey,
      "--delete",
    );

    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain(
      `key ${otherKey} is not a key of IAM user ci in account ${prod()}: nothing was changed`,
    );
    expect(await snapshot(await clientsIn(prod()))).toEqual(before);
    expect(
      (await LedgerAdapter.create(LEDGER).loadAccount(prod())).users.get("other")?.incidents,
    ).toBeUndefined();
  });
});

describe("keyrotor rotate --revoke, where a destination is down", () => {
  it("revokes the exposed key anyway, and says loudly which destination needs a person now", async () => {
    // Prepare: GitHub fails every write to acme/deploy.
    for (let i = 0; i < 10; i++) {
      github.answerWhen(
        (r) => r.url.includes("/repos/acme/deploy/"),
        () => ({ status: 503, body: { message: "down" } }),
      );
    }
    const mailed = (await sentEmails(moto.endpoint)).length;

    // Act
    const { code, stdout } = await cli("rotate", "--account", prod(), "--user", "deploy", "--revoke");

    // Assess
    expect(code).toBe(1);
    expect(stdout).toContain(
      "NEEDS A PERSON NOW: the new key did not reach GitHub Actions secrets of repository acme/deploy",
    );
    const newKey = (await readSecretJson((await clientsIn(prod())).secrets, "keyrotor/deploy")).AccessKeyId;
    expect(await keysOf(prod(), "deploy")).toEqual(
      expect.arrayContaining([`${deployKey}:Inactive`, `${newKey}:Active`]),
    );
    const [mail] = await ownerMails(mailed, prod());
    expect(mail?.body).toContain("The new key did NOT reach:");
    expect(mail?.body).toContain("acme/deploy");
  });
});

describe("AWS Health's exposed-credentials event", () => {
  const eventId = "6a7e4b1c-0d2f-4e3a-9b8c-1d2e3f4a5b6c";
  let newKey = "";

  it("rotates the named key in the account that raised it and revokes the exposed one", async () => {
    // Prepare
    const mailed = (await sentEmails(moto.endpoint)).length;

    // Act
    const refused = await deliverEvent(healthEvent(sandbox(), [toolKey], moto.now(), eventId));

    // Assess
    expect(refused).toEqual([]);
    newKey = (await readSecretJson((await clientsIn(sandbox())).secrets, "keyrotor/tool")).AccessKeyId;
    expect(newKey).not.toBe(toolKey);
    expect(await keysOf(sandbox(), "tool")).toEqual(
      expect.arrayContaining([`${toolKey}:Inactive`, `${newKey}:Active`]),
    );
    const [mail] = await ownerMails(mailed, sandbox());
    expect(mail?.body).toContain("was exposed (reported by AWS Health on");
    const incident = (await LedgerAdapter.create(LEDGER).loadAccount(sandbox())).users.get("tool")
      ?.incidents?.[0];
    expect(incident).toMatchObject({
      keyId: toolKey,
      trigger: "health",
      response: "revoke",
      replacedBy: newKey,
    });
    expect(incident?.source).toContain("AWS_RISK_CREDENTIALS_EXPOSED");
    expect(github.secrets({ repository: "acme/tool" }).get("AWS_ACCESS_KEY_ID")).toBe(newKey);
    const finding = ((await hub.send(new GetFindingsCommand({}))).Findings ?? []).find(
      (f) => f.Id === `keyrotor/${sandbox()}/tool/incident/${toolKey}`,
    );
    expect(finding?.Workflow?.Status).toBe("RESOLVED");
    expect(finding?.Title).toContain(toolKey);
  });

  it("replayed, it changes nothing and tells nobody", async () => {
    // Prepare
    const before = await snapshot(await clientsIn(sandbox()));
    const mailed = (await sentEmails(moto.endpoint)).length;

    // Act
    const refused = await deliverEvent(healthEvent(sandbox(), [toolKey], moto.now(), eventId));

    // Assess
    expect(refused).toEqual([]);
    expect(await snapshot(await clientsIn(sandbox()))).toEqual(before);
    expect((await sentEmails(moto.endpoint)).slice(mailed)).toEqual([]);
  });

  it("raised in one account about another account's key, it touches neither", async () => {
    // Prepare: Prod's event names Sandbox's new key.
    const before = [await snapshot(await clientsIn(prod())), await snapshot(await clientsIn(sandbox()))];
    const mailed = (await sentEmails(moto.endpoint)).length;

    // Act
    const refused = await deliverEvent(healthEvent(prod(), [newKey], moto.now()));

    // Assess
    expect(refused).toHaveLength(1);
    expect([await snapshot(await clientsIn(prod())), await snapshot(await clientsIn(sandbox()))]).toEqual(
      before,
    );
    expect((await sentEmails(moto.endpoint)).slice(mailed)).toEqual([]);
    expect(service.output.join("\n")).toContain(
      `key ${newKey} is not a key of account ${prod()}: nothing was changed`,
    );
  });

  it("naming another account than the one it was raised in, it is refused before any job", async () => {
    // Prepare
    const event = healthEvent(prod(), [newKey], moto.now());
    const forged = { ...event, detail: { ...event.detail, affectedAccount: sandbox() } };

    // Act
    const refused = service.handlers.scheduler(forged, lambdaContext("keyrotor-scheduler"));

    // Assess
    await expect(refused).rejects.toThrow(`names account ${sandbox()}: refused`);
    expect(await drain(service.queues.jobs.url)).toEqual([]);
  });
});

describe("an exposed key's revocation that fails", () => {
  it.each([
    ["refused", "batch", "access-denied"],
    ["applied, its answer lost", "etl", "answer-lost"],
  ] as const)(
    "%s: the incident stays open, and the next daily run finishes it without a third key",
    async (_, user, kind) => {
      // Prepare: the deactivation of the exposed key fails (every attempt of it).
      const exposed = (await keysOf(sandbox(), user))[0]?.split(":")[0] ?? "";
      proxy.reset();
      proxy.rules.push(failCall("UpdateAccessKey", 1, kind as FaultKind));

      // Act
      await deliverEvent(healthEvent(sandbox(), [exposed], moto.now()));
      const open = (await LedgerAdapter.create(LEDGER).loadAccount(sandbox())).users.get(user)
        ?.incidents?.[0];
      proxy.reset();
      await deliverEvent(scheduledEvent(moto.now()));

      // Assess
      expect(open?.replacedBy).toBeDefined();
      expect(open?.handledAt).toBeUndefined();
      const replacement = open?.replacedBy ?? "";
      expect((await keysOf(sandbox(), user)).sort()).toEqual(
        [`${exposed}:Inactive`, `${replacement}:Active`].sort(),
      );
      const done = (await LedgerAdapter.create(LEDGER).loadAccount(sandbox())).users.get(user)
        ?.incidents?.[0];
      expect(done).toMatchObject({
        replacedBy: replacement,
        revokedAt: expect.any(String),
        handledAt: expect.any(String),
      });
    },
  );
});
