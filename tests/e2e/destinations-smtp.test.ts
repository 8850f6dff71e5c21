import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { clientsIn, createOrganization, createUsers, type Organization } from "../../scripts/lib/emulator";
import { selfSignedCertificate } from "../../scripts/lib/providers/certificate";
import { type GitLabServer, startGitLabServer } from "../../scripts/lib/providers/gitlab-server";
import { type SmtpServer, startSmtpServer } from "../../scripts/lib/providers/smtp-server";
import { keyStatuses, readSecretJson } from "../support/account-fixture";
import { drain, lambdaContext, scheduledEvent } from "../support/org-fixture";
import { deployService, type Service, startEmulators, stopService } from "../support/service";
import { pythonSmtpPassword } from "../support/smtp-password";

/**
 * SES SMTP credentials end to end: a user bound with `smtp` is rotated through the real handlers
 * against moto; its GitLab project gets the new key id and the password derived for eu-west-1 (never
 * the secret), after a local SES SMTP endpoint took them; day 100 retires the old key.
 */

const TOKEN = "glpat-e2e-smtp-0001";
const REGION = "eu-west-1";

let service: Service;
let org: Organization;
let gitlab: GitLabServer;
let smtp: SmtpServer;
let originalKey = "";
const prod = () => org.accounts.Prod?.id ?? "";

async function runDay(day: number) {
  service.moto.setClockOffsetDays(day);
  vi.setSystemTime(service.moto.now());
  await service.handlers.scheduler(scheduledEvent(service.moto.now()), lambdaContext("keyrotor-scheduler"));
  for (const record of await drain(service.queues.jobs.url)) {
    const response = await service.handlers.rotator({ Records: [record] }, lambdaContext("keyrotor-rotator"));
    expect(response.batchItemFailures).toEqual([]);
  }
}

beforeAll(async () => {
  const emulators = await startEmulators();
  org = await createOrganization([{ name: "Prod" }]);
  const created = await createUsers((await clientsIn(prod())).iam, [{ name: "mailer", keys: ["Active"] }]);
  originalKey = created.get("mailer")?.[0] ?? "";
  gitlab = await startGitLabServer({ token: TOKEN, projects: [{ id: 9, path: "acme/mail" }] });
  // SES's own check: the password of the user's current key in keyrotor's secret, derived by Python.
  smtp = await startSmtpServer({
    certificate: selfSignedCertificate(),
    passwordOf: async (username) => {
      const stored = await readSecretJson((await clientsIn(prod())).secrets, "keyrotor/mailer");
      return stored.AccessKeyId === username ? pythonSmtpPassword(stored.SecretAccessKey, REGION) : undefined;
    },
  });
  await new SecretsManagerClient({}).send(
    new CreateSecretCommand({ Name: "keyrotor-tokens/gitlab", SecretString: TOKEN }),
  );
  const kms = await new KMSClient({}).send(new CreateKeyCommand({ Description: "keyrotor delivery" }));
  const deliveries = [
    {
      account: prod(),
      user: "mailer",
      destinations: [
        { type: "gitlab", project: "acme/mail", apiUrl: gitlab.url, tokenSecret: "keyrotor-tokens/gitlab" },
      ],
      smtp: { regions: [REGION], verify: true, endpoint: `127.0.0.1:${smtp.port}` },
    },
  ];
  service = await deployService(emulators, "keyrotor-smtp-ledger", {
    KEYROTOR_DELIVERIES: JSON.stringify(deliveries),
    KEYROTOR_DELIVERY_KMS_KEY_ID: kms.KeyMetadata?.KeyId ?? "",
  });
}, 120_000);

afterAll(async () => {
  await Promise.all([gitlab?.close(), smtp?.close()]);
  await stopService(service);
});

describe("delivering SES SMTP credentials", () => {
  let newKey: { AccessKeyId: string; SecretAccessKey: string };

  it("day 90: GitLab gets SMTP_USERNAME = the new key id and SMTP_PASSWORD = its eu-west-1 password, after SES took them", async () => {
    // Act
    await runDay(90);

    // Assess
    newKey = await readSecretJson((await clientsIn(prod())).secrets, "keyrotor/mailer");
    expect(newKey.AccessKeyId).not.toBe(originalKey);
    const vars = Object.fromEntries(gitlab.variables({ project: 9 }).map((v) => [v.key, v]));
    expect(Object.keys(vars).sort()).toEqual(["SMTP_PASSWORD", "SMTP_USERNAME"]);
    expect(vars.SMTP_USERNAME?.value).toBe(newKey.AccessKeyId);
    expect(vars.SMTP_PASSWORD).toMatchObject({
      value: pythonSmtpPassword(newKey.SecretAccessKey, REGION),
      masked: true,
    });
    expect(smtp.auths).toEqual([
      { mechanism: "PLAIN", username: newKey.AccessKeyId, accepted: true, overTls: true },
    ]);
    expect(smtp.commands.filter((c) => /^(MAIL|RCPT|DATA)/i.test(c))).toEqual([]);
  });

  it("day 100: the old key is retired", async () => {
    // Act
    await runDay(100);

    // Assess
    expect(await keyStatuses((await clientsIn(prod())).iam, "mailer")).toEqual(
      expect.arrayContaining([`${originalKey}:Inactive`, `${newKey.AccessKeyId}:Active`]),
    );
  });

  it("no log line holds the secret, the SMTP password or the token", () => {
    const hidden = [newKey.SecretAccessKey, pythonSmtpPassword(newKey.SecretAccessKey, REGION), TOKEN];
    expect(service.output.filter((line) => hidden.some((h) => line.includes(h)))).toEqual([]);
    expect(service.output.length).toBeGreaterThan(0);
  });
});
