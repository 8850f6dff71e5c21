import { DeleteAccessKeyCommand } from "@aws-sdk/client-iam";
import {
  type AwsSecurityFinding,
  EnableSecurityHubCommand,
  GetFindingsCommand,
  SecurityHubClient,
} from "@aws-sdk/client-securityhub";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  clientsIn,
  createOrganization,
  createUsers,
  MANAGEMENT_ACCOUNT,
  type Organization,
} from "../../scripts/lib/emulator";
import type { FaultProxy } from "../../scripts/lib/fault-proxy";
import { MOTO_CREDENTIALS, type Moto } from "../../scripts/lib/moto";
import { drain, lambdaContext, scheduledEvent } from "../support/org-fixture";
import { deployService, type Service, startEmulators, stopService } from "../support/service";

const LEDGER = "keyrotor-securityhub-ledger";
const PRODUCT_ARN = `arn:aws:securityhub:us-east-1:${MANAGEMENT_ACCOUNT}:product/${MANAGEMENT_ACCOUNT}/default`;

let moto: Moto;
let proxy: FaultProxy;
let org: Organization;
let service: Service;
let prod: string;
let stuckKeys: string[] = [];
const hub = new SecurityHubClient({ region: "us-east-1", credentials: MOTO_CREDENTIALS });

/** One daily run through the real scheduler and rotator (the notices are left on their queue). */
async function runDay(day: number) {
  moto.setClockOffsetDays(day);
  const at = moto.now();
  vi.setSystemTime(at);
  await service.handlers.scheduler(scheduledEvent(at), lambdaContext("keyrotor-scheduler"));
  const failures: string[] = [];
  for (const record of await drain(service.queues.jobs.url)) {
    const response = await service.handlers.rotator({ Records: [record] }, lambdaContext("keyrotor-rotator"));
    failures.push(...response.batchItemFailures.map((f) => f.itemIdentifier));
  }
  await drain(service.queues.notices.url);
  expect(failures).toEqual([]);
  // The run's instant: every job of the run carries the scheduled event's time.
  return at.toISOString();
}

/** Every finding Security Hub holds in keyrotor's account (moto answers all of them, filters or not). */
async function findings(): Promise<AwsSecurityFinding[]> {
  return (await hub.send(new GetFindingsCommand({}))).Findings ?? [];
}

const stuckId = () => `keyrotor/${prod}/stuck/blocked`;
const stuck = async () => (await findings()).find((f) => f.Id === stuckId());

beforeAll(async () => {
  ({ moto, proxy } = await startEmulators());
  org = await createOrganization([{ name: "Prod" }]);
  prod = org.accounts.Prod?.id ?? "";
  const ids = await createUsers((await clientsIn(prod)).iam, [
    { name: "stuck", keys: ["Active", "Active"] },
    { name: "app", keys: ["Active"] },
  ]);
  stuckKeys = ids.get("stuck") ?? [];
  // Due a day after the others: on day 91 keyrotor looks at this user, and so at the account's findings.
  moto.setClockOffsetDays(1);
  await createUsers((await clientsIn(prod)).iam, [{ name: "late", keys: ["Active"] }]);
  await hub.send(new EnableSecurityHubCommand({}));
  service = await deployService({ moto, proxy }, LEDGER, { KEYROTOR_SECURITY_HUB_FINDINGS: "true" });
});

afterAll(() => stopService({ moto, proxy }));

describe("keyrotor's findings in Security Hub, through the rotator: imported, updated, resolved", () => {
  let importedAt = "";

  it("day 90: the user with two old Active keys is blocked, and its finding is imported", async () => {
    // Act
    importedAt = await runDay(90);

    // Assess: one finding, in keyrotor's own account, about the member account's user
    const all = await findings();
    expect(all.map((f) => f.Id)).toEqual([stuckId()]);
    expect(all[0]).toMatchObject({
      ProductArn: PRODUCT_ARN,
      AwsAccountId: MANAGEMENT_ACCOUNT,
      GeneratorId: "keyrotor/blocked",
      Severity: { Label: "HIGH" },
      RecordState: "ACTIVE",
      Workflow: { Status: "NEW" },
      CreatedAt: importedAt,
      FirstObservedAt: importedAt,
      UpdatedAt: importedAt,
      Compliance: { Status: "FAILED", SecurityControlId: "IAM.3" },
      Resources: [{ Type: "AwsIamUser", Id: `arn:aws:iam::${prod}:user/stuck` }],
      ProductFields: {
        "keyrotor/AccountId": prod,
        "keyrotor/UserName": "stuck",
        "keyrotor/KeyAgeDays": "90",
      },
    });
    expect(all[0]?.Description).toMatch(/already has two keys and neither may be deleted yet/);
  });

  it("day 91: the blocked user is left alone in its quiet period, and its finding stands as it was", async () => {
    // Act: the run looks at another user of the account only
    await runDay(91);

    // Assess
    expect(await stuck()).toMatchObject({ RecordState: "ACTIVE", UpdatedAt: importedAt });
    const synced = service.output.filter((l) => l.includes('"findings synced"')).map((l) => JSON.parse(l));
    expect(synced.at(-1)).toMatchObject({ accountId: prod, imported: 0, updated: 0, resolved: 0, kept: 1 });
  });

  it("day 97: looked at again and still blocked, the finding is updated and keeps its first observation", async () => {
    // Act
    const now = await runDay(97);

    // Assess
    expect(await stuck()).toMatchObject({
      RecordState: "ACTIVE",
      CreatedAt: importedAt,
      FirstObservedAt: importedAt,
      UpdatedAt: now,
      LastObservedAt: now,
      ProductFields: { "keyrotor/KeyAgeDays": "97" },
    });
    expect(await findings()).toHaveLength(1);
  });

  it("day 98: a person deleted one of the keys, keyrotor rotates the other and resolves the finding", async () => {
    // Prepare
    const { iam } = await clientsIn(prod);
    await iam.send(new DeleteAccessKeyCommand({ UserName: "stuck", AccessKeyId: stuckKeys[0] }));

    // Act
    const now = await runDay(98);

    // Assess
    expect(await stuck()).toMatchObject({
      RecordState: "ARCHIVED",
      Workflow: { Status: "RESOLVED" },
      Compliance: { Status: "PASSED" },
      UpdatedAt: now,
      FirstObservedAt: importedAt,
    });
    expect(service.output.join("\n")).not.toMatch(/findings not synced|Security Hub refused/);
    const logged = service.output.join("\n");
    for (const secret of proxy.handedOut) expect(logged).not.toContain(secret);
  });
});
