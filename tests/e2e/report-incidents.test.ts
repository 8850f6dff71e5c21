import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runCaptured } from "../../cli/io";
import { clientsIn, createOrganization, createUsers, type Organization } from "../../scripts/lib/emulator";
import { type Moto, startMoto } from "../../scripts/lib/moto";
import { LedgerAdapter } from "../../shared/aws/ledger";
import { parseConfig } from "../../shared/config";
import type { IncidentRecord } from "../../shared/ledger/records";
import type { OrgReport } from "../../shared/report/types";
import { stubMotoEnv } from "../support/moto-env";

/**
 * Incidents the ledger records (written here as the incident pipeline writes them, through the
 * DynamoDB adapter) in `keyrotor report`: listed in the JSON the most recent first, and in the HTML's
 * Incidents section.
 */

let moto: Moto;
let org: Organization;
let prod = "";
const cli = (...args: string[]) => runCaptured(args, { ...process.env }, () => moto.now());

beforeAll(async () => {
  moto = await startMoto();
  stubMotoEnv(moto.endpoint);
  org = await createOrganization([{ name: "Prod" }]);
  prod = org.accounts.Prod?.id ?? "";
  await createUsers((await clientsIn(prod)).iam, [{ name: "deploy", keys: ["Active"] }]);
  expect((await cli("ledger", "init")).code).toBe(0);
  const now = moto.now().getTime();
  const at = (hours: number) => new Date(now - hours * 3_600_000).toISOString();
  const handled: IncidentRecord = {
    keyId: "AKIAEXPOSED000000001",
    trigger: "health",
    source: "arn:aws:health:global::event/IAM/AWS_RISK_CREDENTIALS_EXPOSED/E1",
    response: "revoke",
    openedAt: at(50),
    replacedBy: "AKIAREPLACEMENT00001",
    revokedAt: at(49),
    handledAt: at(49),
  };
  const open: IncidentRecord = {
    keyId: "AKIAEXPOSED000000002",
    trigger: "cli",
    source: "cli-run-2",
    reason: "<b>pasted</b> in a ticket",
    response: "delete",
    openedAt: at(2),
  };
  const { ledgerTable } = parseConfig({ senderEmail: "k@example.com" });
  await LedgerAdapter.create(ledgerTable).setIncidents(prod, "deploy", [handled, open]);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await moto?.stop();
});

describe("keyrotor report: incidents from the ledger", () => {
  it("JSON: every incident, the most recent first, with its state", async () => {
    // Act
    const { code, stdout } = await cli("report", "--format", "json");

    // Assess
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as OrgReport;
    expect(report.incidents?.map((i) => [i.accountId, i.userName, i.keyId, i.state])).toEqual([
      [prod, "deploy", "AKIAEXPOSED000000002", "open"],
      [prod, "deploy", "AKIAEXPOSED000000001", "handled"],
    ]);
    expect(report.incidents?.[1]).toMatchObject({ replacedBy: "AKIAREPLACEMENT00001", trigger: "health" });
  });

  it("HTML: the Incidents section, the operator's words escaped", async () => {
    // Act
    const { code, stdout } = await cli("report");

    // Assess
    expect(code).toBe(0);
    const section = stdout.slice(stdout.indexOf('<section id="incidents">'));
    expect(section).toContain("1 open, 1 handled");
    expect(section).toContain("AKIAEXPOSED000000002");
    expect(section).toContain("&lt;b&gt;pasted&lt;/b&gt;");
    expect(stdout).not.toContain("<b>pasted");
  });
});
