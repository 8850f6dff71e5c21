import { describe, expect, it } from "vitest";
import type { IncidentRecord } from "../../../shared/ledger/records";
import { aggregate } from "../../../shared/report/aggregate";
import { accountFacts, unreadableAccount } from "../../../shared/report/facts";
import { handledWithin, incidentsOf } from "../../../shared/report/incidents";
import { renderJson } from "../../../shared/report/render-json";
import { ago, inputs, NOW, reported, SETTINGS } from "./fixtures";

const exposed = (
  keyId: string,
  openedDaysAgo: number,
  over: Partial<IncidentRecord> = {},
): IncidentRecord => ({
  keyId,
  trigger: "health",
  source: `arn:aws:health:global::event/IAM/AWS_RISK_CREDENTIALS_EXPOSED/${keyId}`,
  response: "revoke",
  openedAt: ago(openedDaysAgo).toISOString(),
  ...over,
});
const handled = (keyId: string, openedDaysAgo: number, over: Partial<IncidentRecord> = {}) =>
  exposed(keyId, openedDaysAgo, {
    replacedBy: `${keyId.slice(0, 16)}NEW1`,
    revokedAt: ago(openedDaysAgo).toISOString(),
    handledAt: ago(openedDaysAgo).toISOString(),
    ...over,
  });

describe("incidents in the report, from the ledger", () => {
  it("lists every incident of the account's users with account, user and state, a user gone from IAM included", () => {
    // Prepare: ci's second incident is still open; gone has left the credential report
    const facts = accountFacts(
      inputs({
        ci: {
          keys: [reported(1)],
          record: { incidents: [handled("AKIACI00000000000001", 40), exposed("AKIACI00000000000002", 1)] },
        },
        app: { keys: [reported(10)] },
      }),
      SETTINGS,
      NOW,
    );
    const withGone = accountFacts(
      {
        ...inputs({ app: { keys: [reported(10)] } }),
        ledger: {
          users: new Map([["gone", { userName: "gone", incidents: [handled("AKIAGONE000000000001", 3)] }]]),
          account: null,
        },
      },
      SETTINGS,
      NOW,
    );

    // Assess
    expect(facts.incidents.map((i) => [i.userName, i.keyId, i.state])).toEqual([
      ["ci", "AKIACI00000000000002", "open"],
      ["ci", "AKIACI00000000000001", "handled"],
    ]);
    expect(facts.incidents[1]).toEqual({
      accountId: "111122223333",
      userName: "ci",
      keyId: "AKIACI00000000000001",
      state: "handled",
      trigger: "health",
      source: "arn:aws:health:global::event/IAM/AWS_RISK_CREDENTIALS_EXPOSED/AKIACI00000000000001",
      response: "revoke",
      openedAt: ago(40).toISOString(),
      replacedBy: "AKIACI0000000000NEW1",
      revokedAt: ago(40).toISOString(),
      handledAt: ago(40).toISOString(),
    });
    expect(withGone.incidents.map((i) => i.userName)).toEqual(["gone"]);
  });

  it("carries only the record's own fields, whatever else a ledger item holds", () => {
    // Prepare
    const odd = { ...exposed("AKIAODD0000000000001", 2), secretAccessKey: "never" } as IncidentRecord;

    // Act
    const [incident] = incidentsOf("111122223333", {
      users: new Map([["u", { userName: "u", incidents: [odd] }]]),
      account: null,
    });

    // Assess
    expect(JSON.stringify(incident)).not.toContain("never");
  });

  it("keeps the incidents of an account whose IAM could not be read but whose ledger could", () => {
    // Act
    const broken = unreadableAccount("333333333333", "Broken", "AccessDenied", {}, [
      { ...exposed("AKIABROKEN0000000001", 1), accountId: "333333333333", userName: "u", state: "open" },
    ]);

    // Assess
    expect(broken.incidents).toHaveLength(1);
    expect(unreadableAccount("333333333333", "Broken", "AccessDenied").incidents).toEqual([]);
  });

  it("puts the organization's incidents in the report, the most recent first across accounts", () => {
    // Prepare
    const prod = accountFacts(
      inputs(
        { ci: { keys: [], record: { incidents: [handled("AKIAPROD000000000001", 9)] } } },
        "111111111111",
      ),
      SETTINGS,
      NOW,
    );
    const data = accountFacts(
      inputs(
        {
          etl: {
            keys: [],
            record: { incidents: [handled("AKIADATA000000000001", 20), exposed("AKIADATA000000000002", 2)] },
          },
        },
        "222222222222",
      ),
      SETTINGS,
      NOW,
    );

    // Act
    const report = aggregate([prod, data], SETTINGS, NOW);

    // Assess
    expect(report.incidents?.map((i) => i.keyId)).toEqual([
      "AKIADATA000000000002",
      "AKIAPROD000000000001",
      "AKIADATA000000000001",
    ]);
    expect(JSON.parse(renderJson(report)).incidents).toHaveLength(3);
  });

  it("has none, an empty list, where no incident was ever recorded", () => {
    // Act
    const report = aggregate(
      [accountFacts(inputs({ a: { keys: [reported(5)] } }), SETTINGS, NOW)],
      SETTINGS,
      NOW,
    );

    // Assess
    expect(report.incidents).toEqual([]);
  });

  it("counts those handled within a period before the report, not those opened in it and still open", () => {
    // Prepare
    const facts = accountFacts(
      inputs({
        a: {
          keys: [],
          record: {
            incidents: [
              handled("AKIAA000000000000001", 8),
              handled("AKIAA000000000000002", 9, { handledAt: ago(6).toISOString() }),
              handled("AKIAA000000000000003", 1),
              exposed("AKIAA000000000000004", 1),
            ],
          },
        },
      }),
      SETTINGS,
      NOW,
    );

    // Act
    const recent = handledWithin(facts.incidents, NOW, 7);

    // Assess
    expect(recent.map((i) => i.keyId).sort()).toEqual(["AKIAA000000000000002", "AKIAA000000000000003"]);
  });
});
