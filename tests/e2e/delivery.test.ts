import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  clientsIn,
  createOrganization,
  createUsers,
  type Organization,
  sentEmails,
} from "../../scripts/lib/emulator";
import type { FaultProxy } from "../../scripts/lib/fault-proxy";
import type { Moto } from "../../scripts/lib/moto";
import { type CircleCiServer, startCircleCiServer } from "../../scripts/lib/providers/circleci-server";
import { echoEverything } from "../../scripts/lib/providers/echo";
import { type GitHubServer, startGitHubServer } from "../../scripts/lib/providers/github-server";
import { type GitLabServer, startGitLabServer } from "../../scripts/lib/providers/gitlab-server";
import {
  startTerraformCloudServer,
  type TerraformCloudServer,
} from "../../scripts/lib/providers/terraform-cloud-server";
import { clientOptionsOf } from "../../shared/aws/client-config";
import { LedgerAdapter } from "../../shared/aws/ledger";
import { memberAccountOpener } from "../../shared/aws/member-account";
import { OrganizationsAdapter } from "../../shared/aws/organizations";
import { StsAdapter } from "../../shared/aws/sts";
import { configFromEnv } from "../../shared/config";
import { buildOrgReport } from "../../shared/report/build-report";
import { renderCsv } from "../../shared/report/render-csv";
import { renderHtml } from "../../shared/report/render-html";
import { renderJson } from "../../shared/report/render-json";
import { keyStatuses, readSecretJson } from "../support/account-fixture";
import { spellingsOf } from "../support/echo-answers";
import { memoryLog } from "../support/log";
import { drain, lambdaContext, scheduledEvent } from "../support/org-fixture";
import { deployService, type Service, startEmulators, stopService } from "../support/service";

/**
 * Delivery end to end: the real handlers and SDK against moto, the CI providers as local servers that
 * speak their documented APIs. A rotation reaches every destination; a destination that fails holds
 * the old key past day 100 and the owner is told why; once it recovers the old key is retired.
 */

const OPERATOR = "keyrotor-ops@example.com";
const LEDGER = "keyrotor-delivery-ledger";
const TOKENS = {
  github: "ghp_e2e-token-0001",
  gitlab: "glpat-e2e-token-0002",
  circleci: "cci-e2e-token-0003",
  tfc: "tfc.e2e-token-0004",
};
const CIRCLECI_LABEL = "CircleCI project gh/acme/app variables";

let moto: Moto;
let proxy: FaultProxy;
let org: Organization;
let service: Service;
let github: GitHubServer;
let gitlab: GitLabServer;
let circleci: CircleCiServer;
let tfc: TerraformCloudServer;
let managementSecrets: SecretsManagerClient;
/** The key ids of ci in Prod, as created. */
let originalKey = "";

const prod = () => org.accounts.Prod?.id ?? "";
const security = () => org.accounts.Security?.id ?? "";
const sandbox = () => org.accounts.Sandbox?.id ?? "";
/** Sandbox/tool's central copy, which someone else creates first. */
const squattedCopy = () => `keyrotor/central/${sandbox()}/tool`;

/** One daily run through the real handlers; `during(accountId)` may add faults while that account's job runs. */
async function runDay(day: number, during?: (accountId: string) => (() => void) | undefined) {
  moto.setClockOffsetDays(day);
  vi.setSystemTime(moto.now());
  await service.handlers.scheduler(scheduledEvent(moto.now()), lambdaContext("keyrotor-scheduler"));
  const jobs = await drain(service.queues.jobs.url);
  for (const record of jobs) {
    const accountId = (JSON.parse(record.body) as { account: { id: string } }).account.id;
    const undo = during?.(accountId);
    try {
      const response = await service.handlers.rotator(
        { Records: [record] },
        lambdaContext("keyrotor-rotator"),
      );
      expect(response.batchItemFailures).toEqual([]);
    } finally {
      undo?.();
    }
  }
  const notices = await drain(service.queues.notices.url);
  const before = (await sentEmails(moto.endpoint)).length;
  await service.handlers.notifier({ Records: notices }, lambdaContext("keyrotor-notifier"));
  return (await sentEmails(moto.endpoint)).slice(before);
}

async function keysOf(accountId: string, userName: string) {
  return keyStatuses((await clientsIn(accountId)).iam, userName);
}

