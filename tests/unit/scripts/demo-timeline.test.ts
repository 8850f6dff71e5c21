import { describe, expect, it } from "vitest";
import { createTimeline } from "../../../scripts/lib/demo-timeline";
import type { ActionReport, UserReport } from "../../../shared/rotation/report";

const DAY0 = "2026-12-07T10:00:00.000Z";
const at = (day: number) => new Date(Date.parse(DAY0) + day * 86_400_000 + 5_000).toISOString();
const OLD = "AKIAEXAMPLEOLD00001";
const OTHER = "AKIAEXAMPLEOTHER002";
const NEW = "AKIAEXAMPLENEW00003";

function user(
  keys: [string, string][],
  actions: Partial<ActionReport>[] = [],
  extra: Partial<UserReport> = {},
) {
  return {
    userName: "app",
    status: "due",
    keys: keys.map(([id, createdAt]) => ({ id, status: "Active", createdAt })),
    actions: actions.map((a) => ({
      kind: "create",
      keyId: NEW,
      detail: "",
      dueOn: DAY0,
      outcome: "done",
      ...a,
    })),
    warnings: [],
    upcoming: [],
    secretName: "keyrotor/app",
    findings: [],
    ...extra,
  } as UserReport;
}

describe("the demo's timeline", () => {
  it("says the replacement keyrotor made, when it made it, and the days it has had", () => {
    // Prepare
    const timeline = createTimeline();
    timeline.describe(
      user([[OLD, DAY0]], [{ kind: "create", keyId: NEW, detail: `replaces ${OLD}` }]),
      "1",
      at(90),
    );
    // Act
    const lines = timeline.describe(
      user(
        [
          [OLD, DAY0],
          [NEW, at(90)],
        ],
        [{ kind: "deactivate", keyId: OLD, detail: `replaced by ${NEW}` }],
      ),
      "1",
      at(104),
    );
    // Assess
    expect(lines).toEqual([
      `deactivated AKIA…0001 (104 days old): its replacement AKIA…0003, created by keyrotor on ${at(90).slice(0, 10)}, has had 14 days to reach consumers`,
    ]);
  });

  it("says keyrotor made no replacement when the newer key is the user's own", () => {
    // Prepare
    const timeline = createTimeline();
    // Act
    const lines = timeline.describe(
      user(
        [
          [OLD, DAY0],
          [OTHER, at(3)],
        ],
        [{ kind: "deactivate", keyId: OLD, detail: `replaced by ${OTHER}` }],
      ),
      "1",
      at(100),
    );
    // Assess
    expect(lines).toEqual([
      `deactivated AKIA…0001 (100 days old): keyrotor made no replacement; the user's other key AKIA…R002 (created ${at(3).slice(0, 10)}, 97 days old) stays Active`,
    ]);
  });

  it("counts a deleted key's days and a key retired as unused from the facts", () => {
    // Prepare
    const timeline = createTimeline();
    const since = at(10).slice(0, 10);
    // Act
    const lines = timeline.describe(
      user(
        [
          [OLD, DAY0],
          [OTHER, at(10)],
        ],
        [
          { kind: "delete", keyId: OLD, detail: "expired" },
          { kind: "deactivate", keyId: OTHER, detail: `unused since ${since}` },
        ],
      ),
      "1",
      at(125),
    );
    // Assess
    expect(lines).toEqual([
      "deleted AKIA…0001 (inactive, 125 days old)",
      `deactivated AKIA…R002 (115 days old): unused since ${since}, 115 days`,
    ]);
  });

  it("notes an exempt user once, the first time a run reports it", () => {
    // Prepare
    const timeline = createTimeline();
    const exempt = user([], [], { status: "exempt", reason: "exempt by tag" });
    // Act
    const first = timeline.describe(exempt, "1", at(83));
    const again = timeline.describe(exempt, "1", at(90));
    // Assess
    expect(first).toEqual(["exempt by tag: reported, never touched"]);
    expect(again).toEqual([]);
  });
});
