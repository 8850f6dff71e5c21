import { describe, expect, it } from "vitest";
import { formatRun } from "../../../cli/commands/run";
import type { SweepResult } from "../../../cli/sweep";
import { accountReport, JOB } from "../notices/fixtures";

describe("keyrotor run's table", () => {
  it("says under the table which account's credential report could not be read and that its users were listed", () => {
    // Prepare
    const detail = "1 row (line 3: user etl: the ARN does not end with /etl)";
    const result: SweepResult = {
      runId: JOB.runId,
      asOf: JOB.asOf,
      mode: "enforce",
      skipped: [],
      accounts: [
        { job: JOB, report: { ...accountReport([]), reportFallback: { rows: 1, detail } }, notice: "sent" },
      ],
    };
    // Act
    const text = formatRun(result);
    // Assess
    expect(text.split("\n").at(-1)).toBe(
      `${JOB.account.id}: credential report unreadable, ${detail}; every user listed through IAM`,
    );
  });
});
