import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { ClientOptions } from "../../../shared/aws/client-config";
import { IamAdapter } from "../../../shared/aws/iam";
import { StsKeyVerifier } from "../../../shared/aws/key-verifier";
import { KmsAdapter } from "../../../shared/aws/kms";
import { LedgerAdapter } from "../../../shared/aws/ledger";
import { OrganizationsAdapter } from "../../../shared/aws/organizations";
import { S3Adapter } from "../../../shared/aws/s3";
import { SecretsAdapter } from "../../../shared/aws/secrets";
import { SecurityHubAdapter } from "../../../shared/aws/securityhub";
import { SesAdapter } from "../../../shared/aws/ses";
import { SqsAdapter } from "../../../shared/aws/sqs";
import { SsmAdapter } from "../../../shared/aws/ssm";
import { StsAdapter } from "../../../shared/aws/sts";
import { AwsCallError } from "../../../shared/errors";
import { Redacted } from "../../../shared/redacted";
import { startTrickleServer, type TrickleMode, type TrickleServer } from "../../support/trickle-server";

/**
 * Real SDK v3 clients, built as keyrotor builds them, against a local server that never finishes an
 * answer but never falls silent either: the per-attempt timeout alone would let such a call run on.
 */

const DEADLINE_SECONDS = 2;
/** What "ends within the deadline" allows for a loaded machine: the property, not a speed test. */
const SLACK_MS = 5_000;
const OPTIONS: ClientOptions = {
  region: "us-east-1",
  credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "not-a-secret" },
  maxAttempts: 3,
  timeoutSeconds: 1,
  deadlineSeconds: DEADLINE_SECONDS,
};
const ACCOUNT = "123456789012";

/** One call of every adapter, with the service and operation its failure must name. */
const callsTo = (endpoint: string): readonly [string, string, () => Promise<unknown>][] => [
  ["IAM", "ListAccessKeys", () => IamAdapter.create(OPTIONS).listAccessKeys("app")],
  ["SecretsManager", "DescribeSecret", () => SecretsAdapter.create(OPTIONS).describeSecret("keyrotor/app")],
  ["KMS", "Encrypt", () => KmsAdapter.create(OPTIONS).encrypt("alias/k", new Redacted("x"), { a: "b" })],
  ["Organizations", "ListAccounts", () => OrganizationsAdapter.create(OPTIONS).listAccounts()],
  [
    "S3",
    "PutObject",
    () =>
      S3Adapter.create(OPTIONS).putObject("reports", {
        key: "r.html",
        body: "<p>",
        contentType: "text/html",
      }),
  ],
  [
    "SES",
    "SendEmail",
    () =>
      SesAdapter.create(OPTIONS).sendEmail({
        from: "keyrotor@example.com",
        to: ["owner@example.com"],
        cc: [],
        bcc: [],
        subject: "s",
        text: "t",
        html: "<p>t</p>",
      }),
  ],
  [
    "SQS",
    "SendMessageBatch",
    () =>
      SqsAdapter.create(OPTIONS).sendFifo(`${endpoint}/${ACCOUNT}/jobs.fifo`, [
        { body: "{}", groupId: "g", deduplicationId: "d" },
      ]),
  ],
  ["SSM", "PutParameter", () => SsmAdapter.create(OPTIONS).putSecureString("/app/key", new Redacted("v"))],
  ["SSM", "DescribeParameters", () => SsmAdapter.create(OPTIONS).describeParameters(["/app/key"])],
  ["STS", "GetCallerIdentity", () => StsAdapter.create(OPTIONS).whoAmI()],
  ["DynamoDB", "DescribeTable", () => LedgerAdapter.create("ledger", OPTIONS).checkTable()],
  // Through lib-dynamodb's document client, which has a `send` of its own.
  ["DynamoDB", "Query", () => LedgerAdapter.create("ledger", OPTIONS).loadAccount(ACCOUNT)],
  [
    "SecurityHub",
    "GetFindings",
    () =>
      SecurityHubAdapter.create(
        async () => ({ accountId: ACCOUNT, partition: "aws", arn: `arn:aws:iam::${ACCOUNT}:root` }),
        OPTIONS,
      ).activeFindings(ACCOUNT),
  ],
];

