import { describe, expect, it } from "vitest";
import type { CopyPlace } from "../../../shared/destinations/copy-ledger";
import type { SecretsManagerDestination } from "../../../shared/destinations/schema";
import {
  buildCopyPolicy,
  COPY_NONCE_TAG,
  COPY_TAG,
  createSecretsManagerWriter,
  type SecretCopyPort,
} from "../../../shared/destinations/secrets-manager";
import { DeliveryError, type DestinationWriter } from "../../../shared/destinations/types";
import { AwsCallError } from "../../../shared/errors";
import type { Redacted } from "../../../shared/redacted";
import type { NewSecret, SecretMeta } from "../../../shared/rotation/ports";
import { requestTokenFor } from "../../../shared/rotation/secret-name";
import { MemoryCopyLedger } from "../../support/copy-ledger";
import { expectNothingShown, KEY, nextKey, parseDestination, SECRET } from "../../support/destinations";
import { administratorAccess, allowAll, decision } from "../policy/simulate";

const CENTRAL = "222222222222";
const REGION = "eu-west-1";
const READER = `arn:aws:iam::${CENTRAL}:role/deployer`;
const NAME = "keyrotor/central/111122223333/ci-deployer";
const OWNER = "111122223333/ci-deployer";
const PLACE: CopyPlace = { account: CENTRAL, region: REGION, name: NAME };
const MINUTE = 60_000;

const awsError = (code: string, message = "no") => new AwsCallError("X", "Op", code, message);

interface FakeSecret {
  meta: SecretMeta;
  description: string;
  policy: string | null;
  versions: Map<string, string>;
}

/**
 * Secrets Manager in memory, as it answers the copy's calls: every secret made gets an ARN of its own
 * (a random suffix), writes address a secret by name or ARN, versions by token, tags, policy.
 */
class FakeSecrets implements SecretCopyPort {
  readonly secrets = new Map<string, FakeSecret>();
  readonly calls: string[] = [];
  readonly failures = new Map<string, unknown>();
  /** Runs once, inside CreateSecret before it looks: someone else creating a secret in between. */
  raceOnCreate: (() => void) | null = null;
  /** CreateSecret is applied but its answer never arrives. */
  loseCreateAnswer = false;
  private made = 0;

  constructor(private readonly clock: () => number) {}

  private step(op: string) {
    this.calls.push(op);
    const failure = this.failures.get(op);
    this.failures.delete(op);
    if (failure) throw failure;
  }

  /** A secret at `name` made now, by someone else unless its tags say keyrotor's. */
  seed(name: string, meta: Partial<SecretMeta> = {}, description = ""): FakeSecret {
    this.made++;
    const full: SecretMeta = {
      name,
      arn: `arn:aws:secretsmanager:${REGION}:${CENTRAL}:secret:${name}-Sfx${String(this.made).padStart(3, "0")}`,
      tags: {},
      currentVersionId: null,
      kmsKeyId: null,
      deletionDate: null,
      replicaRegions: [],
      createdAt: new Date(this.clock()),
      rotation: null,
      ...meta,
    };
    const secret: FakeSecret = { meta: full, description, policy: null, versions: new Map() };
    this.secrets.set(name, secret);
    return secret;
  }

  /** Deleted without a recovery window: gone at once. */
  forget(name: string) {
    this.secrets.delete(name);
  }

  private byId(id: string): FakeSecret {
    const found = [...this.secrets.values()].find((s) => s.meta.name === id || s.meta.arn === id);
    if (!found) throw awsError("ResourceNotFoundException");
    if (found.meta.deletionDate) throw awsError("InvalidRequestException", "marked for deletion");
    return found;
  }

  async describeSecret(name: string) {
    this.step("DescribeSecret");
    return this.secrets.get(name)?.meta ?? null;
  }

