import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import {
  DeleteParameterCommand,
  GetParameterCommand,
  PutParameterCommand,
  SSMClient,
} from "@aws-sdk/client-ssm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  clientsIn,
  createOrganization,
  createUsers,
  type Organization,
  sentEmails,
} from "../../scripts/lib/emulator";
import type { FaultProxy } from "../../scripts/lib/fault-proxy";
import type { Moto } from "../../scripts/lib/moto";
import { keyStatuses, readSecretJson } from "../support/account-fixture";
import { drain, lambdaContext, scheduledEvent } from "../support/org-fixture";
import { deployService, type Service, startEmulators, stopService } from "../support/service";

/**
 * An insider of the account an SSM destination writes to makes the key's parameter first, under a KMS
 * key of their own, hoping keyrotor writes every future key into it. Through the real handlers against
 * moto: keyrotor refuses it, the central copy still gets the key, the owner is told which parameter and
 * why, the old key stays Active; once the parameter is deleted the next run writes keyrotor's own.
 */

const LEDGER = "keyrotor-ssm-squat-ledger";
const SECRET_PARAM = "/keyrotor/ci/ci/AWS_SECRET_ACCESS_KEY";
const ID_PARAM = "/keyrotor/ci/ci/AWS_ACCESS_KEY_ID";

let moto: Moto;
let proxy: FaultProxy;
let org: Organization;
let service: Service;
let originalKey = "";
let insiderKey = "";

const prod = () => org.accounts.Prod?.id ?? "";
const security = () => org.accounts.Security?.id ?? "";

async function runDay(day: number) {
  moto.setClockOffsetDays(day);
  vi.setSystemTime(moto.now());
  await service.handlers.scheduler(scheduledEvent(moto.now()), lambdaContext("keyrotor-scheduler"));
  for (const record of await drain(service.queues.jobs.url)) {
    const response = await service.handlers.rotator({ Records: [record] }, lambdaContext("keyrotor-rotator"));
    expect(response.batchItemFailures).toEqual([]);
  }
  const notices = await drain(service.queues.notices.url);
  const before = (await sentEmails(moto.endpoint)).length;
  await service.handlers.notifier({ Records: notices }, lambdaContext("keyrotor-notifier"));
  return (await sentEmails(moto.endpoint)).slice(before);
}

async function prodSsm() {
  return new SSMClient({ credentials: (await clientsIn(prod())).credentials });
}

async function parameter(name: string) {
  const out = await (await prodSsm())
    .send(new GetParameterCommand({ Name: name, WithDecryption: true }))
    .catch(() => undefined);
  return out?.Parameter?.Value;
}

async function keysOf(accountId: string, userName: string) {
  return keyStatuses((await clientsIn(accountId)).iam, userName);
}

beforeAll(async () => {
  const emulators = await startEmulators();
  ({ moto, proxy } = emulators);
  org = await createOrganization([{ name: "Prod" }, { name: "Security" }]);
  const created = await createUsers((await clientsIn(prod())).iam, [{ name: "ci", keys: ["Active"] }]);
  originalKey = created.get("ci")?.[0] ?? "";
  const delivery = await new KMSClient({}).send(new CreateKeyCommand({ Description: "keyrotor delivery" }));
  const deliveries = [
    {
      account: prod(),
      user: "ci",
      destinations: [
        { type: "ssm", path: "/keyrotor/ci/{userName}" },
        { type: "secrets-manager", account: security(), name: "keyrotor/central/{accountId}/{userName}" },
      ],
    },
  ];
  service = await deployService(emulators, LEDGER, {
    KEYROTOR_DELIVERIES: JSON.stringify(deliveries),
    KEYROTOR_DELIVERY_KMS_KEY_ID: delivery.KeyMetadata?.KeyId ?? "",
  });
  // The insider, in Prod: a key of their own, and the key's parameter made first under it.
  const credentials = (await clientsIn(prod())).credentials;
  const theirs = await new KMSClient({ credentials }).send(new CreateKeyCommand({ Description: "mine" }));
  insiderKey = theirs.KeyMetadata?.Arn ?? "";
  await (await prodSsm()).send(
    new PutParameterCommand({ Name: SECRET_PARAM, Value: "theirs", Type: "SecureString", KeyId: insiderKey }),
  );
}, 120_000);

afterAll(async () => {
  await stopService({ moto, proxy });
});

describe("an SSM parameter an insider made first", () => {
  let newKeyId = "";

  it("day 90: the central copy gets the new key; the squatted parameter keeps its value, the owner hears which and why", async () => {
    // Act
    const emails = await runDay(90);

    // Assess
    const central = await readSecretJson(
      (await clientsIn(security())).secrets,
      `keyrotor/central/${prod()}/ci`,
    );
    newKeyId = central.AccessKeyId;
    expect(newKeyId).not.toBe(originalKey);
    expect(await parameter(SECRET_PARAM)).toBe("theirs");
    expect(await parameter(ID_PARAM)).toBeUndefined();
    const mail = emails.find((e) => e.destinations.ToAddresses?.includes(org.accounts.Prod?.email ?? ""));
    expect(mail?.body).toContain(SECRET_PARAM);
    expect(mail?.body).toContain(`is encrypted with KMS key ${insiderKey}, not the account`);
    expect(mail?.body).toContain(`Delete ${SECRET_PARAM} in account ${prod()}`);
    expect(mail?.body).not.toContain(central.SecretAccessKey);
  });

  it("day 100: the refused destination holds the old key Active", async () => {
    // Act
    await runDay(100);

    // Assess
    expect(await keysOf(prod(), "ci")).toEqual(
      expect.arrayContaining([`${originalKey}:Active`, `${newKeyId}:Active`]),
    );
    expect(await parameter(SECRET_PARAM)).toBe("theirs");
  });

  it("day 101: the parameter deleted, keyrotor writes its own and retires the old key", async () => {
    // Prepare
    await (await prodSsm()).send(new DeleteParameterCommand({ Name: SECRET_PARAM }));

    // Act
    await runDay(101);

    // Assess
    const own = await readSecretJson((await clientsIn(prod())).secrets, "keyrotor/ci");
    expect(await parameter(SECRET_PARAM)).toBe(own.SecretAccessKey);
    expect(await parameter(ID_PARAM)).toBe(newKeyId);
    expect(await keysOf(prod(), "ci")).toEqual(
      expect.arrayContaining([`${originalKey}:Inactive`, `${newKeyId}:Active`]),
    );
  });
});
