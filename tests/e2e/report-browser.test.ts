import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { percentOf } from "../../shared/report/percent";
import { renderHtml } from "../../shared/report/render-html";
import { sampleOrgReport } from "../../shared/report/sample";
import type { OrgReport } from "../../shared/report/types";
import { CHROMIUM, launchChromium } from "../support/chromium";

/** Where the screenshot and the pages go: `REPORT_ARTIFACTS`, else a new temporary folder. */
const ARTIFACTS = process.env.REPORT_ARTIFACTS ?? mkdtempSync(join(tmpdir(), "keyrotor-report-"));
/** Set to a path (`docs/images/report.png`) to write the README's screenshot (the summary) there too. */
const SCREENSHOT = process.env.REPORT_SCREENSHOT;

const small = sampleOrgReport(12);
const hostileName = `<img src=x onerror="document.title='owned'">`;
const hostile: OrgReport = {
  ...small,
  accounts: small.accounts.map((a, i) => (i === 0 ? { ...a, name: hostileName } : a)),
  attention: small.attention.map((a, i) => (i === 0 ? { ...a, userName: "<script>alert(1)</script>" } : a)),
};

let browser: Browser;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  for (const [name, report] of [
    ["small", small],
    ["large", sampleOrgReport(300)],
    ["hostile", hostile],
  ] as const) {
    writeFileSync(join(ARTIFACTS, `${name}.html`), renderHtml(report));
  }
  if (existsSync(CHROMIUM)) browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

