import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runCaptured } from "../../cli/io";
import type { PlanRow } from "../../cli/plan";
import { clientsIn, createOrganization, createUsers, verifySender } from "../../scripts/lib/emulator";
import { type Moto, startMoto } from "../../scripts/lib/moto";
import type { Advice, AdviceKind } from "../../shared/advice/types";
import type { OrgReport } from "../../shared/report/types";
import { stubMotoEnv } from "../support/moto-env";

// plan, report and advise on the same organization give each key the same advice. Keys whose last use
// plan did not read itself (an exempt user's, the key keyrotor recorded) are where they parted: plan
// advised Roles Anywhere for keys nobody ever used while the report and advise said remove.

let moto: Moto;
let prod: string;
let configPath: string;

const cli = (...args: string[]) => runCaptured(args, { ...process.env }, () => moto.now());
const json = async <T>(...args: string[]) => {
  const { code, stdout, stderr } = await cli(...args, "--config", configPath, "--format", "json");
  expect({ code, stderr }).toMatchObject({ code: 0 });
  return JSON.parse(stdout) as T;
};

beforeAll(async () => {
  moto = await startMoto();
  stubMotoEnv(moto.endpoint);
  const org = await createOrganization([{ name: "Prod", ouPath: ["Workloads"] }]);
  prod = org.accounts.Prod?.id ?? "";
  await createUsers((await clientsIn(prod)).iam, [
    { name: "app", keys: ["Active"] },
    { name: "auditor", keys: ["Active"], tags: { "keyrotor:exempt": "true" } },
  ]);
  const dir = mkdtempSync(join(tmpdir(), "keyrotor-advice-agrees-"));
  configPath = join(dir, "config.json");
  writeFileSync(configPath, JSON.stringify({ senderEmail: "keyrotor@example.com", includeAccounts: [prod] }));
  expect((await cli("ledger", "init")).code).toBe(0);
  await verifySender("keyrotor@example.com");
  // Day 91: keyrotor replaces app's key and records the new one; nothing ever uses either user's keys.
  moto.setClockOffsetDays(91);
  const run = await cli("run", "--config", configPath, "--mode", "enforce", "--json");
  expect(run.code).toBe(0);
  moto.setClockOffsetDays(160);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await moto?.stop();
});

describe("one advice on every surface", () => {
  it("plan, report and advise advise the same for every Active key, and never-used keys are removed", async () => {
    // Act
    const rows = await json<PlanRow[]>("plan");
    const report = await json<OrgReport>("report");
    const advised = new Map<string, Advice>();
    for (const user of ["app", "auditor"]) {
      advised.set(user, await json<Advice>("advise", "--account", prod, "--user", user));
    }

    // Assess
    const active = rows.filter((r) => r.status === "Active");
    // app's replaced key waits for a run to retire it; the replacement is 69 days old.
    expect(active.map((r) => r.userName).sort()).toEqual(["app", "app", "auditor"]);
    const byKind = new Map<AdviceKind, number>();
    for (const row of active) {
      const advise = advised.get(row.userName)?.items.find((i) => i.keys.includes(row.keyId));
      expect({ user: row.userName, plan: row.advice?.kind }).toEqual({ user: row.userName, plan: "remove" });
      expect(advise?.kind).toBe(row.advice?.kind);
      byKind.set("remove", (byKind.get("remove") ?? 0) + 1);
    }
    const account = report.accounts.find((a) => a.accountId === prod);
    expect(account?.byAdvice).toMatchObject(Object.fromEntries(byKind));
  });
});