beforeAll(async () => {
  const emulators = await startEmulators();
  ({ moto, proxy } = emulators);
  org = await createOrganization([{ name: "Prod" }, { name: "Sandbox" }, { name: "Security" }]);
  const created = await createUsers((await clientsIn(prod())).iam, [{ name: "ci", keys: ["Active"] }]);
  originalKey = created.get("ci")?.[0] ?? "";
  await createUsers((await clientsIn(sandbox())).iam, [{ name: "tool", keys: ["Active"] }]);

  github = await startGitHubServer({ token: TOKENS.github, repositories: ["acme/app"] });
  gitlab = await startGitLabServer({ token: TOKENS.gitlab, projects: [{ id: 7, path: "acme/app" }] });
  circleci = await startCircleCiServer({ token: TOKENS.circleci, projects: ["gh/acme/app"] });
  tfc = await startTerraformCloudServer({ token: TOKENS.tfc, organizations: { acme: ["prod"] } });

  managementSecrets = new SecretsManagerClient({});
  for (const [name, token] of Object.entries(TOKENS)) {
    // CircleCI's token is wrong at first: that destination fails until someone fixes it.
    const value = name === "circleci" ? "cci-revoked-token" : token;
    await managementSecrets.send(
      new CreateSecretCommand({ Name: `keyrotor-tokens/${name}`, SecretString: value }),
    );
  }
  // An administrator of Security pre-creates tool's central copy, tagged as keyrotor tags its copies.
  await (await clientsIn(security())).secrets.send(
    new CreateSecretCommand({
      Name: squattedCopy(),
      SecretString: "theirs",
      Tags: [
        { Key: "keyrotor:copy-of", Value: `${sandbox()}/tool` },
        { Key: "keyrotor:user", Value: "tool" },
      ],
    }),
  );
  const kms = await new KMSClient({}).send(new CreateKeyCommand({ Description: "keyrotor delivery" }));
  const deliveries = [
    {
      account: prod(),
      user: "ci",
      destinations: [
        { type: "github", repository: "acme/app", apiUrl: github.url, tokenSecret: "keyrotor-tokens/github" },
        { type: "gitlab", project: "acme/app", apiUrl: gitlab.url, tokenSecret: "keyrotor-tokens/gitlab" },
        {
          type: "circleci",
          project: "gh/acme/app",
          apiUrl: circleci.url,
          tokenSecret: "keyrotor-tokens/circleci",
        },
        {
          type: "terraform-cloud",
          organization: "acme",
          workspace: "prod",
          apiUrl: tfc.url,
          tokenSecret: "keyrotor-tokens/tfc",
        },
        { type: "ssm", path: "/keyrotor/ci/{userName}" },
        { type: "secrets-manager", account: security(), name: "keyrotor/central/{accountId}/{userName}" },
      ],
    },
    {
      account: sandbox(),
      user: "tool",
      destinations: [
        { type: "secrets-manager", account: security(), name: "keyrotor/central/{accountId}/{userName}" },
      ],
    },
  ];
  service = await deployService(emulators, LEDGER, {
    KEYROTOR_DELIVERIES: JSON.stringify(deliveries),
    KEYROTOR_DELIVERY_KMS_KEY_ID: kms.KeyMetadata?.KeyId ?? "",
    KEYROTOR_ADMIN_EMAIL: OPERATOR,
  });
}, 120_000);

afterAll(async () => {
  await Promise.all([github?.close(), gitlab?.close(), circleci?.close(), tfc?.close()]);
  await stopService({ moto, proxy });
});

