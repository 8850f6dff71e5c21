import { beforeEach, describe, expect, it } from "vitest";
import {
  IMPORT_BATCH,
  RESOLVE_BATCH,
  SECURITY_HUB,
  SecurityHubAdapter,
} from "../../../shared/aws/securityhub";
import { SignedJsonClient } from "../../../shared/aws/signed-json";
import { AwsCallError } from "../../../shared/errors";
import { type AsffFinding, findingsOf } from "../../../shared/findings/asff";
import { type FindingIdentifier, FindingsResolveError } from "../../../shared/findings/sync-findings";
import type { AccountReport } from "../../../shared/rotation/report";

const OWN = "999988887777";
const MEMBER = "111122223333";
const PRODUCT_ARN = `arn:aws-us-gov:securityhub:us-gov-west-1:${OWN}:product/${OWN}/default`;
const ENDPOINT = "https://securityhub.us-gov-west-1.amazonaws.com";

// biome-ignore lint/suspicious/noExplicitAny: request and answer bodies are read structurally here.
type Json = any;
interface Answer {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  readonly body: Json;
}

/**
 * Security Hub as `fetch` sees it: each request kept (path and JSON body), each path answered by its
 * queue of answers in order, the last one again once the queue runs out.
 */
class FakeHub {
  readonly sent: { readonly method: string; readonly path: string; readonly body: Json }[] = [];
  private readonly answers = new Map<string, ((body: Json) => Answer)[]>();

  on(path: string, ...answers: (Answer | ((body: Json) => Answer))[]): this {
    this.answers.set(
      path,
      answers.map((a) => (typeof a === "function" ? a : () => a)),
    );
    return this;
  }

  sentTo(path: string): Json[] {
    return this.sent.filter((s) => s.path === path).map((s) => s.body);
  }

  readonly fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    const body = JSON.parse(String(init?.body));
    this.sent.push({ method: init?.method ?? "GET", path: url.pathname, body });
    const queue = this.answers.get(url.pathname) ?? [];
    const answer = (queue.length > 1 ? queue.shift() : queue[0])?.(body) ?? { status: 404, body: {} };
    return new Response(JSON.stringify(answer.body), {
      status: answer.status ?? 200,
      headers: { "content-type": "application/json", ...answer.headers },
    });
  };
}

let hub: FakeHub;
let whoAmICalls = 0;
const whoAmI = async () => {
  whoAmICalls++;
  return { accountId: OWN, partition: "aws-us-gov" };
};
const client = (region = "us-gov-west-1") =>
  new SignedJsonClient(SECURITY_HUB, {
    region,
    endpoint: ENDPOINT,
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "not-a-secret" },
    maxAttempts: 3,
    timeoutMs: 5_000,
    fetch: hub.fetch,
  });
