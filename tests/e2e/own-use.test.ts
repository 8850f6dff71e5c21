import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetAccessKeyLastUsedCommand, ListAccessKeysCommand } from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runCaptured } from "../../cli/io";
import type { PlanRow } from "../../cli/plan";
import type { SweepResult } from "../../cli/sweep";
import { clientsIn, createOrganization, createUsers, verifySender } from "../../scripts/lib/emulator";
import { type Moto, startMoto } from "../../scripts/lib/moto";
import type { Advice } from "../../shared/advice/types";
import { LedgerAdapter } from "../../shared/aws/ledger";
import { addDays } from "../../shared/lifecycle";
import type { OrgReport } from "../../shared/report/types";
import { stubMotoEnv } from "../support/moto-env";

/**
 * keyrotor's own check of a new key against moto, which records it as IAM does: GetCallerIdentity
 * signed with the key becomes the key's last use (service `sts`, the signing region, moto's clock).
 * day 0   Prod: app (one key)
 * day 91  keyrotor run (enforce): app's key rotated and the new one verified; nobody uses it
 * day 140 report, plan and advise: the new key was never used by its consumers
 * moto's GetAccessKeyLastUsed names the service and region (`sts`, the signing region) of that call, as
 * AWS does; its credential report does not (`not_supported`), so there the call still counts as use.
 */

let moto: Moto;
let prod: string;
let configPath: string;
let newKey: string;
let newKeyCreatedAt: Date;
let day140: string;

const cli = (...args: string[]) => runCaptured(args, { ...process.env }, () => moto.now());
const at = (day: number) => {
  moto.setClockOffsetDays(day);
  return moto.now().toISOString();
};

beforeAll(async () => {
  moto = await startMoto();
  stubMotoEnv(moto.endpoint);
  const org = await createOrganization([{ name: "Prod" }]);
  prod = org.accounts.Prod?.id ?? "";
  await verifySender("keyrotor@example.com");
  expect((await cli("ledger", "init")).code).toBe(0);
  const dir = mkdtempSync(join(tmpdir(), "keyrotor-own-use-"));
  configPath = join(dir, "config.json");
  writeFileSync(configPath, JSON.stringify({ senderEmail: "keyrotor@example.com" }));
  at(0);
  await createUsers((await clientsIn(prod)).iam, [{ name: "app", keys: ["Active"] }]);
  const day91 = at(91);
  const run = await cli("run", "--config", configPath, "--as-of", day91, "--mode", "enforce", "--json");
  expect(run.code).toBe(0);
  const app = (JSON.parse(run.stdout) as SweepResult).accounts
    .flatMap((a) => a.report?.users ?? [])
    .find((u) => u.userName === "app");
  newKey = app?.actions.find((a) => a.kind === "create")?.keyId ?? "";
  expect(newKey).toMatch(/^AKIA/);
  const listed = await (await clientsIn(prod)).iam.send(new ListAccessKeysCommand({ UserName: "app" }));
  newKeyCreatedAt =
    listed.AccessKeyMetadata?.find((k) => k.AccessKeyId === newKey)?.CreateDate ?? new Date(0);
  day140 = at(140);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await moto?.stop();
});

describe("keyrotor's own check of a new key", () => {
  it("is recorded by IAM as the key's use, and by keyrotor's ledger as its verification", async () => {
    // Act
    const { iam } = await clientsIn(prod);
    const used = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: newKey }));
    const record = (await LedgerAdapter.create("keyrotor-prod-ledger").loadAccount(prod)).users.get("app");

    // Assess: moto dates the call with its clock, on day 91, and names STS in the signing region.
    expect(used.AccessKeyLastUsed).toMatchObject({ ServiceName: "sts", Region: "us-east-1" });
    const verified = record?.recorded?.verified;
    expect(record?.recorded?.keyId).toBe(newKey);
    expect(verified?.region).toBe("us-east-1");
    const lastUsed = used.AccessKeyLastUsed?.LastUsedDate?.getTime() ?? 0;
    const verifiedAt = new Date(verified?.at ?? 0).getTime();
    expect(Math.abs(lastUsed - verifiedAt)).toBeLessThan(5_000);
  });

  it("report: moto's credential report names no service, so the report counts the call as use (the safe side)", async () => {
    // Act
    const out = await cli("report", "--config", configPath, "--as-of", day140, "--format", "json");

    // Assess: moto writes `not_supported` where AWS's credential report names the last use's service
    // and region, and a use keyrotor cannot place is a use. (With AWS's report, the unit tests of the
    // report's facts show the key counted as never used.) The old key was never used at all.
    expect(out.code).toBe(0);
    const account = (JSON.parse(out.stdout) as OrgReport).accounts.find((a) => a.accountId === prod);
    expect(account?.byUse).toEqual({ never: 1, "<45": 0, "45-90": 1, ">=90": 0 });
  });

  it("advise: remove the new key, never used in its 49 days", async () => {
    // Act
    const out = await cli(
      "advise",
      "--account",
      prod,
      "--user",
      "app",
      "--config",
      configPath,
      "--format",
      "json",
    );

    // Assess
    expect({ code: out.code, stderr: out.stderr }).toEqual({ code: 0, stderr: "" });
    const advice = JSON.parse(out.stdout) as Advice;
    const remove = advice.items.find((i) => i.kind === "remove");
    expect(remove?.keys).toContain(newKey);
    expect(remove?.why).toContain(`${newKey} was never used in its 49 days`);
    expect(remove?.lastUses).toContainEqual({ key: newKey, at: null });
  });

  it("plan: the unused-key rule dates the new key from its creation, to the second, and shows it never used", async () => {
    // Prepare
    const unused = join(mkdtempSync(join(tmpdir(), "keyrotor-own-use-")), "config.json");
    writeFileSync(
      unused,
      JSON.stringify({ senderEmail: "keyrotor@example.com", deactivateUnusedAfterDays: 45 }),
    );
    const asOf = addDays(newKeyCreatedAt, 45).toISOString();

    // Act
    const out = await cli("plan", "--config", unused, "--as-of", asOf, "--format", "json");

    // Assess
    expect(out.code).toBe(0);
    const row = (JSON.parse(out.stdout) as PlanRow[]).find((r) => r.keyId === newKey);
    expect(row).toMatchObject({
      decision: expect.stringMatching(/^deactivate/),
      due: asOf,
      lastUsed: "never",
    });
    expect(row?.advice?.kind).toBe("remove");
  });

  it("advise without keyrotor's ledger says its own check counts as use", async () => {
    // Act: a table that does not exist; nothing tells keyrotor's call from a consumer's.
    const missing = await runCaptured(
      ["advise", "--account", prod, "--user", "app", "--config", configPath, "--format", "json"],
      { ...process.env, KEYROTOR_LEDGER_TABLE: "no-such-ledger" },
      () => moto.now(),
    );

    // Assess
    expect(missing.code).toBe(0);
    expect(missing.stderr).toMatch(
      /^note: keyrotor's ledger could not be read \(the ledger table no-such-ledger/,
    );
  });
});