  async createSecret(secret: NewSecret) {
    this.step("CreateSecret");
    const race = this.raceOnCreate;
    this.raceOnCreate = null;
    race?.();
    if (this.secrets.has(secret.name)) return null;
    const made = this.seed(secret.name, { tags: { ...secret.tags } }, secret.description);
    if (this.loseCreateAnswer) throw awsError("UnknownError", "socket hang up");
    return made.meta;
  }

  async putResourcePolicy(id: string, policy: string) {
    this.step("PutResourcePolicy");
    this.byId(id).policy = policy;
  }

  async putSecretValue(id: string, value: Redacted<string>, token: string) {
    this.step("PutSecretValue");
    const entry = this.byId(id);
    const stored = entry.versions.get(token);
    // Secrets Manager: the same token with another value is refused; with the same value, ignored.
    if (stored !== undefined && stored !== value.reveal()) throw awsError("ResourceExistsException");
    entry.versions.set(token, value.reveal());
    entry.meta = { ...entry.meta, currentVersionId: token };
    return token;
  }

  current(name: string): unknown {
    const entry = this.secrets.get(name);
    const value = entry?.meta.currentVersionId ? entry.versions.get(entry.meta.currentVersionId) : undefined;
    return value === undefined ? undefined : JSON.parse(value);
  }
}

/** A central copy's writer over fakes, on a clock the test moves. */
function world(fields: Record<string, unknown> = {}) {
  const time = { now: Date.parse("2026-03-01T06:00:00Z") };
  const sm = new FakeSecrets(() => time.now);
  const copies = new MemoryCopyLedger();
  const dest: SecretsManagerDestination = parseDestination("secrets-manager", {
    name: NAME,
    account: CENTRAL,
    region: REGION,
    ...fields,
  });
  const writer = (): DestinationWriter =>
    createSecretsManagerWriter(dest, sm, { copies, region: REGION, now: () => time.now });
  return { time, sm, copies, writer };
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error("the delivery succeeded");
    },
    (e: unknown) => e as DeliveryError,
  );

