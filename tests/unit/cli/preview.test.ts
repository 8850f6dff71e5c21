import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SAMPLE_DIGEST_ACCOUNTS } from "../../../cli/commands/preview";
import { runCaptured } from "../../../cli/io";
import { SAMPLE_NOTICES } from "../../../shared/notices/samples";
import { sampleOrgReport } from "../../../shared/report/sample";

describe("keyrotor preview", () => {
  it("writes the weekly digest of the sample organization, HTML and text, beside every notice", async () => {
    // Prepare
    const directory = mkdtempSync(join(tmpdir(), "keyrotor-preview-"));
    const sample = sampleOrgReport(SAMPLE_DIGEST_ACCOUNTS);
    // Act
    const { code, stdout } = await runCaptured(["preview", "--output", directory], {});
    // Assess
    expect(code).toBe(0);
    expect(stdout.split(": ").slice(1).join(": ").trim().split(", ")).toEqual([
      ...Object.keys(SAMPLE_NOTICES).flatMap((kind) => [`${kind}.html`, `${kind}.txt`]),
      "weekly-digest.html",
      "weekly-digest.txt",
    ]);
    const text = readFileSync(join(directory, "weekly-digest.txt"), "utf8");
    const html = readFileSync(join(directory, "weekly-digest.html"), "utf8");
    const day = sample.generatedAt.slice(0, 10);
    expect(text).toMatch(new RegExp(`^Subject: \\[keyrotor\\] Weekly report ${day}: `));
    const organization = sample.totals.accounts + (sample.outOfScope?.length ?? 0);
    expect(text).toContain(
      `${sample.totals.accounts} accounts in scope of the organization's ${organization}, ${sample.totals.users} users, ${sample.totals.activeKeys} active keys`,
    );
    const blocked = sample.attention.find((a) => a.kind === "blocked");
    expect(blocked).toBeDefined();
    const account = sample.accounts.find((a) => a.accountId === blocked?.accountId);
    expect(text).toContain(`${account?.name} (${blocked?.accountId}) ${blocked?.userName}: blocked`);
    const unreadable = sample.accounts.find((a) => a.error !== undefined);
    expect(text).toContain(`${unreadable?.name} (${unreadable?.accountId})`);
    expect(html.toLowerCase()).toContain("<!doctype html>");
    // Dates sit in spans that keep them whole on a phone: the words are read without the tags.
    expect(html.replace(/<[^>]+>/g, "")).toContain(`keyrotor weekly report, ${day}`);
    expect(html).toContain(blocked?.userName ?? "(none)");
  });
});
