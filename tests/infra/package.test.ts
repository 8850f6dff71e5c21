import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import yaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSettingsFile } from "../../cli/config-file";
import { largeConfiguration } from "../../scripts/lib/large-config";
import { CHANNEL_SECRET_PREFIX } from "../../shared/channels/config";
import { canonicalJson, settingsDigest } from "../../shared/config-digest";
import { TOKEN_SECRET_PREFIX } from "../../shared/destinations/schema";
import { ACCOUNT_METRICS, JOB_METRICS } from "../../shared/metrics/emit";
import { JOB_DELIVERIES } from "../../shared/metrics/job-metrics";

const run = promisify(execFile);
// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON is read structurally here.
type Json = any;

const schema = (await import("../../infra/management-member-role.cjs")).default.schema as yaml.Schema;
const memberTemplateText = readFileSync("infra/member-role.yml", "utf8");
const memberTemplate = yaml.load(memberTemplateText, { schema }) as Json;

async function slsPackage(dir: string, ...params: string[]) {
  await run("node_modules/.bin/sls", ["package", "--stage", "package-check", "--package", dir, ...params], {
    // Offline: no credentials, no network, nothing but the local toolchain.
    env: { ...process.env, AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "", AWS_PROFILE: "" },
    timeout: 180_000,
  });
  return JSON.parse(readFileSync(join(dir, "cloudformation-template-update-stack.json"), "utf8")) as Json;
}

/** The settings a function's zip carries: the constant the build wrote into its code. */
function bundledText(zip: string): string {
  const unpacked = mkdtempSync(join(tmpdir(), "keyrotor-zip-"));
  try {
    execFileSync("unzip", ["-q", zip, "-d", unpacked]);
    const code = readdirSync(join(unpacked, "functions")).map((f) =>
      readFileSync(join(unpacked, "functions", f), "utf8"),
    );
    const constant = code.join("").match(/"(eyJ[A-Za-z0-9+/=]+)"/);
    return Buffer.from(constant?.[1] ?? "", "base64").toString("utf8");
  } finally {
    rmSync(unpacked, { recursive: true, force: true });
  }
}

/** A function's variables as long as a deployment can make them: a 30-character stage, the longest names. */
function atTheirLongest(variables: Record<string, Json>) {
  const stage = "s".repeat(30);
  const longest = (value: Json): string => {
    if (typeof value === "string") return value.replaceAll("package-check", stage);
    if (value.Ref === "AWS::Partition") return "aws-iso-b";
    if (value.Ref === "DeliveryKey") return "1234abcd-12ab-34cd-56ef-1234567890ab";
    if (value.Ref === "LedgerTable") return `keyrotor-${stage}-ledger`;
    // A bucket name CloudFormation makes up: at most 63 characters.
    if (value.Ref === "ReportBucket") return "b".repeat(63);
    const queue = value.Ref.replace(/Queue$/, "").replace(/[A-Z]/g, (c: string) => `-${c.toLowerCase()}`);
    return `https://sqs.ap-southeast-3.amazonaws.com/123456789012/keyrotor-${stage}${queue}.fifo`;
  };
  return Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, longest(value)]));
}

let dir: string;
let template: Json;
const resources = () => template.Resources as Record<string, Json>;
const ofType = (type: string) => Object.entries(resources()).filter(([, r]) => r.Type === type);
const statementsOf = (role: Json): Json[] =>
  (role.Properties.Policies ?? []).flatMap((p: Json) => p.PolicyDocument.Statement);
