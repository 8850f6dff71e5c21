import { CreateAccessKeyCommand, CreateUserCommand, type IAMClient } from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { clientsIn, createOrganization, type Organization, sentEmails } from "../../scripts/lib/emulator";
import { LedgerAdapter } from "../../shared/aws/ledger";
import { memberAccountOpener } from "../../shared/aws/member-account";
import { OrganizationsAdapter } from "../../shared/aws/organizations";
import { StsAdapter } from "../../shared/aws/sts";
import { configFromEnv } from "../../shared/config";
import { buildOrgReport } from "../../shared/report/build-report";
import type { OrgReport } from "../../shared/report/types";
import { readSecretJson, snapshot } from "../support/account-fixture";
import { memoryLog } from "../support/log";
import { drain, lambdaContext, scheduledEvent } from "../support/org-fixture";
import { deployService, type Service, startEmulators, stopService } from "../support/service";

// Users whose names and paths hold what a CSV reader takes for quoting, through the real rotator and
// the org report against moto. moto writes the credential report as IAM does, every cell bare.
// Odd:  etl,nightly under /a"b,c/, ci@x under /"q",/, app under / — the report reads them all.
// Bent: svc under /team, a path AWS refuses (it must end with /) and moto accepts: its ARN does not end
//       with /svc, so the report cannot be read for certain; fresh, with a key too new to be due.

const LEDGER = "keyrotor-credreport-ledger";

let service: Service;
let org: Organization;
/** The key each user had before the run. */
const original = new Map<string, string>();
let report: OrgReport;
let jobsDone: Record<string, unknown>[] = [];
let emails: Awaited<ReturnType<typeof sentEmails>> = [];

async function userWithKey(iam: IAMClient, account: string, UserName: string, Path: string) {
  await iam.send(new CreateUserCommand({ UserName, Path }));
  const out = await iam.send(new CreateAccessKeyCommand({ UserName }));
  original.set(`${account}/${UserName}`, out.AccessKey?.AccessKeyId ?? "");
}

const idOf = (name: string) => org.accounts[name]?.id ?? "";
const accountOf = (name: string) => report.accounts.find((a) => a.accountId === idOf(name));