describe("the central copy: keyrotor creates it and records it", () => {
  it("creates the copy tagged with its nonce, records its ARN, puts its policy, then the key under the key id's token", async () => {
    // Prepare
    const { sm, copies, writer } = world({ readers: [READER] });

    // Act
    await writer().deliver(KEY);

    // Assess
    const entry = sm.secrets.get(NAME);
    expect(entry?.description).toBe(
      "Copy of the current access key of IAM user ci-deployer in account 111122223333, kept by keyrotor",
    );
    const record = copies.at(PLACE);
    expect(record).toEqual({
      state: "created",
      owner: OWNER,
      arn: entry?.meta.arn,
      createdAt: "2026-03-01T06:00:00.000Z",
    });
    expect(entry?.meta.tags).toEqual({
      "keyrotor:user": "ci-deployer",
      [COPY_TAG]: OWNER,
      [COPY_NONCE_TAG]: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(entry?.policy).toBe(buildCopyPolicy(NAME, [READER]));
    expect(sm.current(NAME)).toEqual({
      AccessKeyId: KEY.accessKeyId,
      SecretAccessKey: SECRET,
      UserName: "ci-deployer",
    });
    expect(entry?.meta.currentVersionId).toBe(requestTokenFor(KEY.accessKeyId));
    // The intent is recorded before CreateSecret; the policy guards the value, so it comes first.
    expect(copies.calls).toEqual(["getCopy", "putCopy creating", "putCopy created"]);
    expect(sm.calls).toEqual(["DescribeSecret", "CreateSecret", "PutResourcePolicy", "PutSecretValue"]);
  });

  it("a second delivery the same day reads the record, looks at the secret again and leaves one version", async () => {
    // Prepare
    const { sm, copies, writer } = world();
    await writer().deliver(KEY);
    sm.calls.length = 0;
    copies.calls.length = 0;

    // Act
    await writer().deliver(KEY);

    // Assess
    expect(copies.calls).toEqual(["getCopy"]);
    expect(sm.calls).toEqual(["DescribeSecret", "PutResourcePolicy", "PutSecretValue"]);
    expect([...(sm.secrets.get(NAME)?.versions.keys() ?? [])]).toEqual([requestTokenFor(KEY.accessKeyId)]);
  });

  it("the next rotation's key becomes the value of keyrotor's own copy", async () => {
    // Prepare
    const { time, sm, writer } = world();
    await writer().deliver(KEY);
    time.now += 90 * 86_400_000;

    // Act
    await writer().deliver(nextKey("AKIANEXTKEY000000000", "next-secret"));

    // Assess
    expect(sm.current(NAME)).toMatchObject({
      AccessKeyId: "AKIANEXTKEY000000000",
      SecretAccessKey: "next-secret",
    });
  });

  it("writes by the recorded ARN: a secret made again at the name between the look and the write is not reached", async () => {
    // Prepare: keyrotor's copy exists; right after DescribeSecret someone deletes it and makes their own.
    const { sm, writer } = world();
    await writer().deliver(KEY);
    const describe = sm.describeSecret.bind(sm);
    sm.describeSecret = async (name) => {
      const meta = await describe(name);
      sm.forget(NAME);
      sm.seed(NAME, { tags: { [COPY_TAG]: OWNER } });
      return meta;
    };

    // Act
    const error = await failure(writer().deliver(nextKey("AKIANEXTKEY000000000", "next-secret")));

    // Assess
    expect(error).toBeInstanceOf(DeliveryError);
    expect(sm.secrets.get(NAME)?.policy).toBeNull();
    expect(sm.secrets.get(NAME)?.versions.size).toBe(0);
  });
});

describe("the central copy: a secret keyrotor did not record is never written", () => {
  it("refuses a secret someone created at the name with the right copy-of tag (no ledger record), writing nothing", async () => {
    // Prepare: an insider pre-creates the copy, tagged as keyrotor would tag it.
    const { sm, copies, writer } = world({ readers: [READER] });
    sm.seed(NAME, { tags: { [COPY_TAG]: OWNER, "keyrotor:user": "ci-deployer" } });

    // Act
    const error = await failure(writer().deliver(KEY));

    // Assess
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error.failure).toBe("rejected");
    expect(error.message).toContain(`secret ${NAME} in account ${CENTRAL} (${REGION})`);
    expect(error.message).toContain("keyrotor has no record of creating it");
    expect(error.fix).toContain("delete that secret");
    expect(sm.calls).toEqual(["DescribeSecret"]);
    expect(sm.secrets.get(NAME)?.policy).toBeNull();
    expect(sm.secrets.get(NAME)?.versions.size).toBe(0);
    expect(copies.at(PLACE)).toBeUndefined();
  });

  it("refuses the recorded copy deleted and made again by someone else at the name (its ARN differs)", async () => {
    // Prepare
    const { sm, writer } = world();
    await writer().deliver(KEY);
    sm.forget(NAME);
    sm.seed(NAME, { tags: { ...sm.secrets.get(NAME)?.meta.tags, [COPY_TAG]: OWNER } });

    // Act
    const error = await failure(writer().deliver(nextKey("AKIANEXTKEY000000000", "next-secret")));

    // Assess
    expect(error).toMatchObject({
      failure: "rejected",
      message: expect.stringContaining("is not the secret keyrotor created"),
    });
    expect(sm.secrets.get(NAME)?.versions.size).toBe(0);
  });

  it("refuses keyrotor's copy recorded for another user", async () => {
    // Prepare
    const { sm, copies, writer } = world();
    const theirs = sm.seed(NAME, { tags: { [COPY_TAG]: "111122223333/someone-else" } });
    copies.plant(PLACE, {
      state: "created",
      owner: "111122223333/someone-else",
      arn: theirs.meta.arn,
      createdAt: "2026-01-01T00:00:00.000Z",
    });

    // Act
    const error = await failure(writer().deliver(KEY));

    // Assess
    expect(error).toMatchObject({
      failure: "rejected",
      message: expect.stringContaining(
        "a copy keyrotor created for 111122223333/someone-else, not for 111122223333/ci-deployer",
      ),
    });
    expect(theirs.versions.size).toBe(0);
  });

  it.each([
    [
      "rotation configured with someone's Lambda",
      { rotation: { enabled: true, lambdaArn: "arn:aws:lambda:eu-west-1:222222222222:function:grab" } },
      "has rotation configured on it (arn:aws:lambda:eu-west-1:222222222222:function:grab)",
    ],
    ["rotation enabled", { rotation: { enabled: true, lambdaArn: null } }, "has rotation configured on it"],
    [
      "a rotation Lambda, rotation off",
      { rotation: { enabled: false, lambdaArn: "arn:aws:lambda:eu-west-1:222222222222:function:grab" } },
      "has rotation configured on it",
    ],
    ["rotation not told", { rotation: undefined }, "did not say whether rotation is configured on it"],
    [
      "scheduled for deletion",
      { deletionDate: new Date("2026-03-08T00:00:00Z") },
      "scheduled for deletion on 2026-03-08",
    ],
    [
      "someone's KMS key",
      { kmsKeyId: "arn:aws:kms:eu-west-1:222222222222:key/theirs" },
      "KMS key keyrotor does not control",
    ],
    ["replicated elsewhere", { replicaRegions: ["ap-south-1"] }, "replicated to ap-south-1"],
  ] as const)("refuses keyrotor's own recorded copy with %s, writing nothing", async (_, change, why) => {
    // Prepare
    const { sm, writer } = world({ readers: [READER] });
    await writer().deliver(KEY);
    const entry = sm.secrets.get(NAME);
    if (!entry) throw new Error("no copy");
    entry.meta = { ...entry.meta, ...change };
    sm.calls.length = 0;

    // Act
    const error = await failure(writer().deliver(nextKey("AKIANEXTKEY000000000", "next-secret")));

    // Assess
    expect(error).toMatchObject({ failure: "rejected", message: expect.stringContaining(why) });
    expect(sm.calls).toEqual(["DescribeSecret"]);
    expect(sm.current(NAME)).toMatchObject({ AccessKeyId: KEY.accessKeyId });
  });

  it("a recorded copy deleted for good is created again, and its new ARN recorded", async () => {
    // Prepare
    const { sm, copies, writer } = world();
    await writer().deliver(KEY);
    const first = copies.at(PLACE);
    sm.forget(NAME);

    // Act
    await writer().deliver(nextKey("AKIANEXTKEY000000000", "next-secret"));

    // Assess
    const record = copies.at(PLACE);
    expect(record).toMatchObject({ state: "created", arn: sm.secrets.get(NAME)?.meta.arn });
    expect(record).not.toEqual(first);
    expect(sm.current(NAME)).toMatchObject({ AccessKeyId: "AKIANEXTKEY000000000" });
  });
});

describe("the central copy: unfair faults", () => {
  it("CreateSecret applied but its answer lost: the delivery fails, and the retry adopts the secret carrying its nonce", async () => {
    // Prepare
    const { time, sm, copies, writer } = world();
    sm.loseCreateAnswer = true;
    const lost = await failure(writer().deliver(KEY));
    sm.loseCreateAnswer = false;
    time.now += 3 * MINUTE;

    // Act
    await writer().deliver(KEY);

    // Assess
    expect(lost).toMatchObject({ failure: "unavailable" });
    expect(sm.secrets.size).toBe(1);
    expect(copies.at(PLACE)).toMatchObject({
      state: "created",
      owner: OWNER,
      arn: sm.secrets.get(NAME)?.meta.arn,
    });
    expect(sm.current(NAME)).toMatchObject({ AccessKeyId: KEY.accessKeyId, SecretAccessKey: SECRET });
  });

  it.each([
    ["without keyrotor's nonce", false, 1],
    ["with the nonce but made long after keyrotor's attempt", true, 60],
  ] as const)(
    "after a lost answer, a secret someone made in its place %s is refused",
    async (_, copied, minutes) => {
      // Prepare: the answer is lost; someone deletes keyrotor's secret and makes their own.
      const { time, sm, copies, writer } = world();
      sm.loseCreateAnswer = true;
      await failure(writer().deliver(KEY));
      sm.loseCreateAnswer = false;
      const nonce = sm.secrets.get(NAME)?.meta.tags[COPY_NONCE_TAG] ?? "";
      sm.forget(NAME);
      time.now += minutes * MINUTE;
      sm.seed(NAME, { tags: { [COPY_TAG]: OWNER, ...(copied ? { [COPY_NONCE_TAG]: nonce } : {}) } });

      // Act
      const error = await failure(writer().deliver(KEY));

      // Assess
      expect(error).toMatchObject({
        failure: "rejected",
        message: expect.stringContaining("keyrotor did not create it"),
      });
      expect(sm.secrets.get(NAME)?.versions.size).toBe(0);
      expect(copies.at(PLACE)).toMatchObject({ state: "creating" });
    },
  );

  it("a secret someone creates between keyrotor's intent and its CreateSecret is refused", async () => {
    // Prepare
    const { sm, writer } = world();
    sm.raceOnCreate = () => sm.seed(NAME, { tags: { [COPY_TAG]: OWNER } });

    // Act
    const error = await failure(writer().deliver(KEY));

    // Assess
    expect(error).toMatchObject({
      failure: "rejected",
      message: expect.stringContaining("keyrotor did not create it"),
    });
    expect(sm.secrets.get(NAME)?.versions.size).toBe(0);
  });

  it("two deliveries racing make one secret, recorded once, and the key reaches it", async () => {
    // Prepare
    const { sm, copies, writer } = world();

    // Act
    const outcomes = await Promise.allSettled([writer().deliver(KEY), writer().deliver(KEY)]);

    // Assess: each either wrote the key or was told to wait for the next run.
    for (const outcome of outcomes) {
      if (outcome.status === "rejected") expect(outcome.reason).toMatchObject({ failure: "unavailable" });
    }
    expect(outcomes.some((o) => o.status === "fulfilled")).toBe(true);
    expect(sm.secrets.size).toBe(1);
    expect(copies.at(PLACE)).toMatchObject({ state: "created", arn: sm.secrets.get(NAME)?.meta.arn });
    expect(sm.current(NAME)).toMatchObject({ AccessKeyId: KEY.accessKeyId });
  });

  it("a delivery whose intent another delivery replaced first creates nothing of its own", async () => {
    // Prepare: between this delivery's read and its intent, another records its own.
    const { sm, copies, writer } = world();
    copies.beforePut = () =>
      copies.plant(PLACE, {
        state: "creating",
        owner: OWNER,
        nonce: "other",
        since: "2026-03-01T06:00:00.000Z",
      });

    // Act
    const error = await failure(writer().deliver(KEY));

    // Assess
    expect(error).toMatchObject({
      failure: "unavailable",
      message: expect.stringContaining("another delivery"),
    });
    expect(sm.calls).not.toContain("CreateSecret");
    expect(copies.at(PLACE)).toMatchObject({ nonce: "other" });
  });

  it("an intent left by a delivery that stopped before CreateSecret is taken over once it is old", async () => {
    // Prepare
    const { time, sm, copies, writer } = world();
    copies.plant(PLACE, {
      state: "creating",
      owner: OWNER,
      nonce: "stopped",
      since: new Date(time.now).toISOString(),
    });
    const early = await failure(writer().deliver(KEY));
    time.now += 60 * MINUTE;

    // Act
    await writer().deliver(KEY);

    // Assess
    expect(early).toMatchObject({ failure: "unavailable" });
    expect(copies.at(PLACE)).toMatchObject({ state: "created", arn: sm.secrets.get(NAME)?.meta.arn });
    expect(sm.current(NAME)).toMatchObject({ AccessKeyId: KEY.accessKeyId });
  });

  it.each(["getCopy", "putCopy"] as const)(
    "a ledger that fails (%s) is an unavailable delivery and nothing is created",
    async (op) => {
      // Prepare
      const { sm, copies, writer } = world();
      copies.failing.add(op);

      // Act
      const error = await failure(writer().deliver(KEY));

      // Assess
      expect(error).toMatchObject({
        failure: "unavailable",
        message: expect.stringContaining("keyrotor's ledger"),
      });
      expect(sm.calls).not.toContain("CreateSecret");
      expectNothingShown(error);
    },
  );
});

describe("the central copy: AWS's failures", () => {
  it.each([
    ["PutResourcePolicy", "AccessDeniedException", "forbidden", "PutResourcePolicy"],
    ["PutResourcePolicy", "MalformedPolicyDocumentException", "rejected", "existing IAM user or role"],
    ["CreateSecret", "ThrottlingException", "rate-limited", "next run"],
    ["PutSecretValue", "InternalServiceError", "unavailable", "outage"],
    ["DescribeSecret", "ExpiredToken", "unauthorized", "member role"],
  ] as const)("a failed %s (%s) becomes a %s DeliveryError with a fix", async (op, code, kind, fix) => {
    // Prepare
    const { sm, writer } = world({ readers: [READER] });
    sm.failures.set(op, awsError(code, "AWS said no"));

    // Act
    const error = await failure(writer().deliver(KEY));

    // Assess
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error).toMatchObject({ failure: kind, fix: expect.stringContaining(fix) });
    expect(error.message).toContain("AWS said no");
    expectNothingShown(error);
  });

  it("a failed value write never carries the value, even if AWS echoed it", async () => {
    // Prepare
    const { sm, writer } = world();
    sm.failures.set(
      "PutSecretValue",
      awsError("InvalidParameterException", `bad SecretString {"SecretAccessKey":"${SECRET}"}`),
    );

    // Act
    const error = await failure(writer().deliver(KEY));

    // Assess
    expect(error.failure).toBe("rejected");
    expectNothingShown(error);
  });
});