const actions = (s: Json): string[] => [s.Action].flat();
/** The most a function's zip may weigh: cold starts grow with it. */
const BUNDLE_BUDGET_BYTES = 300 * 1024;
/** What the key policy must never give the account: using the key, directly or through a grant. */
const KEY_USE = /^kms:(Encrypt|Decrypt|ReEncrypt|GenerateDataKey|CreateGrant|\*$)/;
/** One binding with a CI destination and an SSM destination, as an operator passes it. */
const DELIVERIES = JSON.stringify([
  {
    account: "111122223333",
    user: "ci-deployer",
    destinations: [
      { type: "github", repository: "acme/app", tokenSecret: "keyrotor-tokens/github" },
      { type: "ssm", path: "/keyrotor/ci/{userName}" },
    ],
  },
]);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "keyrotor-package-"));
  template = await slsPackage(dir);
}, 180_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("sls package (offline) and the generated template", () => {
  it("passes cfn-lint, as does the member role template", async () => {
    const lint = run("cfn-lint", [
      "--ignore-checks",
      "W3005", // the framework's own DependsOn on function roles
      "--",
      join(dir, "cloudformation-template-update-stack.json"),
      "infra/member-role.yml",
    ]);
    await expect(lint).resolves.toBeDefined();
  });

  it("runs every function on nodejs24.x, arm64, with its SDK bundled, each zip within the 300 KB budget", () => {
    const functions = ofType("AWS::Lambda::Function");
    expect(functions.map(([name]) => name).sort()).toEqual([
      "NotifierLambdaFunction",
      "ReporterLambdaFunction",
      "RotatorLambdaFunction",
      "SchedulerLambdaFunction",
    ]);
    for (const [, fn] of functions) {
      expect(fn.Properties.Runtime).toBe("nodejs24.x");
      expect(fn.Properties.Architectures).toEqual(["arm64"]);
    }
    for (const name of ["scheduler", "rotator", "notifier", "reporter"]) {
      const bundle = readFileSync(join(dir, `${name}.zip`));
      expect(bundle.length, name).toBeGreaterThan(10_000);
      expect(bundle.length, name).toBeLessThanOrEqual(BUNDLE_BUDGET_BYTES);
    }
  });

  it("passes no setting as a variable: the package-check file's settings are in each function's code, the template records their digest", () => {
    // Prepare: what `keyrotor config validate` digests for the same file
    const file = readSettingsFile("docs/keyrotor.example.yml");

    // Act
    const functions = ofType("AWS::Lambda::Function");

    // Assess
    for (const [name, fn] of functions) {
      const passed = Object.keys(fn.Properties.Environment.Variables).filter((k) =>
        k.startsWith("KEYROTOR_"),
      );
      expect(passed.sort(), name).toEqual(["KEYROTOR_DELIVERY_KMS_KEY_ID", "KEYROTOR_LEDGER_TABLE"]);
    }
    expect(template.Metadata.KeyrotorConfiguration.Digest).toBe(settingsDigest(file));
    expect(bundledText(join(dir, "rotator.zip"))).toBe(canonicalJson(file));
  });

  it("packages a 2,000-binding file with 500 reader rules: every function's environment stays under 4 KB, the rotator starts logging the file's digest", async () => {
    // Prepare: the file, and its digest as `keyrotor config validate` gives it
    const other = mkdtempSync(join(tmpdir(), "keyrotor-package-large-"));
    // A path relative to the service, as `config` takes it.
    const configDir = mkdtempSync(join(process.cwd(), ".keyrotor-test-"));
    const configPath = join(configDir, "keyrotor.yml");
    const settings = largeConfiguration(2000, 500);
    writeFileSync(configPath, yaml.dump(settings));
    try {
      // Act
      const large = await slsPackage(other, `--param=config=${relative(process.cwd(), configPath)}`);
      const unpacked = join(other, "rotator");
      await run("unzip", ["-q", join(other, "rotator.zip"), "-d", unpacked]);
      const started = await run(
        process.execPath,
        ["-e", `import(${JSON.stringify(join(unpacked, "functions/rotator.mjs"))})`],
        {
          env: {
            PATH: process.env.PATH,
            AWS_REGION: "eu-west-1",
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
            KEYROTOR_LEDGER_TABLE: "keyrotor-package-check-ledger",
            KEYROTOR_DELIVERY_KMS_KEY_ID: "alias/keyrotor",
            NOTICES_QUEUE_URL: "https://sqs.eu-west-1.amazonaws.com/123456789012/notices.fifo",
          },
        },
      );

      // Assess: Lambda measures a function's variables as their JSON, at most 4,096 bytes
      for (const [name, fn] of Object.entries(large.Resources as Record<string, Json>)) {
        if (fn.Type !== "AWS::Lambda::Function") continue;
        const variables = atTheirLongest(fn.Properties.Environment.Variables);
        expect(Buffer.byteLength(JSON.stringify(variables)), name).toBeLessThanOrEqual(4096);
      }
      const log = started.stdout
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line));
      expect(log).toContainEqual(
        expect.objectContaining({
          message: "configuration",
          configDigest: settingsDigest(settings),
          deliveryBindings: 2000,
        }),
      );
      expect(large.Metadata.KeyrotorConfiguration.Digest).toBe(settingsDigest(settings));
    } finally {
      rmSync(other, { recursive: true, force: true });
      rmSync(configDir, { recursive: true, force: true });
    }
  }, 240_000);

  it("gives every execution role least privilege: no wildcard actions allowed, AssumeRole on the member role (reader role for the reporter) only, SES on the sender only", () => {
    const roles = ofType("AWS::IAM::Role");
    for (const [, role] of roles) {
      // A wildcard in a Deny only takes more away.
      for (const statement of statementsOf(role).filter((s) => s.Effect === "Allow")) {
        for (const action of actions(statement)) expect(action).not.toMatch(/\*/);
      }
    }
    for (const [role, sid, name] of [
      ["RotatorRole", "AssumeMemberRoleOnly", "keyrotor-member"],
      ["ReporterRole", "AssumeMemberReaderRoleOnly", "keyrotor-member-reader"],
    ] as const) {
      const assume = statementsOf(resources()[role]).filter((s) => actions(s).includes("sts:AssumeRole"));
      expect(assume, role).toEqual([
        {
          Sid: sid,
          Effect: "Allow",
          Action: "sts:AssumeRole",
          Resource: { "Fn::Sub": `arn:\${AWS::Partition}:iam::*:role/${name}` },
        },
      ]);
    }
    const assumers = roles.filter(([, role]) =>
      statementsOf(role).some((s) => actions(s).includes("sts:AssumeRole")),
    );
    expect(assumers.map(([name]) => name).sort()).toEqual(["ReporterRole", "RotatorRole"]);
    const ses = statementsOf(resources().NotifierRole).filter((s) =>
      actions(s).some((a) => a.startsWith("ses:")),
    );
    expect(ses).toEqual([
      expect.objectContaining({
        Action: "ses:SendEmail",
        Resource: [
          {
            "Fn::Sub":
              "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/keyrotor@example.com",
          },
          {
            "Fn::Sub":
              "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:configuration-set/keyrotor-package-check-notices",
          },
        ],
      }),
    ]);
    // The only secrets any of them may read: the rotator's destination tokens, the channels' (the notifier's
    // and, for the weekly digest's channels, the reporter's).
    const secretReads = roles.flatMap(([name, role]) =>
      statementsOf(role)
        .filter((s) => s.Effect === "Allow" && actions(s).includes("secretsmanager:GetSecretValue"))
        .map((s) => [name, s]),
    );
    expect(secretReads).toEqual([
      [
        "RotatorRole",
        {
          Sid: "ReadDestinationTokensOnly",
          Effect: "Allow",
          Action: "secretsmanager:GetSecretValue",
          Resource: {
            "Fn::Sub": `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${TOKEN_SECRET_PREFIX}*`,
          },
        },
      ],
      [
        "NotifierRole",
        {
          Sid: "ReadChannelSecretsOnly",
          Effect: "Allow",
          Action: "secretsmanager:GetSecretValue",
          Resource: {
            "Fn::Sub": `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${CHANNEL_SECRET_PREFIX}*`,
          },
        },
      ],
      [
        "ReporterRole",
        {
          Sid: "ReadChannelSecretsOnly",
          Effect: "Allow",
          Action: "secretsmanager:GetSecretValue",
          Resource: {
            "Fn::Sub": `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${CHANNEL_SECRET_PREFIX}*`,
          },
        },
      ],
    ]);
  });

  it("keeps new keys under a delivery key the account manages but cannot use, which the rotator alone uses, under an encryption context", () => {
    const key = resources().DeliveryKey.Properties;
    const [manage, escrow, ...more] = key.KeyPolicy.Statement as Json[];
    const root = { AWS: { "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root" } };

    // Assess: a symmetric key (the default spec), rotated yearly, found by its alias
    expect(key).toMatchObject({ EnableKeyRotation: true, PendingWindowInDays: 30 });
    expect(key.KeySpec ?? "SYMMETRIC_DEFAULT").toBe("SYMMETRIC_DEFAULT");
    expect(resources().DeliveryKeyAlias.Properties).toEqual({
      AliasName: "alias/keyrotor-package-check-delivery",
      TargetKeyId: { Ref: "DeliveryKey" },
    });
    expect(more).toEqual([]);
    // the account: every management action (PutKeyPolicy too, or KMS refuses the policy), no use
    expect(manage).toMatchObject({ Effect: "Allow", Principal: root, Resource: "*" });
    expect(actions(manage)).toEqual(expect.arrayContaining(["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion"]));
    expect(actions(manage).filter((a) => KEY_USE.test(a))).toEqual([]);
    expect(manage.Condition).toBeUndefined();
    // the rotator, named as its role is named, with the three context keys the adapter sets
    expect(escrow).toEqual({
      Sid: "RotatorEscrowsNewKeysUnderTheirContext",
      Effect: "Allow",
      Principal: root,
      Action: ["kms:Encrypt", "kms:Decrypt"],
      Resource: "*",
      Condition: {
        ArnEquals: {
          "aws:PrincipalArn": {
            "Fn::Sub":
              "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/keyrotor-package-check-us-east-1-rotator",
          },
        },
        Null: {
          "kms:EncryptionContext:accountId": "false",
          "kms:EncryptionContext:userName": "false",
          "kms:EncryptionContext:accessKeyId": "false",
        },
      },
    });
    expect(resources().RotatorRole.Properties.RoleName).toBe("keyrotor-package-check-us-east-1-rotator");
    // and the rotator's own policy: this key only; the member role may only ask which key aws/ssm is
    const kms = ofType("AWS::IAM::Role").flatMap(([name, role]) =>
      statementsOf(role)
        .filter((s) => actions(s).some((a) => a.startsWith("kms:")))
        .map((s) => [name, s]),
    );
    expect(kms).toEqual([
      [
        "ManagementMemberRole",
        expect.objectContaining({
          Action: "kms:DescribeKey",
          Condition: { StringEquals: { "kms:RequestAlias": "alias/aws/ssm" } },
        }),
      ],
      [
        "RotatorRole",
        {
          Sid: "EscrowNewKeysWithTheDeliveryKey",
          Effect: "Allow",
          Action: ["kms:Encrypt", "kms:Decrypt"],
          Resource: { "Fn::GetAtt": ["DeliveryKey", "Arn"] },
        },
      ],
    ]);
  });

  it("names the execution roles, so their ARNs are known before they exist (and survive re-creation)", () => {
    for (const [role, fn] of [
      ["SchedulerRole", "scheduler"],
      ["RotatorRole", "rotator"],
      ["NotifierRole", "notifier"],
      ["ReporterRole", "reporter"],
    ]) {
      const name = resources()[role as string].Properties.RoleName;
      expect(name).toBe(`keyrotor-package-check-us-east-1-${fn}`);
      expect(name.length).toBeLessThanOrEqual(64);
    }
  });

  it("lets the rotator keep the ledger and re-check jobs against the organization, the notifier read both and mark outbox notices sent", () => {
    const rotator = statementsOf(resources().RotatorRole);
    const notifier = statementsOf(resources().NotifierRole);
    const ledger = { "Fn::GetAtt": ["LedgerTable", "Arn"] };
    const orgAccounts = {
      "Fn::Sub": "arn:${AWS::Partition}:organizations::*:account/o-exampleorg1/*",
    };
    expect(rotator).toContainEqual({
      Sid: "KeepTheLedger",
      Effect: "Allow",
      Action: [
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:Query",
        "dynamodb:BatchWriteItem",
        "dynamodb:DescribeTable",
      ],
      Resource: ledger,
    });
    expect(rotator).toContainEqual({
      Sid: "RecheckJobsAgainstTheOrganization",
      Effect: "Allow",
      Action: ["organizations:DescribeAccount", "organizations:ListParents"],
      Resource: [orgAccounts, { "Fn::Sub": "arn:${AWS::Partition}:organizations::*:ou/o-exampleorg1/ou-*" }],
    });
    expect(notifier).toContainEqual({
      Sid: "ReadTheLedger",
      Effect: "Allow",
      Action: ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem"],
      Resource: ledger,
    });
    // What this condition allows and refuses: tests/unit/policy/ledger-writes.test.ts.
    expect(notifier).toContainEqual({
      Sid: "MarkOutboxNoticesSentOnly",
      Effect: "Allow",
      Action: "dynamodb:UpdateItem",
      Resource: ledger,
      Condition: {
        "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["OUTBOX#*"] },
        "ForAllValues:StringEquals": {
          "dynamodb:Attributes": ["pk", "sk", "state", "sentAt", "expiresAt", "delivered"],
        },
        StringEqualsIfExists: { "dynamodb:ReturnValues": "NONE" },
      },
    });
    expect(notifier).toContainEqual({
      Sid: "FindRecipientsInTheOrganization",
      Effect: "Allow",
      Action: "organizations:DescribeAccount",
      Resource: orgAccounts,
    });
    expect(statementsOf(resources().ReporterRole)).toContainEqual({
      Sid: "ReadTheLedger",
      Effect: "Allow",
      Action: ["dynamodb:GetItem", "dynamodb:Query"],
      Resource: ledger,
    });
    const dynamo = ofType("AWS::IAM::Role").flatMap(([, role]) =>
      statementsOf(role).filter((s) => actions(s).some((a) => a.startsWith("dynamodb:"))),
    );
    for (const statement of dynamo) expect(statement.Resource).toEqual(ledger);
  });

  it("lets the rotator put events as keyrotor on the configured bus only (lifecycleEvents)", () => {
    const put = ofType("AWS::IAM::Role").flatMap(([name, role]) =>
      statementsOf(role)
        .filter((s) => actions(s).some((a) => a.startsWith("events:")))
        .map((s) => [name, s]),
    );
    expect(put).toEqual([
      [
        "RotatorRole",
        {
          Sid: "PutLifecycleEventsOnTheBus",
          Effect: "Allow",
          Action: "events:PutEvents",
          Resource: {
            "Fn::Sub": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default",
          },
          Condition: { StringEquals: { "events:source": "keyrotor" } },
        },
      ],
    ]);
  });

  it("runs the reporter weekly, with the report bucket and its retention, a second try at most, sending through the notices' configuration set", () => {
    // Assess: the schedule, Monday 07:00 UTC unless digestSchedule says otherwise
    const rules = ofType("AWS::Events::Rule").filter(([, r]) =>
      r.Properties.Targets.some((t: Json) => t.Arn["Fn::GetAtt"]?.[0] === "ReporterLambdaFunction"),
    );
    expect(rules.map(([, r]) => r.Properties)).toEqual([
      expect.objectContaining({ ScheduleExpression: "cron(0 7 ? * MON *)", State: "ENABLED" }),
    ]);
    const fn = resources().ReporterLambdaFunction.Properties;
    expect(fn).toMatchObject({
      Timeout: 900,
      MemorySize: 1024,
      Role: { "Fn::GetAtt": ["ReporterRole", "Arn"] },
    });
    expect(fn.Environment.Variables).toMatchObject({
      REPORT_BUCKET: { Ref: "ReportBucket" },
      REPORT_RETENTION_DAYS: "90",
      SES_CONFIGURATION_SET: "keyrotor-package-check-notices",
    });
    const retries = ofType("AWS::Lambda::EventInvokeConfig").map(([, c]) => c.Properties);
    expect(retries).toContainEqual(
      expect.objectContaining({ FunctionName: { Ref: "ReporterLambdaFunction" }, MaximumRetryAttempts: 1 }),
    );
  });

  it("keeps reports in a private bucket: public access blocked, ACLs off, encrypted, expired, refused over plain HTTP, written by the reporter alone", () => {
    const bucket = resources().ReportBucket.Properties;
    const arn = { "Fn::GetAtt": ["ReportBucket", "Arn"] };
    const objects = { "Fn::Join": ["", [arn, "/*"]] };

    // Assess
    expect(bucket.BucketName).toBeUndefined();
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] });
    expect(bucket.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
    });
    expect(bucket.LifecycleConfiguration.Rules).toEqual([
      {
        Id: "ExpireReports",
        Status: "Enabled",
        ExpirationInDays: 90,
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
      },
    ]);
    expect(resources().ReportBucketPolicy.Properties).toEqual({
      Bucket: { Ref: "ReportBucket" },
      PolicyDocument: {
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "RefusePlainHttp",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [arn, objects],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
          {
            Sid: "OnlyTheReporterPutsReports",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            Resource: objects,
            Condition: { ArnNotEquals: { "aws:PrincipalArn": { "Fn::GetAtt": ["ReporterRole", "Arn"] } } },
          },
        ],
      },
    });
    // The reporter: puts objects into this bucket, and no other role of keyrotor's touches S3.
    const s3 = ofType("AWS::IAM::Role").flatMap(([name, role]) =>
      statementsOf(role)
        .filter((st) => actions(st).some((a) => a.startsWith("s3:")))
        .map((st) => [name, st]),
    );
    expect(s3).toEqual([
      ["ReporterRole", { Sid: "PutReports", Effect: "Allow", Action: "s3:PutObject", Resource: objects }],
    ]);
    expect(template.Outputs.ReportBucketName.Value).toEqual({ Ref: "ReportBucket" });
  });

  it("lets the reporter send from the sender identity to adminEmail only (to no one while it is empty)", () => {
    const ses = statementsOf(resources().ReporterRole).filter((st) =>
      actions(st).some((a) => a.startsWith("ses:")),
    );
    expect(ses).toEqual([
      {
        Sid: "SendTheDigestToTheAdminOnly",
        Effect: "Allow",
        Action: "ses:SendEmail",
        Resource: [
          {
            "Fn::Sub":
              "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/keyrotor@example.com",
          },
          {
            "Fn::Sub":
              "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:configuration-set/keyrotor-package-check-notices",
          },
        ],
        Condition: { "ForAllValues:StringEquals": { "ses:Recipients": "" } },
      },
    ]);
  });

  it("lets the rotator import keyrotor's own Security Hub findings into this account, read and resolve them on its hub", () => {
    const hub = ofType("AWS::IAM::Role").flatMap(([name, role]) =>
      statementsOf(role)
        .filter((st) => actions(st).some((a) => a.startsWith("securityhub:")))
        .map((st) => [name, st]),
    );
    expect(hub).toEqual([
      [
        "RotatorRole",
        {
          Sid: "ImportOwnFindings",
          Effect: "Allow",
          Action: "securityhub:BatchImportFindings",
          Resource: {
            "Fn::Sub":
              "arn:${AWS::Partition}:securityhub:${AWS::Region}:${AWS::AccountId}:product/${AWS::AccountId}/default",
          },
          Condition: { StringEquals: { "securityhub:TargetAccount": { Ref: "AWS::AccountId" } } },
        },
      ],
      [
        "RotatorRole",
        {
          Sid: "ReadFindingsOnThisHub",
          Effect: "Allow",
          Action: "securityhub:GetFindings",
          Resource: {
            "Fn::Sub": "arn:${AWS::Partition}:securityhub:${AWS::Region}:${AWS::AccountId}:hub/default",
          },
        },
      ],
      [
        "RotatorRole",
        {
          Sid: "ResolveFindingsOnThisHub",
          Effect: "Allow",
          Action: "securityhub:BatchUpdateFindings",
          Resource: {
            "Fn::Sub": "arn:${AWS::Partition}:securityhub:${AWS::Region}:${AWS::AccountId}:hub/default",
          },
          Condition: {
            StringEquals: {
              "securityhub:ASFFSyntaxPath/Workflow.Status": "RESOLVED",
              "securityhub:ASFFSyntaxPath/Note.UpdatedBy": "keyrotor",
            },
            Null: Object.fromEntries(
              [
                "Confidence",
                "Criticality",
                "RelatedFindings",
                "RelatedFindings.Id",
                "RelatedFindings.ProductArn",
                "Severity",
                "Severity.Label",
                "Severity.Normalized",
                "Severity.Product",
                "Types",
                "UserDefinedFields",
                "VerificationState",
              ].map((path) => [`securityhub:ASFFSyntaxPath/${path}`, "true"]),
            ),
          },
        },
      ],
    ]);
  });

  it("lets only the scheduler's role send jobs and only the rotator's role send notices", () => {
    for (const [queue, producer] of [
      ["RotationJobsQueue", "SchedulerRole"],
      ["NoticesQueue", "RotatorRole"],
    ]) {
      const policies = ofType("AWS::SQS::QueuePolicy").filter(([, p]) =>
        p.Properties.Queues.some((q: Json) => q.Ref === queue),
      );
      expect(policies).toHaveLength(1);
      expect(policies[0]?.[1].Properties.PolicyDocument.Statement).toEqual([
        expect.objectContaining({
          Effect: "Deny",
          Principal: "*",
          Action: "sqs:SendMessage",
          Resource: { "Fn::GetAtt": [queue, "Arn"] },
          Condition: { ArnNotLike: { "aws:PrincipalArn": [{ "Fn::GetAtt": [producer, "Arn"] }] } },
        }),
      ]);
    }
  });

  it("declares both queues FIFO with dead-letter queues and alarms on them", () => {
    for (const [queue, dlq] of [
      ["RotationJobsQueue", "RotationJobsDeadLetterQueue"],
      ["NoticesQueue", "NoticesDeadLetterQueue"],
    ]) {
      const props = resources()[queue as string].Properties;
      expect(props.FifoQueue).toBe(true);
      expect(props.RedrivePolicy).toEqual({
        deadLetterTargetArn: { "Fn::GetAtt": [dlq, "Arn"] },
        maxReceiveCount: 3,
      });
      const alarm = ofType("AWS::CloudWatch::Alarm").find(
        ([, a]) => a.Properties.Dimensions[0].Value["Fn::GetAtt"][0] === dlq,
      );
      expect(alarm?.[1].Properties).toMatchObject({
        MetricName: "ApproximateNumberOfMessagesVisible",
        Threshold: 0,
      });
    }
    const mapping = resources().RotatorEventSourceMappingSQSRotationJobsQueue.Properties;
    expect(mapping).toMatchObject({
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      ScalingConfig: { MaximumConcurrency: 150 },
    });
  });

  it("alarms reach a person: a customer managed key CloudWatch may use, alarms on dead letters and on every function's errors and throttles, SES bounces and complaints on the topic", () => {
    // Assess: the topic's key lets CloudWatch (and SES) publish, which alias/aws/sns does not
    expect(resources().AlarmTopic.Properties.KmsMasterKeyId).toEqual({ Ref: "AlarmTopicKey" });
    const keyStatements = resources().AlarmTopicKey.Properties.KeyPolicy.Statement as Json[];
    expect(keyStatements).toContainEqual(
      expect.objectContaining({
        Principal: { Service: expect.arrayContaining(["cloudwatch.amazonaws.com", "ses.amazonaws.com"]) },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      }),
    );
    const alarms = ofType("AWS::CloudWatch::Alarm").map(([, a]) => a.Properties);
    for (const fn of ["scheduler", "rotator", "notifier", "reporter"]) {
      for (const metric of ["Errors", "Throttles"]) {
        expect(alarms).toContainEqual(
          expect.objectContaining({
            MetricName: metric,
            Dimensions: [{ Name: "FunctionName", Value: `keyrotor-package-check-${fn}` }],
            AlarmActions: [{ Ref: "AlarmTopic" }],
          }),
        );
      }
    }
    expect(alarms.every((a) => JSON.stringify(a.AlarmActions) === '[{"Ref":"AlarmTopic"}]')).toBe(true);
    const events = resources().NoticesBounceEvents.Properties;
    expect(events.EventDestination).toMatchObject({
      MatchingEventTypes: expect.arrayContaining(["bounce", "complaint"]),
      SnsDestination: { TopicARN: { Ref: "AlarmTopic" } },
    });
    const notifier = resources().NotifierLambdaFunction.Properties.Environment.Variables;
    expect(notifier.SES_CONFIGURATION_SET).toBe("keyrotor-package-check-notices");
    expect(ofType("AWS::SNS::Subscription")).toEqual([]);
  });

  it("has the runs dashboard and the metric alarms (keys overdue past overdueAlarmDays, unreadable accounts, failed users) on the alarm topic", () => {
    // Assess: the rotator writes to the stage's namespace, its accounts not split by default
    const namespace = "keyrotor-package-check";
    const rotator = resources().RotatorLambdaFunction.Properties.Environment.Variables;
    expect(rotator).toMatchObject({
      POWERTOOLS_METRICS_NAMESPACE: namespace,
      METRICS_ACCOUNT_DIMENSION: "false",
    });
    expect(resources().RotationJobsQueue.Properties.RedrivePolicy.maxReceiveCount).toBe(JOB_DELIVERIES);
    const byName = Object.fromEntries(
      ofType("AWS::CloudWatch::Alarm").map(([, a]) => [a.Properties.MetricName, a.Properties] as const),
    );
    const onService = { Namespace: namespace, Dimensions: [{ Name: "service", Value: "keyrotor" }] };
    expect(byName.MostDaysPastRotation).toMatchObject({
      ...onService,
      Statistic: "Maximum",
      Period: 86_400,
      Threshold: 7,
      ComparisonOperator: "GreaterThanThreshold",
      AlarmActions: [{ Ref: "AlarmTopic" }],
    });
    for (const metric of ["UnreadableAccounts", "FailedUsers"]) {
      expect(byName[metric]).toMatchObject({ ...onService, Statistic: "Sum", Threshold: 0 });
    }
    // The dashboard: every metric the rotator emits, on the service dimension, and the alarms by ARN
    const dashboards = ofType("AWS::CloudWatch::Dashboard");
    expect(dashboards).toHaveLength(1);
    const dashboard = dashboards[0]?.[1];
    expect(dashboard.Properties.DashboardName).toBe(namespace);
    const body = JSON.parse(dashboard.Properties.DashboardBody["Fn::Sub"]) as Json;
    const charted = body.widgets.flatMap((w: Json) => w.properties.metrics ?? []);
    for (const { name } of [...Object.values(ACCOUNT_METRICS), ...Object.values(JOB_METRICS)]) {
      expect(charted).toContainEqual([namespace, name, "service", "keyrotor", expect.any(Object)]);
    }
    const alarmWidget = body.widgets.find((w: Json) => w.type === "alarm");
    for (const id of alarmWidget.properties.alarms.map((a: string) =>
      a.replace(/^\$\{(\w+)\.Arn\}$/, "$1"),
    )) {
      expect(resources()[id]?.Type).toBe("AWS::CloudWatch::Alarm");
    }
    const table = body.widgets.find((w: Json) => w.type === "log");
    expect(table.properties.query).toContain("SOURCE '/aws/lambda/keyrotor-package-check-rotator'");
  });

  it("subscribes the alarmEmail param to the alarm topic", async () => {
    const other = mkdtempSync(join(tmpdir(), "keyrotor-package-"));
    try {
      const withEmail = await slsPackage(other, "--param=alarmEmail=oncall@example.com");
      const subscription = Object.values(withEmail.Resources as Record<string, Json>).find(
        (r) => r.Type === "AWS::SNS::Subscription",
      );
      expect(subscription?.Properties).toEqual({
        TopicArn: { Ref: "AlarmTopic" },
        Protocol: "email",
        Endpoint: "oncall@example.com",
      });
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  }, 180_000);

  it("deploys the member role to the organization with a service-managed, auto-deploying StackSet", () => {
    const stackSet = resources().MemberRoleStackSet.Properties;
    expect(stackSet).toMatchObject({
      StackSetName: "keyrotor-package-check-member-role",
      PermissionModel: "SERVICE_MANAGED",
      CallAs: "SELF",
      AutoDeployment: { Enabled: true },
      Capabilities: ["CAPABILITY_NAMED_IAM"],
      OperationPreferences: { FailureTolerancePercentage: 10, MaxConcurrentPercentage: 25 },
    });
    expect(stackSet.TemplateBody).toBe(memberTemplateText);
    expect(stackSet.Parameters).toEqual([
      { ParameterKey: "RotatorRoleArn", ParameterValue: { "Fn::GetAtt": ["RotatorRole", "Arn"] } },
      { ParameterKey: "ReporterRoleArn", ParameterValue: { "Fn::GetAtt": ["ReporterRole", "Arn"] } },
      { ParameterKey: "OrganizationId", ParameterValue: "o-exampleorg1" },
      { ParameterKey: "MemberRoleName", ParameterValue: "keyrotor-member" },
      { ParameterKey: "SecretPrefix", ParameterValue: "keyrotor/" },
      { ParameterKey: "ForwardConfigEvents", ParameterValue: "false" },
      { ParameterKey: "ForwardExposedKeys", ParameterValue: "true" },
      { ParameterKey: "KeyrotorRegion", ParameterValue: "us-east-1" },
    ]);
    // In us-east-1 one stack per account holds the roles and Health's forwarder.
    expect(stackSet.StackInstancesGroup).toEqual([
      {
        Regions: ["us-east-1"],
        DeploymentTargets: { OrganizationalUnitIds: { "Fn::Split": [",", "r-exam"] } },
      },
    ]);
    const declared = Object.keys(memberTemplate.Parameters).sort();
    expect(stackSet.Parameters.map((p: Json) => p.ParameterKey).sort()).toEqual(declared);
  });

  it("creates the same member and reader roles in the management account, the member role trusting only the rotator, the reader only the reporter", () => {
    const trusting = (role: string, arn: Json) => [
      {
        Sid: role,
        Effect: "Allow",
        Principal: {
          AWS: {
            "Fn::Sub": [
              "arn:${AWS::Partition}:iam::${KeyrotorAccountId}:root",
              { KeyrotorAccountId: { "Fn::Select": [4, { "Fn::Split": [":", arn] }] } },
            ],
          },
        },
        Action: "sts:AssumeRole",
        Condition: {
          ArnEquals: { "aws:PrincipalArn": arn },
          StringEquals: { "aws:PrincipalOrgID": "o-exampleorg1" },
        },
      },
    ];
    const member = resources().ManagementMemberRole.Properties;
    // The member template's region condition stays there: this stack has no such condition.
    expect(resources().ManagementMemberRole.Condition).toBeUndefined();
    expect(resources().ManagementMemberReaderRole.Condition).toBeUndefined();
    expect(member.RoleName).toBe("keyrotor-member");
    expect(member.AssumeRolePolicyDocument.Statement).toEqual(
      trusting("OnlyKeyrotorRotator", { "Fn::GetAtt": ["RotatorRole", "Arn"] }),
    );
    const reader = resources().ManagementMemberReaderRole.Properties;
    expect(reader.RoleName).toBe("keyrotor-member-reader");
    expect(reader.AssumeRolePolicyDocument.Statement).toEqual(
      trusting("OnlyKeyrotorReporter", { "Fn::GetAtt": ["ReporterRole", "Arn"] }),
    );
    const bound = (s: Json) =>
      s.Resource?.["Fn::Sub"]
        ? { ...s, Resource: { "Fn::Sub": s.Resource["Fn::Sub"].replace("${SecretPrefix}", "keyrotor/") } }
        : s;
    expect(statementsOf(resources().ManagementMemberRole)).toEqual(
      statementsOf(memberTemplate.Resources.MemberRole).map(bound),
    );
    expect(statementsOf(resources().ManagementMemberReaderRole)).toEqual(
      statementsOf(memberTemplate.Resources.MemberReaderRole),
    );
  });

  it("adds nothing for AWS Config and no guard policy unless asked", () => {
    expect(Object.keys(resources()).filter((name) => /Config|AccessKeysRotated/.test(name))).toEqual([]);
    expect(ofType("AWS::Events::EventBusPolicy").map(([name]) => name)).toEqual([
      "ExposedKeyEventsBusPolicy",
    ]);
    expect(ofType("AWS::Organizations::Policy")).toEqual([]);
  });

  it("sends AWS Health's exposed-key events to the scheduler by default, the bus taking them from the forwarding roles inside the organization only", () => {
    const pattern = {
      source: ["aws.health"],
      "detail-type": ["AWS Health Event"],
      detail: { eventTypeCode: ["AWS_RISK_CREDENTIALS_EXPOSED"] },
    };
    const scheduler = { "Fn::GetAtt": ["SchedulerLambdaFunction", "Arn"] };
    expect(resources().ExposedKeyEventRule.Properties).toEqual({
      Description: "keyrotor: replace an access key at once when AWS Health reports it exposed",
      EventPattern: pattern,
      Targets: [{ Id: "scheduler", Arn: scheduler }],
    });
    expect(resources().ExposedKeyEventPermission.Properties).toEqual({
      Action: "lambda:InvokeFunction",
      FunctionName: scheduler,
      Principal: "events.amazonaws.com",
      SourceArn: { "Fn::GetAtt": ["ExposedKeyEventRule", "Arn"] },
    });
    expect(resources().ExposedKeyEventsBusPolicy.Properties).toEqual({
      EventBusName: "default",
      StatementId: "keyrotor-package-check-exposed-key-events",
      Statement: {
        Effect: "Allow",
        Principal: "*",
        Action: "events:PutEvents",
        Resource: {
          "Fn::Sub": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default",
        },
        Condition: {
          StringEquals: { "aws:PrincipalOrgID": "o-exampleorg1" },
          "ForAllValues:StringEquals": {
            "events:source": ["aws.health"],
            "events:detail-type": ["AWS Health Event"],
          },
          Null: { "events:source": "false", "events:detail-type": "false" },
          ArnLike: {
            "aws:PrincipalArn": { "Fn::Sub": "arn:${AWS::Partition}:iam::*:role/keyrotor-member-health" },
          },
        },
      },
    });
    // The rule on this bus matches exactly what the member stacks forward.
    expect(memberTemplate.Resources.ExposedKeyEventsForwardingRule.Properties.EventPattern).toEqual(pattern);
  });

  it("adds nothing for AWS Health with exposedKeyTrigger=false, and keeps the StackSet to keyrotor's region", async () => {
    const other = mkdtempSync(join(tmpdir(), "keyrotor-package-"));
    try {
      const off = await slsPackage(other, "--region", "eu-west-1", "--param=exposedKeyTrigger=false");
      const names = Object.keys(off.Resources as Record<string, Json>);
      expect(names.filter((name) => /ExposedKey|EventBusPolicy/.test(name))).toEqual([]);
      const stackSet = off.Resources.MemberRoleStackSet.Properties;
      expect(stackSet.StackInstancesGroup[0].Regions).toEqual(["eu-west-1"]);
      expect(stackSet.Parameters).toContainEqual({
        ParameterKey: "ForwardExposedKeys",
        ParameterValue: "false",
      });
      expect(stackSet.Parameters).toContainEqual({
        ParameterKey: "KeyrotorRegion",
        ParameterValue: "eu-west-1",
      });
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  }, 180_000);

  it("deploys from a delegated administrator with every option on: Config trigger and rule, guard, redrive, StackSet preferences", async () => {
    const other = mkdtempSync(join(tmpdir(), "keyrotor-package-"));
    try {
      const delegated = await slsPackage(
        other,
        "--region",
        "eu-west-1",
        "--param=createManagementRole=false",
        "--param=configTrigger=true",
        "--param=configRule=true",
        "--param=guardPolicy=true",
        "--param=guardExemptPrincipals=arn:aws:iam::*:role/OperatorAdmin",
        "--param=queueRedrivePrincipals=arn:aws:iam::123456789012:role/Operator*",
        "--param=callAs=DELEGATED_ADMIN",
        "--param=stackSetFailureTolerance=0",
        "--param=stackSetMaxConcurrency=100",
        `--param=deliveries=${DELIVERIES}`,
        "--param=holdWhileInUse=true",
        "--param=verifyNewKeys=false",
        "--param=securityHubFindings=true",
        "--param=adminEmail=security@example.com",
        "--param=digestSchedule=cron(30 5 ? * FRI *)",
        "--param=reportRetentionDays=30",
      );
      const r = delegated.Resources;
      // The digest: its schedule, its retention, and mail to the admin address only.
      expect(r.ReporterEventsRuleSchedule1.Properties.ScheduleExpression).toBe("cron(30 5 ? * FRI *)");
      // A --param arrives as text, which CloudFormation takes for a number.
      expect(r.ReportBucket.Properties.LifecycleConfiguration.Rules[0].ExpirationInDays).toBe("30");
      expect(r.ReporterLambdaFunction.Properties.Environment.Variables.REPORT_RETENTION_DAYS).toBe("30");
      const reporterSes = statementsOf(r.ReporterRole).find((st) => st.Sid === "SendTheDigestToTheAdminOnly");
      expect(reporterSes.Condition).toEqual({
        "ForAllValues:StringEquals": { "ses:Recipients": "security@example.com" },
      });
      // The settings given as params reach every function's code as the operator wrote them, the key
      // the stack made as its variable.
      for (const fn of ["scheduler", "rotator", "notifier", "reporter"]) {
        expect(JSON.parse(bundledText(join(other, `${fn}.zip`))), fn).toEqual({
          senderEmail: "keyrotor@example.com",
          deliveries: JSON.parse(DELIVERIES),
          holdWhileInUse: true,
          verifyNewKeys: false,
          securityHubFindings: true,
          adminEmail: "security@example.com",
        });
      }
      expect(r.RotatorLambdaFunction.Properties.Environment.Variables.KEYROTOR_DELIVERY_KMS_KEY_ID).toEqual({
        Ref: "DeliveryKey",
      });
      expect(r.ManagementMemberRole).toBeUndefined();
      expect(r.ManagementMemberReaderRole).toBeUndefined();
      expect(r.ConfigComplianceChangeRule.Properties).toMatchObject({
        EventPattern: {
          source: ["aws.config"],
          "detail-type": ["Config Rules Compliance Change"],
          detail: { newEvaluationResult: { complianceType: ["NON_COMPLIANT"] } },
        },
        Targets: [{ Arn: { "Fn::GetAtt": ["SchedulerLambdaFunction", "Arn"] } }],
      });
      expect(r.AccessKeysRotatedOrganizationRule.Properties).toMatchObject({
        OrganizationConfigRuleName: "keyrotor-package-check-access-keys-rotated",
        OrganizationManagedRuleMetadata: {
          RuleIdentifier: "ACCESS_KEYS_ROTATED",
          InputParameters: JSON.stringify({ maxAccessKeyAge: "90" }),
        },
      });
      // The member accounts forward Config's events here: the bus takes them from the organization.
      expect(r.OrganizationEventsBusPolicy.Properties).toMatchObject({
        EventBusName: "default",
        StatementId: "keyrotor-package-check-organization-events",
        Statement: {
          Effect: "Allow",
          Principal: "*",
          Action: "events:PutEvents",
          Condition: { StringEquals: { "aws:PrincipalOrgID": "o-exampleorg1" } },
        },
      });
      const stackSet = r.MemberRoleStackSet.Properties;
      expect(stackSet).toMatchObject({
        CallAs: "DELEGATED_ADMIN",
        OperationPreferences: { FailureTolerancePercentage: "0", MaxConcurrentPercentage: "100" },
      });
      expect(stackSet.Parameters).toContainEqual({
        ParameterKey: "ForwardConfigEvents",
        ParameterValue: "true",
      });
      // keyrotor in eu-west-1: every account also gets a stack in us-east-1, where Health delivers.
      expect(stackSet.Parameters).toContainEqual({
        ParameterKey: "KeyrotorRegion",
        ParameterValue: "eu-west-1",
      });
      expect(stackSet.StackInstancesGroup[0].Regions).toEqual(["eu-west-1", "us-east-1"]);
      expect(
        Object.keys(r)
          .filter((name) => r[name].Type === "AWS::Events::EventBusPolicy")
          .sort(),
      ).toEqual(["ExposedKeyEventsBusPolicy", "OrganizationEventsBusPolicy"]);
      const guard = r.GuardPolicy.Properties;
      expect(guard).toMatchObject({
        Name: "keyrotor-package-check-guard",
        Type: "SERVICE_CONTROL_POLICY",
        TargetIds: ["r-exam"],
      });
      expect(guard.Content.Statement.map((s: Json) => s.Sid)).toEqual([
        "SecretsAndParametersOnlyByKeyrotor",
        "UserTagsOnlyByKeyrotor",
        "StackRolesOnlyByTheStackSet",
        "StackRuleOnlyByTheStackSet",
        "ExemptRolesOnlyByExempt",
      ]);
      expect(guard.Content.Statement[0].Condition.ArnNotLike["aws:PrincipalArn"]).toEqual([
        "arn:*:iam::*:role/keyrotor-member",
        "arn:aws:iam::*:role/OperatorAdmin",
      ]);
      expect(r.NoticesQueuePolicy.Properties.PolicyDocument.Statement[0].Condition).toEqual({
        ArnNotLike: {
          "aws:PrincipalArn": [
            { "Fn::GetAtt": ["RotatorRole", "Arn"] },
            "arn:aws:iam::123456789012:role/Operator*",
          ],
        },
      });
      const lint = run("cfn-lint", [
        "--ignore-checks",
        "W3005",
        "--",
        join(other, "cloudformation-template-update-stack.json"),
      ]);
      await expect(lint).resolves.toBeDefined();
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  }, 180_000);
});

describe("the member role template (infra/member-role.yml)", () => {
  const role = memberTemplate.Resources.MemberRole.Properties;
  const statements: Json[] = role.Policies[0].PolicyDocument.Statement;
  const prefixArn = {
    "Fn::Sub": "arn:${AWS::Partition}:secretsmanager:*:${AWS::AccountId}:secret:${SecretPrefix}*",
  };
  const bySid = (sid: string) => statements.find((s) => s.Sid === sid);

  it("trusts keyrotor's account with the rotator role's ARN as a condition, only from inside the organization", () => {
    const accountOfRotator = { "Fn::Select": [4, { "Fn::Split": [":", { Ref: "RotatorRoleArn" }] }] };
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Sid: "OnlyKeyrotorRotator",
        Effect: "Allow",
        // The account root, not the role: a role principal binds to the role's unique id, which a
        // re-created rotator role would not have.
        Principal: {
          AWS: {
            "Fn::Sub": [
              "arn:${AWS::Partition}:iam::${KeyrotorAccountId}:root",
              { KeyrotorAccountId: accountOfRotator },
            ],
          },
        },
        Action: "sts:AssumeRole",
        Condition: {
          ArnEquals: { "aws:PrincipalArn": { Ref: "RotatorRoleArn" } },
          StringEquals: { "aws:PrincipalOrgID": { Ref: "OrganizationId" } },
        },
      },
    ]);
  });

  it("writes secrets only under the prefix, and explicitly denies itself every secret value", () => {
    const allowed = statements.filter(
      (s) => s.Effect === "Allow" && actions(s).some((a) => a.startsWith("secretsmanager:")),
    );
    for (const s of allowed.filter((s) => !actions(s).includes("secretsmanager:ListSecrets"))) {
      expect(s.Resource).toEqual(prefixArn);
    }
    expect(bySid("NeverReadSecretValues")).toEqual({
      Sid: "NeverReadSecretValues",
      Effect: "Deny",
      Action: ["secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue"],
      Resource: "*",
    });
    const allowedActions = statements.filter((s) => s.Effect === "Allow").flatMap(actions);
    expect(allowedActions).not.toContain("secretsmanager:GetSecretValue");
    expect(allowedActions).not.toContain("secretsmanager:DeleteResourcePolicy");
    expect(allowedActions).not.toContain("secretsmanager:UpdateSecret");
    for (const action of allowedActions) expect(action).not.toMatch(/\*/);
    // Whatever SecretPrefix is (tests/unit/policy/least-privilege.test.ts proves it in the simulator).
    expect(bySid("NeverTouchDestinationTokens")).toEqual({
      Sid: "NeverTouchDestinationTokens",
      Effect: "Deny",
      Action: "secretsmanager:*",
      Resource: { "Fn::Sub": "arn:${AWS::Partition}:secretsmanager:*:*:secret:keyrotor-tokens/*" },
    });
  });

  it("puts SSM parameters only under /<SecretPrefix> of its own account, and explicitly denies itself reading any", () => {
    const ssm = statements.filter((s) =>
      actions(s).some((a) => a.startsWith("ssm:") || a.startsWith("kms:")),
    );
    expect(ssm).toEqual([
      {
        Sid: "LookAtParametersBeforeWriting",
        Effect: "Allow",
        Action: "ssm:DescribeParameters",
        Resource: "*",
      },
      {
        Sid: "TellTheAwsSsmKey",
        Effect: "Allow",
        Action: "kms:DescribeKey",
        Resource: { "Fn::Sub": "arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*" },
        Condition: { StringEquals: { "kms:RequestAlias": "alias/aws/ssm" } },
      },
      {
        Sid: "WriteKeyrotorParameters",
        Effect: "Allow",
        Action: "ssm:PutParameter",
        // A parameter's ARN drops the leading "/" of its name.
        Resource: { "Fn::Sub": "arn:${AWS::Partition}:ssm:*:${AWS::AccountId}:parameter/${SecretPrefix}*" },
      },
      {
        Sid: "NeverReadParameterValues",
        Effect: "Deny",
        Action: [
          "ssm:GetParameter",
          "ssm:GetParameters",
          "ssm:GetParametersByPath",
          "ssm:GetParameterHistory",
        ],
        Resource: "*",
      },
    ]);
  });

  it("puts policies only with BlockPublicPolicy, creates secrets only tagged with their user, tags keyrotor:* only", () => {
    expect(bySid("PutPoliciesThatBlockPublicAccess")).toMatchObject({
      Action: "secretsmanager:PutResourcePolicy",
      Condition: { Bool: { "secretsmanager:BlockPublicPolicy": "true" } },
    });
    expect(bySid("CreateKeyrotorSecretsNamingTheirUser")).toMatchObject({
      Action: "secretsmanager:CreateSecret",
      Condition: { Null: { "aws:RequestTag/keyrotor:user": "false" } },
    });
    expect(bySid("TagKeyrotorTagsOnly")).toMatchObject({
      Action: "secretsmanager:TagResource",
      Condition: {
        "ForAllValues:StringLike": { "aws:TagKeys": "keyrotor:*" },
        Null: { "aws:TagKeys": "false" },
      },
    });
  });

  it("can rotate keys, keep its secrets and read what rotation needs, and nothing the code does not call", () => {
    const all = statements.filter((s) => s.Effect === "Allow").flatMap(actions);
    for (const needed of [
      "iam:GetAccountAuthorizationDetails",
      "iam:ListAccessKeys",
      "iam:GetAccessKeyLastUsed",
      "iam:CreateAccessKey",
      "iam:UpdateAccessKey",
      "iam:DeleteAccessKey",
      "secretsmanager:CreateSecret",
      "secretsmanager:PutSecretValue",
      "secretsmanager:PutResourcePolicy",
      "secretsmanager:GetResourcePolicy",
      "secretsmanager:TagResource",
      "secretsmanager:RestoreSecret",
      "secretsmanager:ReplicateSecretToRegions",
      "secretsmanager:RemoveRegionsFromReplication",
      "ssm:PutParameter",
      "ssm:DescribeParameters",
      "kms:DescribeKey",
    ]) {
      expect(all).toContain(needed);
    }
    // Groups and tags of every user come from GetAccountAuthorizationDetails, users from the report.
    for (const unused of ["iam:ListUsers", "iam:ListUserTags", "iam:GetGroup", "iam:ListGroupsForUser"]) {
      expect(all).not.toContain(unused);
    }
  });

  it("forwards Config's compliance changes only when asked, to the default bus of the rotator's account", () => {
    expect(memberTemplate.Conditions.ForwardConfigEventsOn).toEqual({
      "Fn::And": [
        { "Fn::Equals": [{ Ref: "ForwardConfigEvents" }, "true"] },
        { "Fn::Equals": [{ Ref: "AWS::Region" }, { Ref: "KeyrotorRegion" }] },
        {
          "Fn::Not": [
            {
              "Fn::Equals": [
                { Ref: "AWS::AccountId" },
                { "Fn::Select": [4, { "Fn::Split": [":", { Ref: "RotatorRoleArn" }] }] },
              ],
            },
          ],
        },
      ],
    });
    const rule = memberTemplate.Resources.ConfigEventsForwardingRule;
    const forwardingRole = memberTemplate.Resources.ConfigEventsForwardingRole;
    expect(rule.Condition).toBe("ForwardConfigEventsOn");
    expect(forwardingRole.Condition).toBe("ForwardConfigEventsOn");
    expect(rule.Properties.EventPattern).toEqual({
      source: ["aws.config"],
      "detail-type": ["Config Rules Compliance Change"],
      detail: {
        configRuleName: [{ wildcard: "*access-keys-rotated*" }],
        newEvaluationResult: { complianceType: ["NON_COMPLIANT"] },
      },
    });
    expect(rule.Properties.Targets[0].RoleArn).toEqual({
      "Fn::GetAtt": ["ConfigEventsForwardingRole", "Arn"],
    });
    expect(memberTemplate.Parameters.ForwardConfigEvents).toMatchObject({ Default: "false" });
  });

  it("creates its roles once, in keyrotor's region, and forwards Health's exposed-key events from us-east-1 only", () => {
    // Assess: every role but Health's forwarder only where keyrotor runs (tests/unit/policy/exposed-key-events.test.ts)
    const keyrotorAccount = { "Fn::Select": [4, { "Fn::Split": [":", { Ref: "RotatorRoleArn" }] }] };
    expect(memberTemplate.Conditions.KeyrotorRegionHere).toEqual({
      "Fn::Equals": [{ Ref: "AWS::Region" }, { Ref: "KeyrotorRegion" }],
    });
    expect(memberTemplate.Conditions.ForwardExposedKeysOn).toEqual({
      "Fn::And": [
        { "Fn::Equals": [{ Ref: "ForwardExposedKeys" }, "true"] },
        { "Fn::Equals": [{ Ref: "AWS::Region" }, "us-east-1"] },
        {
          "Fn::Not": [
            {
              "Fn::And": [
                { "Fn::Equals": [{ Ref: "AWS::AccountId" }, keyrotorAccount] },
                { "Fn::Equals": [{ Ref: "KeyrotorRegion" }, "us-east-1"] },
              ],
            },
          ],
        },
      ],
    });
    const conditions = Object.fromEntries(
      Object.entries(memberTemplate.Resources as Record<string, Json>).map(([name, r]) => [
        name,
        r.Condition,
      ]),
    );
    expect(conditions).toEqual({
      MemberRole: "KeyrotorRegionHere",
      MemberReaderRole: "KeyrotorRegionHere",
      ConfigEventsForwardingRole: "ForwardConfigEventsOn",
      ConfigEventsForwardingRule: "ForwardConfigEventsOn",
      ExposedKeyEventsForwardingRole: "ForwardExposedKeysOn",
      ExposedKeyEventsForwardingRule: "ForwardExposedKeysOn",
    });
    const roles = Object.values(memberTemplate.Resources as Record<string, Json>).filter(
      (r) => r.Type === "AWS::IAM::Role",
    );
    expect(roles.map((r) => r.Properties.RoleName)).toEqual([
      { Ref: "MemberRoleName" },
      { "Fn::Sub": "${MemberRoleName}-reader" },
      { "Fn::Sub": "${MemberRoleName}-events" },
      { "Fn::Sub": "${MemberRoleName}-health" },
    ]);
    expect(memberTemplate.Parameters.ForwardExposedKeys).toMatchObject({ Default: "true" });
    expect(memberTemplate.Parameters.KeyrotorRegion.Default).toBeUndefined();
  });
});