beforeAll(async () => {
  const emulators = await startEmulators();
  org = await createOrganization([{ name: "Odd" }, { name: "Bent" }]);
  const odd = (await clientsIn(idOf("Odd"))).iam;
  const bent = (await clientsIn(idOf("Bent"))).iam;
  await userWithKey(odd, "Odd", "etl,nightly", '/a"b,c/');
  await userWithKey(odd, "Odd", "ci@x", '/"q",/');
  await userWithKey(odd, "Odd", "app", "/");
  await userWithKey(bent, "Bent", "svc", "/team");
  service = await deployService(emulators, LEDGER);

  // Day 85: fresh's key; day 91: one daily run through the real handlers, then the org report.
  emulators.moto.setClockOffsetDays(85);
  await userWithKey(bent, "Bent", "fresh", "/");
  emulators.moto.setClockOffsetDays(91);
  const now = emulators.moto.now();
  vi.setSystemTime(now);
  await service.handlers.scheduler(scheduledEvent(now), lambdaContext("keyrotor-scheduler"));
  for (const record of await drain(service.queues.jobs.url)) {
    const response = await service.handlers.rotator({ Records: [record] }, lambdaContext("keyrotor-rotator"));
    expect(response.batchItemFailures).toEqual([]);
  }
  const notices = await drain(service.queues.notices.url);
  expect(
    (await service.handlers.notifier({ Records: notices }, lambdaContext("keyrotor-notifier")))
      .batchItemFailures,
  ).toEqual([]);
  emails = await sentEmails(emulators.moto.endpoint);
  jobsDone = service.output
    .filter((line) => line.includes('"job done"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

  const config = configFromEnv(process.env);
  const ports = {
    organization: OrganizationsAdapter.create(),
    openAccount: memberAccountOpener(StsAdapter.create(), {
      partition: "aws",
      roleName: config.memberRoleName,
    }),
    ledger: LedgerAdapter.create(LEDGER),
    log: memoryLog(),
  };
  report = await buildOrgReport(ports, config, now);
}, 180_000);

afterAll(() => stopService(service));

describe("users whose names and paths hold quotes and commas", () => {
  it("are read from the credential report and rotated: a new key stored in each one's secret, the old one kept Active", async () => {
    // Act
    const clients = await clientsIn(idOf("Odd"));
    const state = await snapshot(clients);
    // Assess
    for (const [user, secret] of [
      ["etl,nightly", "keyrotor/etl=2Cnightly"],
      ["ci@x", "keyrotor/ci@x"],
      ["app", "keyrotor/app"],
    ] as const) {
      const stored = await readSecretJson(clients.secrets, secret);
      expect(stored.UserName).toBe(user);
      expect(stored.AccessKeyId).not.toBe(original.get(`Odd/${user}`));
      expect(state.users[user]?.sort()).toEqual(
        [`${original.get(`Odd/${user}`)}:Active`, `${stored.AccessKeyId}:Active`].sort(),
      );
    }
    const odd = jobsDone.find((j) => j.accountId === idOf("Odd"));
    expect(odd).toMatchObject({ users: 3, created: 3, failedUsers: 0 });
    expect(odd).not.toHaveProperty("unreadableReportRows");
  });

  it("are in the org report with their keys, read from the credential report", () => {
    // Assess: three users, each with its old key (91 days) and its new one
    expect(accountOf("Odd")).toMatchObject({ users: 3, usersWithKeys: 3, keys: 6, activeKeys: 6 });
    expect(accountOf("Odd")?.byAge).toMatchObject({ "<80": 3, "90-100": 3 });
    expect(accountOf("Odd")?.reportFallback).toBeUndefined();
  });
});

describe("a credential report row that cannot be read for certain", () => {
  it("makes the run look at every user through IAM: the user behind the row is rotated, and none is skipped", async () => {
    // Act
    const clients = await clientsIn(idOf("Bent"));
    const state = await snapshot(clients);
    // Assess
    const stored = await readSecretJson(clients.secrets, "keyrotor/svc");
    expect(state.users.svc?.sort()).toEqual(
      [`${original.get("Bent/svc")}:Active`, `${stored.AccessKeyId}:Active`].sort(),
    );
    expect(state.users.fresh).toEqual([`${original.get("Bent/fresh")}:Active`]);
    expect(jobsDone.find((j) => j.accountId === idOf("Bent"))).toMatchObject({
      users: 2,
      unexaminedUsers: 0,
      created: 1,
      unreadableReportRows: 1,
    });
  });

  it("is told to the account's owner: which row, and that every user was looked at through IAM", () => {
    // Act
    const mail = emails.find((e) => e.destinations.ToAddresses?.includes(org.accounts.Bent?.email ?? ""));
    // Assess
    expect(mail?.subject).toMatch(/1 key rotated, 1 needs your action$/);
    expect(mail?.body).toContain(
      "keyrotor could not read this account&#39;s credential report for certain: 1 row (line 2: user svc: the ARN does not end with /svc)",
    );
    expect(mail?.body).toContain("It looked at every user through IAM instead, so no user was skipped.");
  });

  it("makes the org report list the account through IAM, every user and key counted, and say why", () => {
    // Assess: svc's two keys and fresh's one
    expect(accountOf("Bent")).toMatchObject({
      users: 2,
      usersWithKeys: 2,
      keys: 3,
      activeKeys: 3,
      reportFallback: "1 row (line 2: user svc: the ARN does not end with /svc)",
    });
    expect(accountOf("Bent")?.error).toBeUndefined();
    expect(report.totals.unreadableAccounts).toBe(0);
  });
});
