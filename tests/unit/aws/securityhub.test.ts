import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  GetFindingsCommand,
  SecurityHubClient,
} from "@aws-sdk/client-securityhub";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { IMPORT_BATCH, SecurityHubAdapter } from "../../../shared/aws/securityhub";
import { AwsCallError } from "../../../shared/errors";
import { type AsffFinding, findingsOf } from "../../../shared/findings/asff";
import type { AccountReport } from "../../../shared/rotation/report";

const hub = mockClient(SecurityHubClient);
const OWN = "999988887777";
const MEMBER = "111122223333";
const PRODUCT_ARN = `arn:aws-us-gov:securityhub:us-gov-west-1:${OWN}:product/${OWN}/default`;

let whoAmICalls = 0;
const whoAmI = async () => {
  whoAmICalls++;
  return { accountId: OWN, partition: "aws-us-gov" };
};
const adapter = () => new SecurityHubAdapter(new SecurityHubClient({ region: "us-gov-west-1" }), whoAmI);

/** `n` blocked users' findings about the member account. */
function findings(n: number): AsffFinding[] {
  const report: AccountReport = {
    accountId: MEMBER,
    runId: "run-1",
    mode: "enforce",
    now: "2026-06-01T06:00:00.000Z",
    previousRunAt: "2026-05-31T06:00:00.000Z",
    users: Array.from({ length: n }, (_, i) => ({
      userName: `u${i}`,
      status: "blocked" as const,
      reason: "two keys",
      keys: [],
      actions: [],
      warnings: [],
      upcoming: [],
      secretName: `keyrotor/u${i}`,
      findings: [],
    })),
    unexaminedUsers: 0,
    failedUsers: 0,
    deferredUsers: 0,
  };
  const product = {
    productArn: PRODUCT_ARN,
    accountId: OWN,
    partition: "aws-us-gov",
    region: "us-gov-west-1",
  };
  return findingsOf(report, product);
}

/** A finding as Security Hub returns it: keyrotor's fields plus those Security Hub adds. */
const returned = (f: AsffFinding, extra: Partial<AwsSecurityFinding> = {}): AwsSecurityFinding => ({
  ...f,
  ProductName: "Default",
  CompanyName: "Personal",
  Region: "us-gov-west-1",
  ProcessedAt: "2026-06-01T06:00:02.000Z",
  ProductFields: {
    ...f.ProductFields,
    "aws/securityhub/FindingId": "arn:...",
    "aws/securityhub/ProductName": "Default",
  },
  ...extra,
});

beforeEach(() => {
  hub.reset();
  whoAmICalls = 0;
});

describe("SecurityHubAdapter", () => {
  it("names its account's default product from the caller's account, partition and the client's region", async () => {
    // Prepare
    const sh = adapter();

    // Act
    const [first, second] = [await sh.product(), await sh.product()];

    // Assess
    expect(first).toEqual({
      productArn: PRODUCT_ARN,
      accountId: OWN,
      partition: "aws-us-gov",
      region: "us-gov-west-1",
    });
    expect(second).toBe(first);
    expect(whoAmICalls).toBe(1);
  });

  it("asks again after a failure to learn its account", async () => {
    // Prepare
    let fail = true;
    const sh = new SecurityHubAdapter(new SecurityHubClient({ region: "us-east-1" }), async () => {
      if (fail) throw new Error("STS down");
      return { accountId: OWN, partition: "aws" };
    });

    // Act
    const failed = await sh.product().catch((e: Error) => e.message);
    fail = false;
    const product = await sh.product();

    // Assess
    expect(failed).toBe("STS down");
    expect(product.accountId).toBe(OWN);
  });

  it("imports in requests of at most 100 findings and returns each one refused", async () => {
    // Prepare
    const all = findings(2 * IMPORT_BATCH + 5);
    hub
      .on(BatchImportFindingsCommand)
      .resolvesOnce({ FailedCount: 0, SuccessCount: 100, FailedFindings: [] })
      .resolvesOnce({
        FailedCount: 1,
        SuccessCount: 99,
        FailedFindings: [{ Id: all[150]?.Id, ErrorCode: "InvalidInput", ErrorMessage: "Finding too large" }],
      })
      .resolvesOnce({ FailedCount: 0, SuccessCount: 5 });

    // Act
    const refused = await adapter().importFindings(all);

    // Assess
    const sent = hub.commandCalls(BatchImportFindingsCommand).map((c) => c.args[0].input.Findings ?? []);
    expect(sent.map((batch) => batch.length)).toEqual([100, 100, 5]);
    expect(sent.flat().map((f) => f.Id)).toEqual(all.map((f) => f.Id));
    expect(refused).toEqual([{ id: all[150]?.Id, code: "InvalidInput", message: "Finding too large" }]);
  });

  it("names the call when a whole request fails", async () => {
    // Prepare
    hub
      .on(BatchImportFindingsCommand)
      .rejects(Object.assign(new Error("not subscribed"), { name: "InvalidAccessException" }));

    // Act
    const error = await adapter()
      .importFindings(findings(1))
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({
      service: "SecurityHub",
      operation: "BatchImportFindings",
      code: "InvalidAccessException",
    });
  });

  it("reads keyrotor's active findings about one member account, every page, with Security Hub's fields left out", async () => {
    // Prepare
    const [a, b] = findings(2);
    if (!a || !b) throw new Error("two findings expected");
    hub
      .on(GetFindingsCommand, { NextToken: undefined })
      .resolves({ Findings: [returned(a)], NextToken: "page-2" })
      .on(GetFindingsCommand, { NextToken: "page-2" })
      .resolves({ Findings: [returned(b)] });

    // Act
    const active = await adapter().activeFindings(MEMBER);

    // Assess
    expect(active).toEqual([a, b]);
    expect(hub).toHaveReceivedCommandWith(GetFindingsCommand, {
      Filters: {
        ProductArn: [{ Value: PRODUCT_ARN, Comparison: "EQUALS" }],
        Id: [{ Value: `keyrotor/${MEMBER}/`, Comparison: "PREFIX" }],
        GeneratorId: [{ Value: "keyrotor/", Comparison: "PREFIX" }],
        RecordState: [{ Value: "ACTIVE", Comparison: "EQUALS" }],
      },
      MaxResults: 100,
    });
    expect(hub.commandCalls(GetFindingsCommand)).toHaveLength(2);
  });

  it("drops what the filters should have kept out: other products, accounts, generators and archived findings", async () => {
    // Prepare: an emulator that ignores filters answers everything it holds
    const [mine] = findings(1);
    if (!mine) throw new Error("one finding expected");
    hub.on(GetFindingsCommand).resolves({
      Findings: [
        returned(mine),
        returned(mine, { ProductArn: "arn:aws:securityhub:us-east-1::product/aws/securityhub" }),
        returned(mine, { Id: "keyrotor/444455556666/u0/blocked" }),
        returned(mine, { GeneratorId: "security-control/IAM.3" }),
        returned(mine, { RecordState: "ARCHIVED" }),
        returned(mine, { Title: undefined }),
      ],
    });

    // Act
    const active = await adapter().activeFindings(MEMBER);

    // Assess
    expect(active.map((f) => f.Id)).toEqual([mine.Id]);
  });
});