describe("the copy's resource policy", () => {
  const ARN = `arn:aws:secretsmanager:us-east-1:${CENTRAL}:secret:${NAME}-AbCdEf`;
  const read = (principal: string, readers: string[], identity = [administratorAccess]) =>
    decision(principal, "secretsmanager:GetSecretValue", ARN, {
      identity,
      resourcePolicy: JSON.parse(buildCopyPolicy(NAME, readers)),
    });

  it("lets the readers read, and denies an administrator of the central account", async () => {
    // Act / Assess
    expect(await read(READER, [READER], [])).toBe("Allowed");
    expect(await read(`arn:aws:iam::${CENTRAL}:role/Admin`, [READER])).toBe("ExplicitlyDenied");
  });

  it("with no readers denies everyone, the central account's administrators included", async () => {
    // Act / Assess
    expect(await read(READER, [], [allowAll("secretsmanager:GetSecretValue")])).toBe("ExplicitlyDenied");
    expect(await read(`arn:aws:iam::${CENTRAL}:role/Admin`, [])).toBe("ExplicitlyDenied");
  });

  it("refuses a reader list longer than AWS takes, as a rejected delivery", () => {
    // Prepare
    const many = Array.from(
      { length: 400 },
      (_, i) => `arn:aws:iam::${CENTRAL}:role/reader-with-a-long-name-${i}`,
    );

    // Act
    const attempt = () => buildCopyPolicy(NAME, many);

    // Assess
    expect(attempt).toThrow(DeliveryError);
    expect(attempt).toThrow("over AWS's 20480");
  });
});
