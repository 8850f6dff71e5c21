import { afterEach, describe, expect, it, vi } from "vitest";
import * as z from "zod/mini";
import { destinationWriters } from "../../../shared/aws/destination-writers";
import { KmsAdapter } from "../../../shared/aws/kms";
import { SecretsAdapter } from "../../../shared/aws/secrets";
import { SsmAdapter } from "../../../shared/aws/ssm";
import type { StsAdapter } from "../../../shared/aws/sts";
import type { CopyLedger } from "../../../shared/destinations/copy-ledger";
import { secretsManagerKind } from "../../../shared/destinations/kinds/secrets-manager";
import { ssmKind } from "../../../shared/destinations/kinds/ssm";
import type { Destination } from "../../../shared/destinations/schema";
import { Redacted } from "../../../shared/redacted";

const MEMBER = "222222222222";

/** The writer source with a member role that always answers, and a count of each AWS client built. */
function source() {
  const built = {
    ssm: vi.spyOn(SsmAdapter, "create"),
    kms: vi.spyOn(KmsAdapter, "create"),
    secrets: vi.spyOn(SecretsAdapter, "create"),
  };
  const sts = {
    assumeRole: async () => ({ accessKeyId: "ASIAMEMBER", secretAccessKey: "s", sessionToken: "t" }),
  } as unknown as StsAdapter;
  const writers = destinationWriters({
    tokens: { readSecretValue: async () => new Redacted("token") },
    sts,
    copies: {} as CopyLedger,
    role: { partition: "aws", roleName: "keyrotor-member" },
    aws: { region: "eu-west-1" },
  });
  const writerFor = (destination: Destination) =>
    writers.writerFor({ id: "d", label: "d", destination }, MEMBER);
  const counts = () => ({
    ssm: built.ssm.mock.calls.length,
    kms: built.kms.mock.calls.length,
    secrets: built.secrets.mock.calls.length,
  });
  return { writerFor, counts };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("destinationWriters' member ports", () => {
  it("a central copy's writer builds one Secrets Manager client (its region read from it) and no SSM or KMS client", async () => {
    // Prepare
    const { writerFor, counts } = source();
    const copy = z.parse(secretsManagerKind.schema, {
      type: "secrets-manager",
      name: "keyrotor/central/{accountId}/ci",
      account: "333333333333",
    });

    // Act
    await writerFor(copy);

    // Assess
    expect(counts()).toEqual({ ssm: 0, kms: 0, secrets: 1 });
  });

  it("an SSM destination's writer builds an SSM and a KMS client and no Secrets Manager client", async () => {
    // Prepare
    const { writerFor, counts } = source();
    const parameters = z.parse(ssmKind.schema, { type: "ssm", path: "/keyrotor/ci" });

    // Act
    await writerFor(parameters);

    // Assess
    expect(counts()).toEqual({ ssm: 1, kms: 1, secrets: 0 });
  });
});
