import { describe, expect, it } from "vitest";
import type { UserRecord } from "../../../shared/ledger/records";
import { requestTokenFor, type SecretMeta } from "../../../shared/rotation";
import { secretView, standingOf } from "../../../shared/rotation/secret-standing";
import { key, NOW } from "../../support/keys";

const meta = (extra: Partial<SecretMeta> = {}): SecretMeta => ({
  name: "keyrotor/alice",
  arn: "arn:s:1",
  tags: {},
  currentVersionId: null,
  kmsKeyId: null,
  deletionDate: null,
  replicaRegions: [],
  createdAt: new Date("2026-01-01T00:00:00Z"),
  ...extra,
});
const secret = {
  arn: "arn:s:1",
  name: "keyrotor/alice",
  kmsKeyId: null,
  policyDigest: "",
  createdAt: "2026-01-01T00:00:00.000Z",
  adopted: false,
};
const record = (extra: Partial<UserRecord> = {}): UserRecord => ({ userName: "alice", secret, ...extra });

describe("standingOf: the ledger, not the member account, says whose secret it is", () => {
  it.each([
    ["no secret, nothing recorded", undefined, undefined, "none"],
    ["the secret keyrotor recorded", meta(), record(), "ours"],
    ["a secret the ledger never heard of", meta(), undefined, "foreign"],
    [
      "a secret re-created by someone at the same name (other ARN)",
      meta({ arn: "arn:s:2" }),
      record(),
      "foreign",
    ],
    ["keyrotor's secret, deleted", undefined, record(), "gone"],
    ["keyrotor's secret, scheduled for deletion", meta({ deletionDate: NOW }), record(), "deleting"],
  ])("%s", (_, found, ledger, kind) => {
    expect(standingOf(found, ledger).kind).toBe(kind);
  });

  it("a secret created after keyrotor announced a creation is its own, the record lost with a failed write", () => {
    const pending = { userName: "alice", pending: { since: "2025-12-31T00:00:00.000Z", runId: "r" } };
    expect(standingOf(meta(), pending)).toMatchObject({ kind: "ours", record: { arn: "arn:s:1" } });
    const before = { userName: "alice", pending: { since: "2026-01-02T00:00:00.000Z", runId: "r" } };
    expect(standingOf(meta(), before).kind).toBe("foreign");
  });

  it("an announced creation never vouches for a secret keyrotor would not have made", () => {
    // Prepare: keyrotor creates its secrets under the AWS managed key, with no rotation configured; one
    // made again at the name while the record is unwritten may be neither.
    const pending = { userName: "alice", pending: { since: "2025-12-31T00:00:00.000Z", runId: "r" } };
    const customerKey = meta({ kmsKeyId: "arn:aws:kms:us-east-1:999999999999:key/theirs" });
    const rotating = meta({
      rotation: { enabled: true, lambdaArn: "arn:aws:lambda:us-east-1:9:function:x" },
    });
    const namedLambda = meta({
      rotation: { enabled: false, lambdaArn: "arn:aws:lambda:us-east-1:9:function:x" },
    });
    // Act / Assess
    expect(standingOf(customerKey, pending).kind).toBe("foreign");
    expect(standingOf(rotating, pending).kind).toBe("foreign");
    expect(standingOf(namedLambda, pending).kind).toBe("foreign");
    expect(standingOf(meta({ rotation: null }), pending).kind).toBe("ours");
  });
});

describe("secretView: the replacement counts only while the secret holds it", () => {
  const newKey = key("NEW", 5);
  const recorded = { keyId: "NEW", versionId: requestTokenFor("NEW"), at: NOW.toISOString() };

  it("names the recorded key while the current version is the recorded one", () => {
    const current = meta({ currentVersionId: recorded.versionId });
    const view = secretView(standingOf(current, record({ recorded })), record({ recorded }), [newKey]);
    expect(view).toEqual({ mark: { recordedKeyId: "NEW", pendingSince: null } });
  });

  it("names none, and reports the version, when someone else wrote the current value", () => {
    const current = meta({ currentVersionId: "someone-elses" });
    const view = secretView(standingOf(current, record({ recorded })), record({ recorded }), [newKey]);
    expect(view).toEqual({
      mark: { recordedKeyId: null, pendingSince: null },
      foreignVersion: "someone-elses",
    });
  });

  it("names none when the secret is gone, deleting or foreign", () => {
    for (const standing of [
      standingOf(undefined, record({ recorded })),
      standingOf(meta({ deletionDate: NOW, currentVersionId: recorded.versionId }), record({ recorded })),
      standingOf(meta({ currentVersionId: recorded.versionId }), { userName: "alice", recorded }),
    ]) {
      expect(secretView(standing, record({ recorded }), [newKey]).mark?.recordedKeyId).toBeNull();
    }
  });

  it("learns a key whose value was written when the answer was lost: its version is the key's", () => {
    const pending = { since: new Date(NOW.getTime() - 10 * 86_400_000).toISOString(), runId: "r" };
    const current = meta({ currentVersionId: requestTokenFor("NEW") });
    const ledger = record({ pending });
    const view = secretView(standingOf(current, ledger), ledger, [newKey]);
    expect(view.mark?.recordedKeyId).toBe("NEW");
    expect(view.healedKey?.id).toBe("NEW");
  });

  it("is null for a user keyrotor never managed", () => {
    expect(secretView({ kind: "none" }, undefined, [newKey])).toEqual({ mark: null });
  });
});
