import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { S3Adapter } from "../../../shared/aws/s3";
import { AwsCallError } from "../../../shared/errors";

const s3 = mockClient(S3Client);
beforeEach(() => s3.reset());

describe("S3Adapter", () => {
  const adapter = new S3Adapter(new S3Client({ region: "us-east-1" }));
  const report = {
    key: "reports/2026-11-30T07-00-00Z.html",
    body: "<!doctype html>",
    contentType: "text/html; charset=utf-8",
  };

  it("puts the object encrypted, uncached and with no ACL of its own, and returns its key", async () => {
    // Prepare
    s3.on(PutObjectCommand).resolves({});

    // Act
    const key = await adapter.putObject("reports-bucket", report);

    // Assess
    expect(key).toBe(report.key);
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: "reports-bucket",
      Key: report.key,
      Body: report.body,
      ContentType: "text/html; charset=utf-8",
      CacheControl: "no-store",
      ServerSideEncryption: "AES256",
    });
    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input.ACL).toBeUndefined();
  });

  it("names the failed call: S3 PutObject and the AWS error code", async () => {
    // Prepare
    s3.on(PutObjectCommand).rejects(Object.assign(new Error("Access Denied"), { name: "AccessDenied" }));

    // Act
    const put = adapter.putObject("reports-bucket", report);

    // Assess
    await expect(put).rejects.toThrow(AwsCallError);
    await expect(put).rejects.toThrow("S3 PutObject failed (AccessDenied): Access Denied");
  });
});
