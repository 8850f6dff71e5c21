import { describe, expect, it } from "vitest";
import { emailDocument, escapeHtml, keepDatesWhole } from "../../../shared/email-html";

const OPEN = '<span class="nowrap">';

describe("keepDatesWhole", () => {
  it("wraps each day and each time of day in the text, each on its own", () => {
    // Act
    const html = keepDatesWhole("<p>since 2026-05-04, at 2026-05-04 06:00 UTC</p>", OPEN);
    // Assess
    expect(html).toBe(
      `<p>since ${OPEN}2026-05-04</span>, at ${OPEN}2026-05-04</span> ${OPEN}06:00 UTC</span></p>`,
    );
  });

  it("leaves attributes, the title, scripts and style sheets as they are", () => {
    // Prepare
    const html =
      '<title>Weekly report 2026-11-30</title><a href="https://x/?prefix=2026-11-30">2026-11-30</a>' +
      "<script>var d='2026-01-01'</script><style>/* 2026-01-01 */</style>";
    // Act
    const kept = keepDatesWhole(html, OPEN);
    // Assess
    expect(kept).toBe(
      '<title>Weekly report 2026-11-30</title><a href="https://x/?prefix=2026-11-30">' +
        `${OPEN}2026-11-30</span></a><script>var d='2026-01-01'</script><style>/* 2026-01-01 */</style>`,
    );
  });

  it("keeps an email's dates whole, and escaped words from outside stay text", () => {
    // Act
    const html = emailDocument("t", `<p>${escapeHtml("<b>2026-05-04</b>")}</p>`, 640);
    // Assess
    expect(html).toContain('<p>&lt;b&gt;<span style="white-space:nowrap">2026-05-04</span>&lt;/b&gt;</p>');
  });
});
