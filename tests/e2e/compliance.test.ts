import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  GetAccountPasswordPolicyCommand,
  UpdateAccountPasswordPolicyCommand,
} from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runCaptured } from "../../cli/io";
import type { PlanRow } from "../../cli/plan";
import type { SweepResult } from "../../cli/sweep";
import {
  clientsIn,
  createOrganization,
  type Organization,
  sentEmails,
  verifySender,
} from "../../scripts/lib/emulator";
import { type Moto, startMoto } from "../../scripts/lib/moto";
import { snapshot } from "../support/account-fixture";
import { stubMotoEnv } from "../support/moto-env";

let moto: Moto;
let org: Organization;
let configPath: string;
const keys = new Map<string, { id: string; secret: string }>();

/** The CLI's clock is moto's: a run on a simulated day is a run at the present time. */
const cli = (...args: string[]) => runCaptured(args, { ...process.env }, () => moto.now());
const prod = () => clientsIn(org.accounts.Prod?.id ?? "");
const at = (day: number) => {
  moto.setClockOffsetDays(day);
  return moto.now().toISOString();
};

/** Makes one signed call with a user's own key, which moto records as the key's last use. */
async function useKey(user: string) {
  const key = keys.get(user);
  const sts = new STSClient({
    region: "us-east-1",
    credentials: { accessKeyId: key?.id ?? "", secretAccessKey: key?.secret ?? "" },
  });
  await sts.send(new GetCallerIdentityCommand({}));
}

beforeAll(async () => {
  moto = await startMoto();
  stubMotoEnv(moto.endpoint);
  org = await createOrganization([{ name: "Prod" }]);
  await verifySender("keyrotor@example.com");
  expect((await cli("ledger", "init")).code).toBe(0);
  const { iam } = await prod();
  for (const user of ["idle", "busy"]) {
    await iam.send(new CreateUserCommand({ UserName: user }));
    const out = await iam.send(new CreateAccessKeyCommand({ UserName: user }));
    keys.set(user, { id: out.AccessKey?.AccessKeyId ?? "", secret: out.AccessKey?.SecretAccessKey ?? "" });
  }
  // Prod has a policy stricter than CIS in length and expiry, weaker elsewhere; management has none.
  await iam.send(
    new UpdateAccountPasswordPolicyCommand({
      MinimumPasswordLength: 20,
      MaxPasswordAge: 60,
      RequireNumbers: true,
    }),
  );
  const dir = mkdtempSync(join(tmpdir(), "keyrotor-compliance-"));
  configPath = join(dir, "config.json");
  writeFileSync(
    configPath,
    JSON.stringify({
      senderEmail: "keyrotor@example.com",
      passwordPolicy: "cis",
      deactivateUnusedAfterDays: 45,
    }),
  );
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await moto?.stop();
});

describe("the CIS access controls against moto", () => {
  it("plan shows the password policy changes and the unused-key warnings, and changes nothing", async () => {
    at(30);
    await useKey("busy");
    const { code, stdout } = await cli("plan", "--config", configPath, "--as-of", at(38), "--format", "json");
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as PlanRow[];
    const prodPolicy = rows.find((r) => r.accountId === org.accounts.Prod?.id && r.userName === "(account)");
    expect(prodPolicy?.decision).toMatch(
      /^password policy: requireSymbols: false -> true; .*passwordReusePrevention: unset -> 24/,
    );
    const mgmtPolicy = rows.find(
      (r) => r.accountId === org.accounts.management?.id && r.userName === "(account)",
    );
    expect(mgmtPolicy?.decision).toMatch(/minimumPasswordLength: no policy -> 14/);
    expect(rows.find((r) => r.userName === "idle")).toMatchObject({
      lastUsed: "never",
      decision: "keep (deactivate later)",
    });
    expect(rows.find((r) => r.userName === "busy")?.lastUsed).toMatch(/^\d{4}-/);
    await expect((await prod()).iam.send(new GetAccountPasswordPolicyCommand({}))).resolves.toMatchObject({
      PasswordPolicy: { RequireSymbols: false },
    });
  });

  it("day 38 (enforce): the password policies are strengthened without weakening; the idle key's owner is warned", async () => {
    const before = (await sentEmails(moto.endpoint)).length;
    const { code, stdout } = await cli(
      "run",
      "--config",
      configPath,
      "--as-of",
      at(38),
      "--mode",
      "enforce",
      "--json",
    );
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as SweepResult;
    const prodReport = result.accounts.find((a) => a.job.account.id === org.accounts.Prod?.id)?.report;
    expect(prodReport?.passwordPolicy?.outcome).toBe("done");
    expect(prodReport?.users.find((u) => u.userName === "idle")?.warnings).toMatchObject([
      { action: "deactivate" },
    ]);
    const policy = (await (await prod()).iam.send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy;
    expect(policy).toMatchObject({
      MinimumPasswordLength: 20,
      MaxPasswordAge: 60,
      RequireSymbols: true,
      RequireNumbers: true,
      RequireUppercaseCharacters: true,
      RequireLowercaseCharacters: true,
      PasswordReusePrevention: 24,
    });
    const mgmt = await clientsIn(org.accounts.management?.id ?? "");
    const created = (await mgmt.iam.send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy;
    expect(created).toMatchObject({ MinimumPasswordLength: 14, PasswordReusePrevention: 24 });
    const emails = (await sentEmails(moto.endpoint)).slice(before);
    const prodMail = emails.find((e) => e.subject.includes("Prod"));
    expect(prodMail?.subject).toMatch(/1 unused key deactivated soon, password policy strengthened$/);
    expect(prodMail?.body).toContain("has not been used for a long time and will be deactivated on");
  });

  it("day 45: the never-used key is deactivated; the key used on day 30 stays until day 75", async () => {
    const day45 = await cli("run", "--config", configPath, "--as-of", at(45), "--mode", "enforce", "--json");
    expect(day45.code).toBe(0);
    let state = await snapshot(await prod());
    expect(state.users.idle).toEqual([`${keys.get("idle")?.id}:Inactive`]);
    expect(state.users.busy).toEqual([`${keys.get("busy")?.id}:Active`]);
    const result = JSON.parse(day45.stdout) as SweepResult;
    const prodReport = result.accounts.find((a) => a.job.account.id === org.accounts.Prod?.id)?.report;
    expect(prodReport?.users.find((u) => u.userName === "idle")?.actions).toMatchObject([
      { kind: "deactivate", outcome: "done", detail: expect.stringMatching(/^unused since \d{4}-/) },
    ]);
    expect(prodReport?.passwordPolicy?.outcome).toBe("compliant");

    await cli("run", "--config", configPath, "--as-of", at(75), "--mode", "enforce");
    state = await snapshot(await prod());
    expect(state.users.busy).toEqual([`${keys.get("busy")?.id}:Inactive`]);
  });
});