describe("delivering rotated keys to CI", () => {
  let newKey: { AccessKeyId: string; SecretAccessKey: string };

  it("day 90: the new key is verified, stored and delivered everywhere that works; the owner hears what failed and how to fix it", async () => {
    // Act
    const emails = await runDay(90);
    // Assess
    const prodClients = await clientsIn(prod());
    newKey = await readSecretJson(prodClients.secrets, "keyrotor/ci");
    expect(newKey.AccessKeyId).not.toBe(originalKey);
    expect(github.secrets({ repository: "acme/app" }).get("AWS_SECRET_ACCESS_KEY")).toBe(
      newKey.SecretAccessKey,
    );
    expect(github.secrets({ repository: "acme/app" }).get("AWS_ACCESS_KEY_ID")).toBe(newKey.AccessKeyId);
    const lab = Object.fromEntries(gitlab.variables({ project: 7 }).map((v) => [v.key, v]));
    expect(lab.AWS_SECRET_ACCESS_KEY).toMatchObject({
      value: newKey.SecretAccessKey,
      masked: true,
      protected: true,
    });
    const tf = Object.fromEntries(tfc.variables("acme", "prod").map((v) => [v.key, v]));
    expect(tf.AWS_ACCESS_KEY_ID).toMatchObject({
      value: newKey.AccessKeyId,
      category: "env",
      sensitive: true,
    });
    const ssm = new SSMClient({ credentials: prodClients.credentials });
    const param = await ssm.send(
      new GetParameterCommand({ Name: "/keyrotor/ci/ci/AWS_SECRET_ACCESS_KEY", WithDecryption: true }),
    );
    expect(param.Parameter).toMatchObject({ Type: "SecureString", Value: newKey.SecretAccessKey });
    const central = await readSecretJson(
      (await clientsIn(security())).secrets,
      `keyrotor/central/${prod()}/ci`,
    );
    expect(central.AccessKeyId).toBe(newKey.AccessKeyId);
    // CircleCI refused keyrotor's token: nothing there; the operators are told how to fix it, the
    // owner only that the pipeline waits (the token lives in keyrotor's account, out of their reach).
    expect(circleci.variables({ project: "gh/acme/app" })).toEqual({});
    const prodMail = emails.find((e) => e.destinations.ToAddresses?.includes(org.accounts.Prod?.email ?? ""));
    expect(prodMail?.body).toContain(CIRCLECI_LABEL);
    expect(prodMail?.body).toMatch(/has not received new key AKIA\w+ yet/);
    expect(prodMail?.body).not.toContain("keyrotor-tokens/circleci");
    expect(prodMail?.destinations.BccAddresses ?? []).toEqual([]);
    const operatorMail = emails.find(
      (e) => e.destinations.ToAddresses?.includes(OPERATOR) && e.body.includes(CIRCLECI_LABEL),
    );
    expect(operatorMail?.body).toContain("HTTP 401");
    expect(operatorMail?.body).toContain("keyrotor-tokens/circleci");
  });

  it("day 90: a central copy someone pre-created with keyrotor's tags is refused, its value untouched", async () => {
    // Prepare: the day-90 run above delivered tool's new key; its copy was squatted before it.
    const { GetSecretValueCommand } = await import("@aws-sdk/client-secrets-manager");
    const ledger = LedgerAdapter.create(LEDGER);

    // Act
    const delivery = (await ledger.loadAccount(sandbox())).users.get("tool")?.delivery;

    // Assess
    const failures = Object.values(delivery?.failures ?? {});
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      failure: "rejected",
      message: expect.stringContaining("keyrotor has no record of creating it"),
    });
    const squatted = await (await clientsIn(security())).secrets.send(
      new GetSecretValueCommand({ SecretId: squattedCopy() }),
    );
    expect(squatted.SecretString).toBe("theirs");
  });

  it("day 100: the failing destination holds the old key Active and the notice says why", async () => {
    // Act
    const emails = await runDay(100);
    // Assess
    expect(await keysOf(prod(), "ci")).toEqual(
      expect.arrayContaining([`${originalKey}:Active`, `${newKey.AccessKeyId}:Active`]),
    );
    const prodMail = emails.find((e) => e.destinations.ToAddresses?.includes(org.accounts.Prod?.email ?? ""));
    expect(prodMail?.body).toContain(originalKey);
    expect(prodMail?.body).toContain(CIRCLECI_LABEL);
  });

  it("day 101: the token is fixed, the key reaches CircleCI from the escrow and the old key is retired in the same run", async () => {
    // Prepare
    await managementSecrets.send(
      new PutSecretValueCommand({ SecretId: "keyrotor-tokens/circleci", SecretString: TOKENS.circleci }),
    );
    // Act
    await runDay(101);
    // Assess
    expect(circleci.variables({ project: "gh/acme/app" })).toEqual({
      AWS_ACCESS_KEY_ID: newKey.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: newKey.SecretAccessKey,
    });
    expect(await keysOf(prod(), "ci")).toEqual(
      expect.arrayContaining([`${originalKey}:Inactive`, `${newKey.AccessKeyId}:Active`]),
    );
  });

  it("day 191: every provider answers echoing the token and the request; no ledger item, log line, notice or report cell holds a token or a secret", async () => {
    // Prepare: each provider fails the request that carries the new secret (GitHub's first PUT,
    // sealed) repeating it, and its token, raw and encoded, in the body and the headers.
    github.answerWhen((r) => r.method === "PUT", echoEverything(422));
    gitlab.answerWhen((r) => r.url.includes("/variables/AWS_SECRET_ACCESS_KEY"), echoEverything(400));
    circleci.answerWhen((r) => r.text.includes('"name":"AWS_SECRET_ACCESS_KEY"'), echoEverything(302));
    tfc.answerWhen((r) => r.method === "PATCH" && /"value":"[^"]{40}"/.test(r.text), echoEverything(503));

    // Act
    const emails = await runDay(191);

    // Assess: the deliveries failed, each as keyrotor says it.
    const prodClients = await clientsIn(prod());
    const rotated = await readSecretJson(prodClients.secrets, "keyrotor/ci");
    expect(rotated.AccessKeyId).not.toBe(newKey.AccessKeyId);
    // keyrotor's own central copy, recorded on day 90, is rewritten with the rotated key.
    const central = await readSecretJson(
      (await clientsIn(security())).secrets,
      `keyrotor/central/${prod()}/ci`,
    );
    expect(central.AccessKeyId).toBe(rotated.AccessKeyId);
    const ledger = LedgerAdapter.create(LEDGER);
    const delivery = (await ledger.loadAccount(prod())).users.get("ci")?.delivery;
    expect(delivery?.keyId).toBe(rotated.AccessKeyId);
    const failures = Object.values(delivery?.failures ?? {});
    expect(failures.map((f) => f.failure).sort()).toEqual([
      "not-found",
      "rejected",
      "rejected",
      "unavailable",
    ]);
    expect(failures.map((f) => f.message).join("\n")).toContain("redirected to another origin (refused)");
    const prodMail = emails.find((e) => e.destinations.ToAddresses?.includes(org.accounts.Prod?.email ?? ""));
    expect(prodMail?.body).toContain("HTTP 422 (the request was refused as invalid)");
    expect(prodMail?.body).toContain("redirected to another origin (refused)");

    // Assess: nothing keyrotor keeps or sends holds a token or a secret, however spelled.
    const hidden = spellingsOf([
      ...proxy.handedOut,
      rotated.SecretAccessKey,
      ...Object.values(TOKENS),
      "cci-revoked-token",
    ]);
    const items = await new DynamoDBClient({}).send(new ScanCommand({ TableName: LEDGER }));
    expect(items.Count).toBeGreaterThan(0);
    expect(items.LastEvaluatedKey).toBeUndefined();
    const config = configFromEnv(process.env);
    const aws = clientOptionsOf(config);
    const report = await buildOrgReport(
      {
        organization: OrganizationsAdapter.create(aws),
        openAccount: memberAccountOpener(
          StsAdapter.create(aws),
          { partition: "aws", roleName: config.memberRoleName },
          aws,
        ),
        ledger,
        log: memoryLog(),
      },
      config,
      moto.now(),
    );
    const rendered = [renderHtml(report), renderCsv(report), renderJson(report)].join("\n");
    expect(rendered).toContain("redirected to another origin (refused)");
    const kept = {
      ledger: JSON.stringify(items.Items),
      logs: service.output.join("\n"),
      emails: JSON.stringify(await sentEmails(moto.endpoint)),
      report: rendered,
    };
    for (const [where, text] of Object.entries(kept)) {
      expect(
        hidden.filter((s) => text.includes(s)),
        where,
      ).toEqual([]);
    }
  });

  it("a key that fails verification is deleted again, and the user's secret never holds it", async () => {
    // Prepare: tool in Sandbox is 90 days old on day 90 as well; its turn came and went (only its central copy refused).
    // A second user made today rotates on day 191 (the day's second run); its key's GetCallerIdentity is refused.
    const sandboxId = sandbox();
    moto.setClockOffsetDays(101);
    await createUsers((await clientsIn(sandboxId)).iam, [{ name: "batch", keys: ["Active"] }]);
    const refuse = (accountId: string) => {
      if (accountId !== sandboxId) return undefined;
      const rule = (call: { operation: string }) =>
        call.operation === "GetCallerIdentity" ? "access-denied" : null;
      proxy.rules.push(rule);
      return () => proxy.rules.splice(proxy.rules.indexOf(rule), 1);
    };
    const before = await keysOf(sandboxId, "batch");
    const logged = service.output.length;
    // Act
    await runDay(191, refuse);
    // Assess
    expect(await keysOf(sandboxId, "batch")).toEqual(before);
    const failures = service.output
      .slice(logged)
      .filter((l) => l.includes("action failed") && l.includes("batch"));
    expect(failures.join("\n")).toContain("KeyVerificationError");
    const { secrets } = await clientsIn(sandboxId);
    await expect(readSecretJson(secrets, "keyrotor/batch")).rejects.toThrow();
  });

  it("no log line holds a key's secret or an API token", () => {
    const secrets = [...proxy.handedOut, ...Object.values(TOKENS), "cci-revoked-token"];
    const leaks = service.output.filter((line) => secrets.some((s) => line.includes(s)));
    expect(leaks).toEqual([]);
    expect(service.output.length).toBeGreaterThan(0);
  });
});