const adapter = () => new SecurityHubAdapter(client(), whoAmI);

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
const returned = (f: AsffFinding, extra: Record<string, unknown> = {}): Json => ({
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
  hub = new FakeHub();
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
    const sh = new SecurityHubAdapter(client("us-east-1"), async () => {
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
    hub.on(
      "/findings/import",
      { body: { FailedCount: 0, SuccessCount: 100, FailedFindings: [] } },
      {
        body: {
          FailedCount: 1,
          SuccessCount: 99,
          FailedFindings: [
            { Id: all[150]?.Id, ErrorCode: "InvalidInput", ErrorMessage: "Finding too large" },
          ],
        },
      },
      { body: { FailedCount: 0, SuccessCount: 5 } },
    );

    // Act
    const refused = await adapter().importFindings(all);

    // Assess
    const sent: AsffFinding[][] = hub.sentTo("/findings/import").map((body) => body.Findings);
    expect(sent.map((batch) => batch.length)).toEqual([100, 100, 5]);
    expect(sent.flat()).toEqual(all);
    expect(refused).toEqual([{ id: all[150]?.Id, code: "InvalidInput", message: "Finding too large" }]);
  });

  it("names the call when a whole request fails, and does not retry a refusal", async () => {
    // Prepare
    hub.on("/findings/import", {
      status: 401,
      headers: { "x-amzn-ErrorType": "InvalidAccessException:http://internal.amazon.com/coral/" },
      body: { Code: "InvalidAccessException", Message: "not subscribed" },
    });

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
      message: "SecurityHub BatchImportFindings failed (InvalidAccessException): not subscribed",
    });
    expect(hub.sent).toHaveLength(1);
  });

  it("reads keyrotor's active findings about one member account, every page, with Security Hub's fields left out", async () => {
    // Prepare
    const [a, b] = findings(2);
    if (!a || !b) throw new Error("two findings expected");
    hub.on("/findings", (body) =>
      body.NextToken === "page-2"
        ? { body: { Findings: [returned(b)] } }
        : { body: { Findings: [returned(a)], NextToken: "page-2" } },
    );

    // Act
    const active = await adapter().activeFindings(MEMBER);

    // Assess
    expect(active).toEqual([a, b]);
    const filters = {
      ProductArn: [{ Value: PRODUCT_ARN, Comparison: "EQUALS" }],
      Id: [{ Value: `keyrotor/${MEMBER}/`, Comparison: "PREFIX" }],
      GeneratorId: [{ Value: "keyrotor/", Comparison: "PREFIX" }],
      RecordState: [{ Value: "ACTIVE", Comparison: "EQUALS" }],
    };
    expect(hub.sentTo("/findings")).toEqual([
      { Filters: filters, MaxResults: 100 },
      { Filters: filters, MaxResults: 100, NextToken: "page-2" },
    ]);
  });

  it("drops what the filters should have kept out: other products, accounts, generators and archived findings", async () => {
    // Prepare: an emulator that ignores filters answers everything it holds
    const [mine] = findings(1);
    if (!mine) throw new Error("one finding expected");
    hub.on("/findings", {
      body: {
        Findings: [
          returned(mine),
          returned(mine, { ProductArn: "arn:aws:securityhub:us-east-1::product/aws/securityhub" }),
          returned(mine, { Id: "keyrotor/444455556666/u0/blocked" }),
          returned(mine, { GeneratorId: "security-control/IAM.3" }),
          returned(mine, { RecordState: "ARCHIVED" }),
          returned(mine, { Title: undefined }),
        ],
      },
    });

    // Act
    const active = await adapter().activeFindings(MEMBER);

    // Assess
    expect(active.map((f) => f.Id)).toEqual([mine.Id]);
  });

  it("reads back the workflow and the note Security Hub holds, which only BatchUpdateFindings sets", async () => {
    // Prepare
    const [mine] = findings(1);
    if (!mine) throw new Error("one finding expected");
    const note = { Text: "looking into it", UpdatedBy: "ana", UpdatedAt: "2026-06-01T07:00:00.000Z" };
    hub.on("/findings", {
      body: { Findings: [returned(mine, { Workflow: { Status: "NOTIFIED" }, Note: note })] },
    });

    // Act
    const [active] = await adapter().activeFindings(MEMBER);

    // Assess
    expect(active?.Workflow).toEqual({ Status: "NOTIFIED" });
    expect(active?.Note).toEqual({ Text: "looking into it", UpdatedBy: "ana" });
  });

  it("stops paging when Security Hub hands back the token it was given", async () => {
    // Prepare
    hub.on("/findings", { body: { Findings: [], NextToken: "same" } });

    // Act
    await adapter().activeFindings(MEMBER);

    // Assess
    expect(hub.sentTo("/findings").map((body) => body.NextToken)).toEqual([undefined, "same"]);
  });
});