/** The page opened at laptop width, with every console message, page error, dialog and request noted. */
async function open(name: string) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const trouble: string[] = [];
  const requests: string[] = [];
  page.on("console", (m) => trouble.push(`console ${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => trouble.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => trouble.push(`request failed: ${r.url()}`));
  page.on("dialog", (d) => trouble.push(`dialog: ${d.message()}`));
  page.on("request", (r) => requests.push(r.url()));
  const url = `file://${join(ARTIFACTS, `${name}.html`)}`;
  await page.goto(url);
  return { page, trouble, requests, url };
}

// Evaluated in the page (strings: this project's types have no DOM).
const activeKeys = (page: Page) =>
  page.evaluate(
    `[...document.querySelector("#accounts table").tBodies[0].rows].map((r) => r.cells[2].textContent)`,
  ) as Promise<string[]>;

describe("the org report in headless Chromium", () => {
  it.skipIf(!existsSync(CHROMIUM))(
    "shows the summary a reader needs first, loads nothing and logs nothing",
    async () => {
      // Act
      const { page, trouble, requests, url } = await open("small");
      const seen = (await page.evaluate(`({
        summary: document.querySelector("#summary").innerText,
        overflows: document.documentElement.scrollWidth > window.innerWidth,
        sortable: document.querySelectorAll("th button").length,
        background: getComputedStyle(document.body).backgroundColor,
        trend: [...document.querySelectorAll("#trend circle")].map((c) => ({
          fill: getComputedStyle(c).fill,
          shown: c.getBoundingClientRect().width > 0,
        })),
        line: getComputedStyle(document.querySelector("#trend polyline")).stroke,
      })`)) as {
        summary: string;
        overflows: boolean;
        sortable: number;
        background: string;
        trend: { fill: string; shown: boolean }[];
        line: string;
      };
      await page.screenshot({ path: join(ARTIFACTS, "report.png"), fullPage: true });
      if (SCREENSHOT) {
        // The README's: the page down to the end of the summary, getting rid of keys included. The
        // tables below are in the artifacts' full page; the picture stays small.
        const bottom = (await page.evaluate(
          `Math.ceil(document.querySelector("#summary").getBoundingClientRect().bottom + window.scrollY)`,
        )) as number;
        mkdirSync(dirname(resolve(SCREENSHOT)), { recursive: true });
        await page.screenshot({
          path: resolve(SCREENSHOT),
          fullPage: true,
          clip: { x: 0, y: 0, width: 1280, height: bottom + 24 },
        });
      }
      await page.close();

      // Assess: the totals and shares as the sample has them, in the order a reader meets them
      const { totals, upcoming } = small;
      const lines = seen.summary.split("\n").filter((l) => l.trim() !== "");
      expect(lines.slice(0, 3)).toEqual([
        "Summary",
        "Judged against: rotate at 90 days, deactivate at 100, delete at 110; a key unused for 45 days breaks the unused-key rule.",
        "Accounts",
      ]);
      const share = (n: number) => percentOf(n, totals.activeKeys);
      expect(seen.summary).toContain(`Accounts\n${totals.accounts}\n1 could not be read`);
      expect(seen.summary).toContain(`IAM users\n${totals.users}\n${totals.usersWithKeys} with access keys`);
      expect(seen.summary).toContain(`Access keys\n${totals.keys}\n${totals.activeKeys} Active`);
      expect(seen.summary).toContain(
        `IAM.3: Active keys under 90 days\n${share(totals.rotationCompliant)}\n`,
      );
      expect(seen.summary).toContain(`used in 45 days\n${share(totals.usageCompliant)}\n`);
      expect(seen.summary).toContain(
        `Next 14 days\n${upcoming.rotations + upcoming.deactivations + upcoming.deletions}\n`,
      );
      expect(seen.summary).toContain(`Users who need a person\n${small.attention.length}\n1 blocked`);
      // Assess: getting rid of keys, after the charts: the advice in words, how far the count fell
      const advice = totals.byAdvice;
      const counted = (small.trend ?? []).filter((m) => m.activeKeys !== null);
      expect(seen.summary).toContain(
        `Getting rid of keys\n\nAn access key is a long-lived credential: rotation shortens its life, a role whose credentials expire on their own ends it. ` +
          `keyrotor's advice for the ${totals.activeKeys} Active keys: ${advice?.remove} to remove (unused for 45 days), ${advice?.oidc} to replace with an OIDC role`,
      );
      expect(seen.summary).toContain(
        `Since Sep 2025: ${counted[0]?.activeKeys} long-lived keys, now ${totals.activeKeys} (27% fewer).`,
      );
      expect(seen.summary).toContain("Active keys by advice");
      expect(seen.summary).toContain("Long-lived (Active) keys per month");
      // one point a month counted, drawn in the style sheet's colours (the last hollow: carried)
      expect(seen.trend).toHaveLength(counted.length);
      expect(seen.trend.every((p) => p.shown)).toBe(true);
      expect(seen.trend.at(0)?.fill).toBe("rgb(9, 105, 218)");
      expect(seen.trend.at(-1)?.fill).toBe("rgb(255, 255, 255)");
      expect(seen.line).toBe("rgb(9, 105, 218)");
      // Assess: the style sheet and the script ran under the page's policy; nothing else happened
      expect(seen.background).toBe("rgb(246, 248, 250)");
      expect(seen.sortable).toBeGreaterThan(9);
      expect(seen.overflows).toBe(false);
      expect(trouble).toEqual([]);
      expect(requests).toEqual([url]);
    },
    60_000,
  );

  it.skipIf(!existsSync(CHROMIUM))(
    "sorts the accounts by a column when its header is clicked, and back",
    async () => {
      // Prepare
      const { page, trouble } = await open("small");
      const before = await activeKeys(page);
      const header = page.locator("#accounts table").first().getByRole("button", { name: "Active keys" });

      // Act
      await header.click();
      const ascending = await activeKeys(page);
      await header.click();
      const descending = await activeKeys(page);
      const sort = await page.locator("#accounts th[aria-sort]").first().getAttribute("aria-sort");
      await page.close();

      // Assess
      const numbers = (cells: string[]) => cells.map(Number);
      expect(ascending).not.toEqual(before);
      expect(numbers(ascending)).toEqual(numbers(before).sort((a, b) => a - b));
      expect(numbers(descending)).toEqual(numbers(before).sort((a, b) => b - a));
      expect(sort).toBe("descending");
      expect(trouble).toEqual([]);
    },
    60_000,
  );

  it.skipIf(!existsSync(CHROMIUM))(
    "collapses the long tail on screen, and prints every group open without sticky headers",
    async () => {
      // Prepare
      const { page, trouble } = await open("large");
      const read = `({
        tail: document.querySelector("#accounts details:not([open])").innerText,
        header: getComputedStyle(document.querySelector("th")).position,
        breaks: getComputedStyle(document.querySelector("#accounts")).breakBefore,
      })`;
      const screen = (await page.evaluate(read)) as { tail: string; header: string };

      // Act
      await page.emulateMedia({ media: "print" });
      const print = (await page.evaluate(read)) as { tail: string; header: string; breaks: string };
      const pdf = await page.pdf({ format: "A4" });
      writeFileSync(join(ARTIFACTS, "large.pdf"), pdf);
      await page.close();

      // Assess
      const accountIds = (text: string) => text.match(/\b\d{12}\b/g) ?? [];
      expect(accountIds(screen.tail)).toEqual([]);
      expect(screen.header).toBe("sticky");
      expect(accountIds(print.tail).length).toBeGreaterThan(10);
      expect(print.header).toBe("static");
      expect(print.breaks).toBe("page");
      expect(trouble).toEqual([]);
    },
    60_000,
  );

  it.skipIf(!existsSync(CHROMIUM))(
    "shows markup in an account or user name as text, and runs none of it",
    async () => {
      // Act
      const { page, trouble } = await open("hostile");
      const seen = (await page.evaluate(`({
        text: document.body.innerText,
        title: document.title,
        images: document.images.length,
        scripts: document.scripts.length,
      })`)) as { text: string; title: string; images: number; scripts: number };
      await page.close();

      // Assess
      expect(seen.text).toContain(hostileName);
      expect(seen.text).toContain("<script>alert(1)</script>");
      expect(seen).toMatchObject({
        title: "keyrotor: access keys across 12 of the organization's 14 accounts",
        images: 0,
        scripts: 1,
      });
      expect(trouble).toEqual([]);
    },
    60_000,
  );
});
