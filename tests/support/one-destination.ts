import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { expect, vi } from "vitest";
import { clientsIn, createOrganization, createUsers } from "../../scripts/lib/emulator";
import { keyStatuses, readSecretJson } from "./account-fixture";
import { drain, lambdaContext, scheduledEvent } from "./org-fixture";
import { deployService, type Service, startEmulators, stopService } from "./service";

/**
 * One organization, one account (Prod) with one user (`ci`, one Active key) bound to one HTTP
 * destination (or a few of one kind) whose token is in `keyrotor-tokens/<name>`: the lean setup of a
 * destination's e2e test through the real handlers against moto.
 */
export interface OneDestination {
  readonly service: Service;
  readonly accountId: string;
  /** The user's key id before any rotation. */
  readonly originalKey: string;
  /** One daily run (scheduler, rotator, notifier) on `day`; every rotator job must succeed. */
  runDay(day: number): Promise<void>;
  /** The user's keys as `id:Status`. */
  keys(): Promise<string[]>;
  /** The key in the user's own secret (`keyrotor/ci`), as the rotation stored it. */
  storedKey(): Promise<{ AccessKeyId: string; SecretAccessKey: string }>;
  stop(): Promise<void>;
}

export async function startOneDestination(options: {
  ledger: string;
  token: { readonly name: string; readonly value: string };
  /** The user's destination, or its destinations (one binding). */
  destination: (accountId: string) => Record<string, unknown> | readonly Record<string, unknown>[];
}): Promise<OneDestination> {
  const emulators = await startEmulators();
  const org = await createOrganization([{ name: "Prod" }]);
  const accountId = org.accounts.Prod?.id ?? "";
  const created = await createUsers((await clientsIn(accountId)).iam, [{ name: "ci", keys: ["Active"] }]);
  await new SecretsManagerClient({}).send(
    new CreateSecretCommand({ Name: options.token.name, SecretString: options.token.value }),
  );
  const kms = await new KMSClient({}).send(new CreateKeyCommand({ Description: "keyrotor delivery" }));
  const destinations = [options.destination(accountId)].flat();
  const deliveries = [{ account: accountId, user: "ci", destinations }];
  const service = await deployService(emulators, options.ledger, {
    KEYROTOR_DELIVERIES: JSON.stringify(deliveries),
    KEYROTOR_DELIVERY_KMS_KEY_ID: kms.KeyMetadata?.KeyId ?? "",
  });
  const { moto } = emulators;
  return {
    service,
    accountId,
    originalKey: created.get("ci")?.[0] ?? "",
    async runDay(day) {
      moto.setClockOffsetDays(day);
      vi.setSystemTime(moto.now());
      await service.handlers.scheduler(scheduledEvent(moto.now()), lambdaContext("keyrotor-scheduler"));
      for (const record of await drain(service.queues.jobs.url)) {
        const response = await service.handlers.rotator(
          { Records: [record] },
          lambdaContext("keyrotor-rotator"),
        );
        expect(response.batchItemFailures).toEqual([]);
      }
      const notices = await drain(service.queues.notices.url);
      await service.handlers.notifier({ Records: notices }, lambdaContext("keyrotor-notifier"));
    },
    keys: async () => keyStatuses((await clientsIn(accountId)).iam, "ci"),
    storedKey: async () => readSecretJson((await clientsIn(accountId)).secrets, "keyrotor/ci"),
    stop: () => stopService(emulators),
  };
}