describe("SecurityHubAdapter.resolve", () => {
  const BATCH_UPDATE = "/findings/batchupdate";
  const ids = (n: number, productArn = PRODUCT_ARN): FindingIdentifier[] =>
    Array.from({ length: n }, (_, i) => ({
      id: `keyrotor/${MEMBER}/u${i}/incident/AKIAEXPOSED${i}`,
      productArn,
    }));
  const processed = (body: Json) => ({
    body: { ProcessedFindings: body.FindingIdentifiers, UnprocessedFindings: [] },
  });

  it("PATCHes RESOLVED with keyrotor's note, and nothing else, in requests of at most 100", async () => {
    // Prepare
    const all = ids(2 * RESOLVE_BATCH + 5);
    hub.on(BATCH_UPDATE, processed);

    // Act
    await adapter().resolve(all, "keyrotor handled this exposed key in run run-1.");

    // Assess
    expect(hub.sent.map((s) => s.method)).toEqual(["PATCH", "PATCH", "PATCH"]);
    const sent = hub.sentTo(BATCH_UPDATE);
    expect(sent.map((body) => body.FindingIdentifiers.length)).toEqual([100, 100, 5]);
    expect(sent.flatMap((body) => body.FindingIdentifiers)).toEqual(
      all.map((f) => ({ Id: f.id, ProductArn: f.productArn })),
    );
    for (const body of sent) {
      expect(Object.keys(body).sort()).toEqual(["FindingIdentifiers", "Note", "Workflow"]);
      expect(body.Workflow).toEqual({ Status: "RESOLVED" });
      expect(body.Note).toEqual({
        Text: "keyrotor handled this exposed key in run run-1.",
        UpdatedBy: "keyrotor",
      });
    }
  });

  it("sends a note within Security Hub's 512 characters, one line, anything shaped like a secret masked", async () => {
    // Prepare
    hub.on(BATCH_UPDATE, processed);
    const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    // Act
    await adapter().resolve(ids(1), `run ${secret}\n${"x".repeat(600)}`);

    // Assess
    const [body] = hub.sentTo(BATCH_UPDATE);
    expect(body.Note.Text.length).toBeLessThanOrEqual(512);
    expect(body.Note.Text).not.toContain(secret);
    expect(body.Note.Text).not.toContain("\n");
  });

  it("asks for each finding once, and not at all for none", async () => {
    // Prepare
    hub.on(BATCH_UPDATE, processed);
    const [a] = ids(1);
    if (!a) throw new Error("one finding expected");

    // Act
    await adapter().resolve([], "n");
    const none = hub.sent.length;
    await adapter().resolve([a, a], "n");

    // Assess
    expect(none).toBe(0);
    expect(hub.sentTo(BATCH_UPDATE).map((body) => body.FindingIdentifiers)).toEqual([
      [{ Id: a.id, ProductArn: PRODUCT_ARN }],
    ]);
  });

  it("names every finding Security Hub did not process, after asking for every batch", async () => {
    // Prepare
    const all = ids(RESOLVE_BATCH + 1);
    const [late] = all.slice(-1);
    hub.on(
      BATCH_UPDATE,
      (body) => ({
        body: {
          ProcessedFindings: body.FindingIdentifiers.slice(1),
          UnprocessedFindings: [
            {
              FindingIdentifier: body.FindingIdentifiers[0],
              ErrorCode: "ConcurrentUpdateError",
              ErrorMessage: "Concurrent finding updates detected",
            },
          ],
        },
      }),
      (body) => ({
        body: {
          ProcessedFindings: [],
          UnprocessedFindings: [
            {
              FindingIdentifier: body.FindingIdentifiers[0],
              ErrorCode: "FindingNotFound",
              ErrorMessage: "not found",
            },
          ],
        },
      }),
    );

    // Act
    const error = await adapter()
      .resolve(all, "n")
      .catch((e: unknown) => e);

    // Assess
    expect(hub.sentTo(BATCH_UPDATE)).toHaveLength(2);
    expect(error).toBeInstanceOf(FindingsResolveError);
    expect((error as FindingsResolveError).unresolved).toEqual([
      { id: all[0]?.id, code: "ConcurrentUpdateError", message: "Concurrent finding updates detected" },
      { id: late?.id, code: "FindingNotFound", message: "not found" },
    ]);
    expect((error as Error).cause).toBeInstanceOf(AwsCallError);
    expect((error as Error).cause).toMatchObject({
      operation: "BatchUpdateFindings",
      code: "ConcurrentUpdateError",
    });
  });

  it("a request that fails names its findings and every later batch's, with the call's error as cause", async () => {
    // Prepare: an emulator without the operation
    const all = ids(RESOLVE_BATCH + 1);
    hub.on(BATCH_UPDATE, { status: 404, body: { message: "Not yet implemented" } });

    // Act
    const error = await adapter()
      .resolve(all, "n")
      .catch((e: unknown) => e);

    // Assess
    expect(hub.sentTo(BATCH_UPDATE)).toHaveLength(1);
    expect(error).toBeInstanceOf(FindingsResolveError);
    const unresolved = (error as FindingsResolveError).unresolved;
    expect(unresolved.map((f) => f.id)).toEqual(all.map((f) => f.id));
    expect(unresolved[0]).toMatchObject({ code: "Http404" });
    expect((error as Error).cause).toMatchObject({ name: "AwsCallError", operation: "BatchUpdateFindings" });
  });

  it("asks for keyrotor's own findings only: another product's, or an Id not keyrotor's, is named unresolved, never sent", async () => {
    // Prepare
    hub.on(BATCH_UPDATE, processed);
    const [mine] = ids(1);
    if (!mine) throw new Error("one finding expected");
    const others: FindingIdentifier[] = [
      { id: mine.id, productArn: "arn:aws-us-gov:securityhub:us-gov-west-1::product/aws/guardduty" },
      {
        id: "arn:aws:securityhub:us-gov-west-1:999988887777:security-control/IAM.3/finding/1",
        productArn: PRODUCT_ARN,
      },
    ];

    // Act
    const error = await adapter()
      .resolve([mine, ...others], "n")
      .catch((e: unknown) => e);

    // Assess
    expect(hub.sentTo(BATCH_UPDATE).map((body) => body.FindingIdentifiers)).toEqual([
      [{ Id: mine.id, ProductArn: PRODUCT_ARN }],
    ]);
    expect(error).toBeInstanceOf(FindingsResolveError);
    expect((error as FindingsResolveError).unresolved.map((f) => [f.id, f.code])).toEqual(
      others.map((f) => [f.id, "NotKeyrotorsFinding"]),
    );
  });
});