/** The call's failure and how long it took to fail. */
async function timed(call: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const start = performance.now();
  const error = await call().then(
    () => new Error("the call succeeded"),
    (e: unknown) => e,
  );
  return { error, ms: performance.now() - start };
}

describe.each<TrickleMode>(["body", "headers"])("an AWS call whose answer trickles (%s)", (mode) => {
  let server: TrickleServer;

  beforeAll(async () => {
    server = await startTrickleServer(mode);
    vi.stubEnv("AWS_ENDPOINT_URL", server.endpoint);
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    await server.stop();
  });

  it("fails, in every adapter, within its deadline with all its attempts, naming service, operation and deadline", async () => {
    // Prepare
    const calls = callsTo(server.endpoint);
    const before = server.requests();

    // Act
    const outcomes = await Promise.all(calls.map(([, , call]) => timed(call)));

    // Assess
    for (const [i, [service, operation]] of calls.entries()) {
      const { error, ms } = outcomes[i] ?? { error: undefined, ms: Number.NaN };
      expect(error, `${service} ${operation}`).toBeInstanceOf(AwsCallError);
      expect(error, `${service} ${operation}`).toMatchObject({
        name: "AwsCallError",
        service,
        operation,
        code: "CallTimeout",
        retryable: true,
        message: expect.stringContaining(`${DEADLINE_SECONDS} s`),
      });
      expect(ms, `${service} ${operation}`).toBeLessThan(DEADLINE_SECONDS * 1000 + SLACK_MS);
    }
    // Headers that trickle end each attempt at its timeout: the deadline held the retries too.
    if (mode === "headers") expect(server.requests() - before).toBeGreaterThan(calls.length);
    // The calls let go of their connections: nothing keeps reading an answer nobody waits for.
    await vi.waitFor(() => expect(server.answering()).toBe(0), { timeout: SLACK_MS });
  }, 20_000);

  it("fails a new key's verification within the deadline, as an answer from STS that never came", async () => {
    // Prepare: an attempt's timeout longer than the deadline, which alone can end the call
    const verifier = new StsKeyVerifier({ ...OPTIONS, timeoutSeconds: 30 }, []);
    const key = { id: "AKIANEWKEY", createdAt: new Date(), secretAccessKey: new Redacted("new-secret") };

    // Act
    const { error, ms } = await timed(() => verifier.verify(key, `arn:aws:iam::${ACCOUNT}:user/app`));

    // Assess
    expect(error).toMatchObject({
      name: "KeyVerificationError",
      message: expect.stringContaining("CallTimeout"),
    });
    expect(ms).toBeLessThan(DEADLINE_SECONDS * 1000 + SLACK_MS);
  }, 20_000);
});

describe("every SDK client keyrotor builds", () => {
  const root = resolve(__dirname, "../../..");
  const sources = ["shared", "cli", "functions"].flatMap((dir) =>
    readdirSync(join(root, dir), { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".ts"))
      .map((file) => join(root, dir, file)),
  );
  /** Clients that have a deadline of their own or never send. */
  const EXEMPT: Record<string, string> = {
    "shared/aws/signed-json.ts SignedJsonClient": "bounds its own calls",
    "cli/aws/caller.ts STSClient": "only resolves region and credentials, within the deadline",
  };

  it("is built by sdkClient, which bounds its calls, or derives its deadline from one that is", () => {
    // Act
    const found: string[] = [];
    const unbounded: string[] = [];
    for (const path of sources) {
      const text = readFileSync(path, "utf8");
      const file = relative(root, path).split("\\").join("/");
      for (const [, name] of text.matchAll(/new\s+(\w+Client)\s*\(/g)) found.push(`${file} ${name}`);
      const derived = text.match(/DynamoDBDocumentClient\.from\(/g)?.length ?? 0;
      const bounded = text.match(/withDeadlineOf\(\s*DynamoDBDocumentClient\.from\(/g)?.length ?? 0;
      if (derived > bounded) unbounded.push(`${file} DynamoDBDocumentClient`);
    }

    // Assess
    expect(found.filter((client) => !(client in EXEMPT))).toEqual([]);
    expect(unbounded).toEqual([]);
    expect(found.sort()).toEqual(Object.keys(EXEMPT).sort());
  });
});
