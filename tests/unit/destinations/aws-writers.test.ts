import { describe, expect, it } from "vitest";
import type { SsmDestination } from "../../../shared/destinations/schema";
import { createSsmWriter, type SecureStringPort } from "../../../shared/destinations/ssm";
import { DeliveryError } from "../../../shared/destinations/types";
import { AwsCallError } from "../../../shared/errors";
import type { Redacted } from "../../../shared/redacted";
import { expectNothingShown, KEY, parseDestination, SECRET } from "../../support/destinations";

const CENTRAL = "222222222222";

const awsError = (code: string, message = "no") => new AwsCallError("X", "Op", code, message);

/** Parameter Store in memory: what a real one keeps (value, version, description), and injected failures. */
class FakeParameterStore implements SecureStringPort {
  readonly params = new Map<string, { value: string; version: number; description?: string }>();
  readonly failures: unknown[] = [];
  async putSecureString(name: string, value: Redacted<string>, description?: string): Promise<number> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    const version = (this.params.get(name)?.version ?? 0) + 1;
    this.params.set(name, { value: value.reveal(), version, ...(description ? { description } : {}) });
    return version;
  }
}

const ssmDestination = (fields: Record<string, unknown>): SsmDestination => parseDestination("ssm", fields);

describe("the SSM writer", () => {
  it("writes the key id and the secret as parameters under the path, each naming whose key it is", async () => {
    // Prepare
    const store = new FakeParameterStore();
    const writer = createSsmWriter(ssmDestination({ path: "/keyrotor/ci/ci-deployer/" }), store);

    // Act
    await writer.deliver(KEY);

    // Assess
    expect(Object.fromEntries([...store.params].map(([name, p]) => [name, p.value]))).toEqual({
      "/keyrotor/ci/ci-deployer/AWS_ACCESS_KEY_ID": KEY.accessKeyId,
      "/keyrotor/ci/ci-deployer/AWS_SECRET_ACCESS_KEY": SECRET,
    });
    expect(store.params.get("/keyrotor/ci/ci-deployer/AWS_SECRET_ACCESS_KEY")?.description).toBe(
      "Secret access key of IAM user ci-deployer in account 111122223333, kept by keyrotor",
    );
  });

  it("uses the destination's own names", async () => {
    // Prepare
    const store = new FakeParameterStore();
    const names = { accessKeyId: "DEPLOY_KEY_ID", secretAccessKey: "DEPLOY_SECRET" };
    const writer = createSsmWriter(ssmDestination({ path: "/keyrotor/app", names }), store);

    // Act
    await writer.deliver(KEY);

    // Assess
    expect([...store.params.keys()].sort()).toEqual([
      "/keyrotor/app/DEPLOY_KEY_ID",
      "/keyrotor/app/DEPLOY_SECRET",
    ]);
  });

  it("writing the same key again leaves the same values", async () => {
    // Prepare
    const store = new FakeParameterStore();
    const writer = createSsmWriter(ssmDestination({ path: "/keyrotor/app" }), store);
    await writer.deliver(KEY);

    // Act
    await writer.deliver(KEY);

    // Assess
    expect(store.params.get("/keyrotor/app/AWS_SECRET_ACCESS_KEY")).toMatchObject({
      value: SECRET,
      version: 2,
    });
    expect(store.params.get("/keyrotor/app/AWS_ACCESS_KEY_ID")).toMatchObject({ value: KEY.accessKeyId });
  });

  it("writes the secret before the key id: a failed secret write publishes no new key id", async () => {
    // Prepare
    const store = new FakeParameterStore();
    store.failures.push(awsError("InternalServerError"));
    const writer = createSsmWriter(ssmDestination({ path: "/keyrotor/app" }), store);

    // Act
    const error = await writer.deliver(KEY).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(DeliveryError);
    expect(store.params.size).toBe(0);
  });

  it.each([
    ["AccessDeniedException", "forbidden", "ssm:PutParameter"],
    ["ThrottlingException", "rate-limited", "next run"],
    ["TooManyUpdates", "rate-limited", "next run"],
    ["InternalServerError", "unavailable", "outage"],
    ["ValidationException", "rejected", "letters, digits and _.-/"],
    ["ExpiredTokenException", "unauthorized", "member role"],
  ] as const)("%s becomes a %s DeliveryError with a fix", async (code, failure, fix) => {
    // Prepare
    const store = new FakeParameterStore();
    store.failures.push(awsError(code, "AWS said no"));
    const writer = createSsmWriter(ssmDestination({ path: "/keyrotor/app", account: CENTRAL }), store);

    // Act
    const error = await writer.deliver(KEY).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error).toMatchObject({ failure, fix: expect.stringContaining(fix) });
    expect((error as Error).message).toContain(
      `SSM parameter /keyrotor/app/AWS_SECRET_ACCESS_KEY in account ${CENTRAL} could not be written`,
    );
    expect((error as Error).message).toContain("AWS said no");
  });

  it("a network failure (no AWS code) is unavailable", async () => {
    // Prepare
    const store = new FakeParameterStore();
    store.failures.push(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));
    const writer = createSsmWriter(ssmDestination({ path: "/keyrotor/app" }), store);

    // Act
    const error = await writer.deliver(KEY).catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ failure: "unavailable" });
  });

  it("masks the secret should AWS echo it, and then drops the SDK error that holds it", async () => {
    // Prepare
    const store = new FakeParameterStore();
    store.failures.push(
      awsError("ValidationException", `Value '${SECRET}' at 'value' failed to satisfy constraint`),
    );
    const writer = createSsmWriter(ssmDestination({ path: "/keyrotor/app" }), store);

    // Act
    const error = (await writer.deliver(KEY).catch((e: unknown) => e)) as DeliveryError;

    // Assess
    expect(error.message).toContain("Value '[REDACTED]' at 'value'");
    expectNothingShown(error);
    expect(error.cause).toBeUndefined();
  });
});
