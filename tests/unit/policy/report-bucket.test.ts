import { describe, expect, it } from "vitest";
import {
  administratorAccess,
  allowAll,
  decision,
  MANAGEMENT,
  MEMBER,
  type NamedPolicy,
  ORG,
} from "./simulate";
import { evaluate, identityOf, type Json, managementAttributes, serverlessResources } from "./templates";

// The weekly digest's bucket and the reporter's role as serverless.yml declares them, resolved for one
// account and evaluated with the IAM policy simulator: who may put a report, who may read one, and how.
// The public access block is a bucket setting the simulator does not model: tests/infra/package.test.ts
// pins it.

const ADMIN_EMAIL = "security@example.com";
const management = serverlessResources({
  senderEmail: "keyrotor@example.com",
  adminEmail: ADMIN_EMAIL,
  organizationId: ORG,
  deploymentTargets: "r-ab12",
});
const attributes = managementAttributes(management, MANAGEMENT);
const resolved = (name: string): Json => evaluate(management[name], { accountId: MANAGEMENT, attributes });
const role = (name: string) => ({
  arn: attributes[`${name}.Arn`] as string,
  identity: identityOf(resolved(name)) as NamedPolicy[],
});
const reporter = role("ReporterRole");
const bucketPolicy = resolved("ReportBucketPolicy").Properties.PolicyDocument;
const BUCKET = attributes["ReportBucket.Arn"] as string;
const REPORT = `${BUCKET}/reports/2026-11-30T07-00-00Z.html`;
const ADMIN = `arn:aws:iam::${MANAGEMENT}:role/Admin`;
const TLS = { "aws:SecureTransport": "true" };
const PLAIN_HTTP = { "aws:SecureTransport": "false" };

/** A request on the bucket, judged by the caller's policies and the bucket's. */
const onBucket = (
  principal: string,
  identity: NamedPolicy[],
  action: string,
  resource = REPORT,
  context = TLS,
) =>
  decision(principal, action, resource, {
    identity,
    resourcePolicy: bucketPolicy,
    context,
    resourceAccount: MANAGEMENT,
  });

describe("the report bucket", () => {
  it("takes reports from the reporter over TLS", async () => {
    expect(await onBucket(reporter.arn, reporter.identity, "s3:PutObject")).toBe("Allowed");
  });

  it("takes no report from anyone else: not an administrator of the account, not keyrotor's other roles", async () => {
    expect(await onBucket(ADMIN, [administratorAccess], "s3:PutObject")).toBe("ExplicitlyDenied");
    for (const name of ["SchedulerRole", "RotatorRole", "NotifierRole"]) {
      const other = role(name);
      expect(await onBucket(other.arn, [allowAll("s3:*")], "s3:PutObject"), name).toBe("ExplicitlyDenied");
    }
  });

  it("refuses every request over plain HTTP, the reporter's and an administrator's alike", async () => {
    expect(await onBucket(reporter.arn, reporter.identity, "s3:PutObject", REPORT, PLAIN_HTTP)).toBe(
      "ExplicitlyDenied",
    );
    expect(await onBucket(ADMIN, [administratorAccess], "s3:GetObject", REPORT, PLAIN_HTTP)).toBe(
      "ExplicitlyDenied",
    );
    expect(await onBucket(ADMIN, [administratorAccess], "s3:ListBucket", BUCKET, PLAIN_HTTP)).toBe(
      "ExplicitlyDenied",
    );
  });

  it("lets the account's own readers open a report over TLS (the digest's console link), and nobody outside it", async () => {
    expect(await onBucket(ADMIN, [administratorAccess], "s3:GetObject")).toBe("Allowed");
    const outsider = "arn:aws:iam::999988887777:role/Attacker";
    expect(await onBucket(outsider, [allowAll("s3:*")], "s3:GetObject")).not.toBe("Allowed");
    const member = `arn:aws:iam::${MEMBER}:role/Admin`;
    expect(await onBucket(member, [administratorAccess], "s3:GetObject")).not.toBe("Allowed");
  });

  it("grants nothing to anyone in its policy: it only denies", () => {
    const statements = bucketPolicy.Statement as Json[];
    expect(statements.map((s) => s.Effect)).toEqual(["Deny", "Deny"]);
  });

  it("is the only place the reporter writes: it reads no report back and reads the ledger without writing it", async () => {
    expect(await onBucket(reporter.arn, reporter.identity, "s3:GetObject")).toBe("ImplicitlyDenied");
    expect(
      await decision(reporter.arn, "s3:PutObject", "arn:aws:s3:::another-bucket/x", {
        identity: reporter.identity,
      }),
    ).toBe("ImplicitlyDenied");
    const ledger = attributes["LedgerTable.Arn"] as string;
    for (const [action, verdict] of [
      ["dynamodb:Query", "Allowed"],
      ["dynamodb:GetItem", "Allowed"],
      ["dynamodb:PutItem", "ImplicitlyDenied"],
      ["dynamodb:UpdateItem", "ImplicitlyDenied"],
    ]) {
      expect(
        await decision(reporter.arn, action as string, ledger, { identity: reporter.identity }),
        action,
      ).toBe(verdict);
    }
  });
});

describe("the reporter's email", () => {
  const SENDER = `arn:aws:ses:us-east-1:${MANAGEMENT}:identity/keyrotor@example.com`;
  const send = (identity: NamedPolicy[], recipients: string[], sender = SENDER) =>
    decision(reporter.arn, "ses:SendEmail", sender, { identity, context: { "ses:Recipients": recipients } });

  it("goes from the sender to adminEmail", async () => {
    expect(await send(reporter.identity, [ADMIN_EMAIL])).toBe("Allowed");
  });

  it("goes to no one else, not even alongside adminEmail, nor from another identity", async () => {
    expect(await send(reporter.identity, ["someone@example.com"])).toBe("ImplicitlyDenied");
    expect(await send(reporter.identity, [ADMIN_EMAIL, "someone@example.com"])).toBe("ImplicitlyDenied");
    const otherSender = `arn:aws:ses:us-east-1:${MANAGEMENT}:identity/other@example.com`;
    expect(await send(reporter.identity, [ADMIN_EMAIL], otherSender)).toBe("ImplicitlyDenied");
  });

  it("goes nowhere when adminEmail is not set", async () => {
    // Prepare: the stack deployed without adminEmail
    const off = serverlessResources({
      senderEmail: "keyrotor@example.com",
      organizationId: ORG,
      deploymentTargets: "r-ab12",
    });
    const identity = identityOf(evaluate(off.ReporterRole, { accountId: MANAGEMENT, attributes }));

    // Act
    const verdict = await send(identity, [ADMIN_EMAIL]);

    // Assess
    expect(verdict).toBe("ImplicitlyDenied");
  });
});
