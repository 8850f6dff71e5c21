import { describe, expect, it } from "vitest";
import { AwsCallError } from "../../../shared/errors";
import { aggregate } from "../../../shared/report/aggregate";
import { accountFacts } from "../../../shared/report/facts";
import { IAM3_LISTED_USERS, listFailingKeyIds } from "../../../shared/report/failing-iam3";
import { renderHtml } from "../../../shared/report/render-html";
import { renderJson } from "../../../shared/report/render-json";
import { memoryLog } from "../../support/log";
import { ago, inputs, NOW, reported, SETTINGS } from "./fixtures";

const visible = (html: string) =>
  html
    .replace(/<(style|script|title)\b[^>]*>[\s\S]*?<\/\1>/g, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/\s+/g, " ");

describe("the keys that fail IAM.3", () => {
  // Prepare: old has a 120-day and a 95-day Active key, legacy an Inactive 200-day one and a 90-day
  // Active one (IAM.3 counts from day 90), fresh a young one; old's keys were listed, legacy's not
  const prod = accountFacts(
    {
      ...inputs({
        old: { keys: [reported(120, "Active", 3), reported(95)] },
        legacy: { keys: [reported(200, "Inactive"), reported(90)] },
        fresh: { keys: [reported(89)] },
      }),
      keyIds: new Map([
        [
          "old",
          [
            { id: "AKIAOLD0000000000001", createdAt: ago(120) },
            { id: "AKIAOLD0000000000002", createdAt: ago(95) },
          ],
        ],
      ]),
    },
    SETTINGS,
    NOW,
  );
  const report = aggregate([prod], SETTINGS, NOW);

  it("names each Active key 90 days old or more, the oldest first, with its id when listed", () => {
    // Assess
    expect(report.failingIam3).toEqual([
      {
        accountId: "111122223333",
        userName: "old",
        keyId: "AKIAOLD0000000000001",
        ageDays: 120,
        lastUsedAt: ago(3).toISOString(),
      },
      {
        accountId: "111122223333",
        userName: "old",
        keyId: "AKIAOLD0000000000002",
        ageDays: 95,
        lastUsedAt: null,
      },
      { accountId: "111122223333", userName: "legacy", keyId: null, ageDays: 90, lastUsedAt: null },
    ]);
    expect(JSON.parse(renderJson(report)).failingIam3).toHaveLength(3);
  });

  it("gives a user's two keys created in the same second one id each", () => {
    // Prepare
    const twins = accountFacts(
      {
        ...inputs({ stuck: { keys: [reported(97), reported(97)] } }),
        keyIds: new Map([
          [
            "stuck",
            [
              { id: "AKIATWIN000000000001", createdAt: ago(97) },
              { id: "AKIATWIN000000000002", createdAt: ago(97) },
            ],
          ],
        ]),
      },
      SETTINGS,
      NOW,
    );
    // Act
    const ids = twins.failingIam3.map((k) => k.keyId).sort();
    // Assess
    expect(ids).toEqual(["AKIATWIN000000000001", "AKIATWIN000000000002"]);
  });

  it("lists them in the HTML report: account, user, key id and age", () => {
    // Act
    const html = renderHtml(report);

    // Assess
    const start = html.indexOf('<section id="iam3">');
    expect(start).toBeGreaterThan(0);
    const seen = visible(html.slice(start, html.indexOf("</section>", start)));
    expect(seen).toContain("Keys that fail IAM.3");
    expect(seen).toContain("Account 111122223333 111122223333 old AKIAOLD0000000000001 120");
    expect(seen).toContain("old AKIAOLD0000000000002 95");
    expect(seen).toContain("legacy not read 90");
    expect(html).toContain('<a href="#iam3">');
  });
});

describe("listFailingKeyIds", () => {
  it("lists the keys of the users failing IAM.3 only, at most IAM3_LISTED_USERS of them", async () => {
    // Prepare: one user more than the bound with a 95-day key, and one with a young key
    const users = [
      ...Array.from({ length: IAM3_LISTED_USERS + 1 }, (_, i) => ({
        userName: `old-${i}`,
        arn: `arn:aws:iam::111122223333:user/old-${i}`,
        keys: [reported(95)],
      })),
      { userName: "young", arn: "arn:aws:iam::111122223333:user/young", keys: [reported(10)] },
    ];
    const asked: string[] = [];
    const iam = {
      listAccessKeys: async (userName: string) => {
        asked.push(userName);
        return [{ id: `AKIA${userName}`, status: "Active" as const, createdAt: ago(95) }];
      },
    };
    // Act
    const ids = await listFailingKeyIds(iam, users, NOW, memoryLog(), "111122223333");
    // Assess
    expect(asked).toHaveLength(IAM3_LISTED_USERS);
    expect(asked).not.toContain("young");
    expect(ids.size).toBe(IAM3_LISTED_USERS);
  });

  it("leaves a user whose listing fails without ids, and logs it without failing the account", async () => {
    // Prepare
    const log = memoryLog();
    const users = [{ userName: "app", arn: "arn:aws:iam::111122223333:user/app", keys: [reported(120)] }];
    const iam = {
      listAccessKeys: async (): Promise<never> => {
        throw new AwsCallError("IAM", "ListAccessKeys", "AccessDenied", "denied");
      },
    };
    // Act
    const ids = await listFailingKeyIds(iam, users, NOW, log, "111122223333");
    // Assess
    expect(ids.get("app")).toEqual([]);
    expect(log.lines.some((l) => l.includes("key ids unread") && l.includes("AccessDenied"))).toBe(true);
  });
});
