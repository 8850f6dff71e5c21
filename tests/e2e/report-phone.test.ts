import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderNotice } from "../../shared/notices/render";
import { SAMPLE_NOTICES } from "../../shared/notices/samples";
import { renderDigest } from "../../shared/report/digest";
import { renderHtml } from "../../shared/report/render-html";
import { sampleOrgReport } from "../../shared/report/sample";
import { CHROMIUM, launchChromium } from "../support/chromium";

/** Where the pages and their screenshots go: `REPORT_ARTIFACTS`, else a new temporary folder. */
const ARTIFACTS = process.env.REPORT_ARTIFACTS ?? mkdtempSync(join(tmpdir(), "keyrotor-phone-"));
/** A phone's width (CSS pixels) and a laptop's. */
const WIDTHS = [390, 1280] as const;

/** What the page shows a reader, measured in it. */
interface Seen {
  /** The page scrolls sideways: something is wider than the screen. */
  readonly overflow: number;
  /** Header cells narrower than their longest word, with both widths. */
  readonly squeezed: readonly string[];
  /** Dates and commands split over two lines or more. */
  readonly broken: readonly string[];
}

/**
 * Evaluated in the page (a string: this project's types have no DOM). Each header cell's content box
 * against its longest word set in the cell's own font; each day (YYYY-MM-DD), each time of day (HH:MM
 * UTC) and each `<code>` against the lines it takes: a Range's rectangles on more than one line are a
 * break.
 */
const MEASURE = `(() => {
  const overflow = document.scrollingElement.scrollWidth - window.innerWidth;
  const probe = document.createElement("span");
  probe.style.cssText = "position:absolute;visibility:hidden;white-space:nowrap";
  document.body.appendChild(probe);
  const squeezed = [];
  for (const th of document.querySelectorAll("th")) {
    if (th.getClientRects().length === 0) continue;
    const style = getComputedStyle(th);
    const words = getComputedStyle(th.querySelector("button") ?? th);
    for (const p of ["fontFamily", "fontSize", "fontWeight", "fontStyle", "letterSpacing"]) probe.style[p] = words[p];
    const box = th.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    for (const word of th.innerText.split(/\\s+/).filter(Boolean)) {
      probe.textContent = word;
      if (probe.getBoundingClientRect().width > box + 0.5) squeezed.push(word + " in " + Math.round(box) + "px");
    }
  }
  probe.remove();
  const lines = (range) => new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size;
  const broken = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.parentElement || node.parentElement.closest("script,style,title,svg")) continue;
    for (const m of node.data.matchAll(/\\d{4}-\\d{2}-\\d{2}|\\d{2}:\\d{2} UTC/g)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      if (lines(range) > 1) broken.push(m[0]);
    }
  }
  for (const code of document.querySelectorAll("code")) {
    const range = document.createRange();
    range.selectNodeContents(code);
    // A block of several commands holds one a line.
    if (lines(range) > code.textContent.split("\\n").length) broken.push(code.textContent);
  }
  return { overflow, squeezed, broken };
})()`;

let browser: Browser;
const pages: [string, string][] = [];

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const report = sampleOrgReport(12);
  const stored = {
    partition: "aws",
    region: "eu-west-1",
    bucket: "keyrotor-prod-reportbucket-abc123",
    key: "reports/2026-05-04T06-00-00Z.html",
    retentionDays: 90,
  };
  const files: [string, string][] = [
    ["report", renderHtml(report)],
    ["digest", renderDigest(report, stored).html],
    ...Object.entries(SAMPLE_NOTICES).map(([kind, n]): [string, string] => [
      `notice-${kind}`,
      renderNotice(n).html,
    ]),
  ];
  for (const [name, html] of files) {
    const file = join(ARTIFACTS, `${name}.html`);
    writeFileSync(file, html);
    pages.push([name, file]);
  }
  if (existsSync(CHROMIUM)) browser = await launchChromium();
  console.log(`report-phone: pages and screenshots in ${ARTIFACTS}`);
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

/** The page at `width`, measured, with a full-page screenshot written beside it. */
async function measure(name: string, file: string, width: number): Promise<Seen> {
  const page = await browser.newPage({ viewport: { width, height: 844 } });
  try {
    await page.goto(`file://${file}`);
    await page.screenshot({ path: join(ARTIFACTS, `${name}-${width}.png`), fullPage: true });
    return (await page.evaluate(MEASURE)) as Seen;
  } finally {
    await page.close();
  }
}

describe.each(WIDTHS)("at %i px, in headless Chromium", (width) => {
  it.skipIf(!existsSync(CHROMIUM))(
    "the report fits the screen and every header is at least as wide as its longest word",
    async () => {
      // Act
      const seen = await measure("report", join(ARTIFACTS, "report.html"), width);

      // Assess
      expect(seen.overflow).toBeLessThanOrEqual(0);
      expect(seen.squeezed).toEqual([]);
      expect(seen.broken).toEqual([]);
    },
    60_000,
  );

  it.skipIf(!existsSync(CHROMIUM))(
    "the digest and every notice fit the screen, their dates and commands each on one line",
    async () => {
      for (const [name, file] of pages.filter(([n]) => n !== "report")) {
        // Act
        const seen = await measure(name, file, width);

        // Assess
        expect({ name, squeezed: seen.squeezed, broken: seen.broken }).toEqual({
          name,
          squeezed: [],
          broken: [],
        });
        expect(seen.overflow, name).toBeLessThanOrEqual(0);
      }
    },
    120_000,
  );
});

describe("printed on A4, in headless Chromium", () => {
  it.skipIf(!existsSync(CHROMIUM))(
    "no table is cut off in a box that would scroll on screen",
    async () => {
      // Prepare: an A4 page is about 794 CSS pixels wide, narrower than a laptop's screen
      const page = await browser.newPage({ viewport: { width: 794, height: 1123 } });
      await page.goto(`file://${join(ARTIFACTS, "report.html")}`);
      await page.emulateMedia({ media: "print" });

      // Act
      const clipped = (await page.evaluate(
        `[...document.querySelectorAll(".scroll")].filter((s) => s.getClientRects().length > 0 && s.scrollWidth > s.clientWidth).length`,
      )) as number;
      writeFileSync(join(ARTIFACTS, "report-a4.pdf"), await page.pdf({ format: "A4" }));
      await page.close();

      // Assess
      expect(clipped).toBe(0);
    },
    60_000,
  );
});
