import { ListAccessKeysCommand } from "@aws-sdk/client-iam";
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { LedgerAdapter } from "../../shared/aws/ledger";
import { clientsIn, createOrganization, createUsers, verifySender } from "../lib/emulator";
import { startFaultProxy } from "../lib/fault-proxy";
import { createQueues, drain, healthEvent, lambdaContext } from "../lib/lambda-harness";
import { startMoto } from "../lib/moto";
import { startGitHubServer } from "../lib/providers/github-server";

/** What one exposed key cost, from the Health event in to the exposed key Inactive. */
export interface IncidentFigure {
  readonly seconds: number;
  /** Every AWS call of the response, its notice included (member account, STS, ledger, queues, SES), first attempts. */
  readonly calls: number;
}

const TOKEN = "ghp_bench-token-0001";
const USERS = 200;
const RUNS = 5;

type Handler = (event: unknown, context: unknown) => Promise<{ batchItemFailures?: unknown[] } | unknown>;

/**
 * The deployed path of an exposed key, in one process: the real scheduler, rotator and notifier
 * handlers and SDK against moto behind the fault proxy (which counts the calls), a member account of
 * 200 users, the exposed user's key delivered to a local GitHub. Lambda's cold starts and EventBridge's
 * forwarding are not in it: README.md says what they add.
 */
export async function incidentBench(): Promise<{
  users: number;
  runs: IncidentFigure[];
  medianSeconds: number;
}> {
  const moto = await startMoto();
  const proxy = await startFaultProxy(moto.endpoint);
  const repositories = Array.from({ length: RUNS }, (_, i) => `acme/app-${i}`);
  const github = await startGitHubServer({ token: TOKEN, repositories });
  const saved = { ...process.env };
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
  });
  try {
    const org = await createOrganization([{ name: "Prod" }]);
    const prod = org.accounts.Prod?.id ?? "";
    const users = Array.from({ length: USERS }, (_, u) => ({ name: `user-${u}`, keys: ["Active" as const] }));
    const keys = await createUsers((await clientsIn(prod)).iam, users);
    await verifySender("keyrotor@example.com");
    await LedgerAdapter.create("keyrotor-bench-incident").ensureTable();
    await new SecretsManagerClient({}).send(
      new CreateSecretCommand({ Name: "keyrotor-tokens/github", SecretString: TOKEN }),
    );
    const kms = await new KMSClient({}).send(new CreateKeyCommand({ Description: "keyrotor delivery" }));
    const exposed = Array.from({ length: RUNS }, (_, i) => `user-${i}`);
    const bound = (i: number) => ({
      type: "github",
      repository: `acme/app-${i}`,
      apiUrl: github.url,
      tokenSecret: "keyrotor-tokens/github",
    });
    process.env.AWS_ENDPOINT_URL = proxy.endpoint;
    const queues = await createQueues();
    Object.assign(process.env, {
      KEYROTOR_MODE: "enforce",
      KEYROTOR_SENDER_EMAIL: "keyrotor@example.com",
      KEYROTOR_LEDGER_TABLE: "keyrotor-bench-incident",
      KEYROTOR_DELIVERIES: JSON.stringify(
        exposed.map((user, i) => ({ account: prod, user, destinations: [bound(i)] })),
      ),
      KEYROTOR_DELIVERY_KMS_KEY_ID: kms.KeyMetadata?.KeyId ?? "",
      JOBS_QUEUE_URL: queues.jobs.url,
      NOTICES_QUEUE_URL: queues.notices.url,
      POWERTOOLS_LOG_LEVEL: "ERROR",
    });
    const scheduler = (await import("../../functions/scheduler")).handler as Handler;
    const rotator = (await import("../../functions/rotator")).handler as Handler;
    const notifier = (await import("../../functions/notifier")).handler as Handler;
    const runs: IncidentFigure[] = [];
    for (const user of exposed) {
      const keyId = keys.get(user)?.[0] ?? "";
      proxy.reset();
      const started = performance.now();
      await scheduler(healthEvent(prod, [keyId], new Date()), lambdaContext("keyrotor-scheduler"));
      for (const record of await drain(queues.jobs.url))
        await rotator({ Records: [record] }, lambdaContext("keyrotor-rotator"));
      const seconds = (performance.now() - started) / 1000;
      await notifier({ Records: await drain(queues.notices.url) }, lambdaContext("keyrotor-notifier"));
      const listed = await (await clientsIn(prod)).iam.send(new ListAccessKeysCommand({ UserName: user }));
      if (!listed.AccessKeyMetadata?.some((k) => k.AccessKeyId === keyId && k.Status === "Inactive")) {
        throw new Error(`bench: ${user}'s exposed key ${keyId} is not Inactive after the response`);
      }
      runs.push({
        seconds: Math.round(seconds * 100) / 100,
        calls: proxy.calls.filter((c) => c.attempt === 1).length,
      });
    }
    const sorted = runs.map((r) => r.seconds).sort((a, b) => a - b);
    return { users: USERS, runs, medianSeconds: sorted[Math.floor(sorted.length / 2)] ?? 0 };
  } finally {
    process.env = saved;
    await github.close();
    await proxy.stop();
    await moto.stop();
  }
}
