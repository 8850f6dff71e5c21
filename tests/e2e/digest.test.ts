import {
  CreateBucketCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  clientsIn,
  createOrganization,
  createUsers,
  type Organization,
  sentEmails,
  verifySender,
} from "../../scripts/lib/emulator";
import { MOTO_CREDENTIALS } from "../../scripts/lib/moto";
import { LedgerAdapter } from "../../shared/aws/ledger";
import { consoleUrlOf } from "../../shared/report/digest";
import { lambdaContext, scheduledEvent } from "../support/org-fixture";
import { type Emulators, SENDER, startEmulators, stopService } from "../support/service";

// The reporter through its real handler against moto: a small organization, the stack's report bucket
// and ledger, then one weekly run with adminEmail set and one without.

const LEDGER = "keyrotor-digest-ledger";
const BUCKET = "keyrotor-test-reportbucket-1a2b3c";
const ADMIN = "security@example.com";

type Reporter = (event: unknown, context: unknown) => Promise<{ sent: boolean; key?: string }>;

let emulators: Emulators;
let org: Organization;
let s3: S3Client;
const output: string[] = [];

/** The reporter as Lambda loads it, with the stack's variables and `adminEmail` (empty: not set). */
async function loadReporter(adminEmail: string): Promise<Reporter> {
  const env = {
    KEYROTOR_SENDER_EMAIL: SENDER,
    KEYROTOR_ADMIN_EMAIL: adminEmail,
    KEYROTOR_LEDGER_TABLE: LEDGER,
    REPORT_BUCKET: BUCKET,
    REPORT_RETENTION_DAYS: "90",
    AWS_PARTITION: "aws",
    POWERTOOLS_DEV: "true",
  };
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  vi.resetModules();
  return (await import("../../functions/reporter")).handler as unknown as Reporter;
}

/** One weekly run at moto's clock. */
async function runWeek(reporter: Reporter) {
  vi.setSystemTime(emulators.moto.now());
  const before = {
    emails: (await sentEmails(emulators.moto.endpoint)).length,
    calls: emulators.proxy.calls.length,
  };
  const result = await reporter(scheduledEvent(emulators.moto.now()), lambdaContext("keyrotor-reporter"));
  const emails = (await sentEmails(emulators.moto.endpoint)).slice(before.emails);
  return { result, emails, calls: emulators.proxy.calls.slice(before.calls) };
}

async function storedKeys(): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
  return (listed.Contents ?? []).map((o) => o.Key ?? "");
}

beforeAll(async () => {
  emulators = await startEmulators();
  s3 = new S3Client({ region: "us-east-1", credentials: MOTO_CREDENTIALS });
  org = await createOrganization([{ name: "Prod" }, { name: "Broken" }]);
  const prod = await clientsIn(org.accounts.Prod?.id ?? "");
  await createUsers(prod.iam, [
    { name: "app", keys: ["Active"] },
    { name: "ops", keys: ["Active"], tags: { "keyrotor:owner": "ops@example.com" } },
    { name: "break-glass", keys: ["Active"], groups: ["IAMKeyRotationExemptionGroup"] },
    // Two keys due and neither keyrotor's to delete: blocked, a person must choose.
    { name: "legacy", keys: ["Active", "Active"] },
  ]);
  // The member role of "Broken" cannot be assumed, as when the StackSet has not reached it.
  const broken = org.accounts.Broken?.id ?? "";
  emulators.proxy.rules.push((call) =>
    call.operation === "AssumeRole" &&
    decodeURIComponent(call.body).includes(`::${broken}:role/keyrotor-member-reader`)
      ? "access-denied"
      : null,
  );
  // What the stack creates: the ledger, the verified sender, the report bucket.
  await LedgerAdapter.create(LEDGER).ensureTable();
  await verifySender(SENDER);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  for (const method of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      output.push(args.map(String).join(" "));
    });
  }
  // The keys are 95 days old on report day: past rotation, not yet deactivation.
  emulators.moto.setClockOffsetDays(95);
}, 120_000);

afterAll(() => stopService(emulators));

describe("the weekly digest, through the reporter's handler", () => {
  it("without adminEmail: reads nothing, stores nothing, sends nothing", async () => {
    // Prepare
    const reporter = await loadReporter("");

    // Act
    const { result, emails, calls } = await runWeek(reporter);

    // Assess
    expect(result).toEqual({ sent: false });
    expect(calls).toEqual([]);
    expect(emails).toEqual([]);
    expect(await storedKeys()).toEqual([]);
    expect(output.some((line) => line.includes("digest off: no adminEmail"))).toBe(true);
  });

  it("with adminEmail: stores the full HTML report, private and encrypted, and mails the admin the summary and its link", async () => {
    // Prepare
    const reporter = await loadReporter(ADMIN);

    // Act
    const { result, emails, calls } = await runWeek(reporter);

    // Assess: every account read through its reader role, never the member role that rotates
    const assumed = calls
      .filter((call) => call.operation === "AssumeRole")
      .map((call) => new URLSearchParams(call.body).get("RoleArn"));
    expect([...new Set(assumed)].sort()).toEqual(
      [org.accounts.Prod?.id, org.accounts.Broken?.id, org.accounts.management?.id]
        .map((id) => `arn:aws:iam::${id}:role/keyrotor-member-reader`)
        .sort(),
    );

    // Assess: one report object, where the handler says, private, encrypted, HTML
    const keys = await storedKeys();
    expect(keys).toEqual([result.key]);
    const key = result.key ?? "";
    expect(key).toMatch(/^reports\/\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z\.html$/);
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(head).toMatchObject({
      ContentType: "text/html; charset=utf-8",
      ServerSideEncryption: "AES256",
      CacheControl: "no-store",
    });
    const acl = await s3.send(new GetObjectAclCommand({ Bucket: BUCKET, Key: key }));
    expect(acl.Grants?.map((g) => [g.Grantee?.Type, g.Permission])).toEqual([
      ["CanonicalUser", "FULL_CONTROL"],
    ]);
    const anonymous = await fetch(`${emulators.moto.endpoint}/${BUCKET}/${key}`);
    expect(anonymous.status).toBe(403);
    const html = await (
      await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))
    ).Body?.transformToString();
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain("Prod");
    expect(html).toContain("break-glass");

    // Assess: one email, from the sender to the admin alone, with the summary and the console link
    expect(emails).toHaveLength(1);
    const [email] = emails;
    expect(email?.source).toBe(SENDER);
    expect(email?.destinations).toEqual({ ToAddresses: [ADMIN], CcAddresses: [], BccAddresses: [] });
    expect(email?.subject).toMatch(
      /^\[keyrotor\] Weekly report \d{4}-\d{2}-\d{2}: 0% of keys within 90 days, 2 need a person, 1 account unreadable$/,
    );
    const link = consoleUrlOf({
      partition: "aws",
      region: "us-east-1",
      bucket: BUCKET,
      key,
      retentionDays: 90,
    });
    expect(email?.body).toContain(`href="${link?.replaceAll("&", "&amp;")}"`);
    expect(email?.body).toContain("5 active keys");
    expect(email?.body).toContain("90-100 days: 5");
    expect(email?.body).toMatch(
      new RegExp(
        `Prod \\(${org.accounts.Prod?.id}\\)</td><td [^>]*>legacy</td><td [^>]*>blocked, oldest key 95 days: `,
      ),
    );
    expect(email?.body).toContain(`Broken (${org.accounts.Broken?.id})`);
    // break-glass is exempt, but its key is 95 days old: IAM.3 fails it and keyrotor never will rotate it
    expect(email?.body).toMatch(/>break-glass<\/td><td [^>]*>exempt, oldest key 95 days: /);
    expect(email?.body).not.toContain("user is exempt");
    expect(email?.body).toContain("The report is kept for 90 days.");
    expect(email?.body).not.toMatch(/X-Amz-(Signature|Credential|Security-Token)/i);

    // Assess: one summary line
    const summary = output.filter((line) => line.includes('"digest sent"'));
    expect(summary).toHaveLength(1);
    expect(JSON.parse(summary[0] ?? "{}")).toMatchObject({
      key,
      unreadableAccounts: 1,
      activeKeys: 5,
      attention: 2,
    });
  });
});
