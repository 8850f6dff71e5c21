import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCaptured } from "../../cli/io";
import { SAMPLE_NOTICES } from "../../shared/notices/samples";
import { CHROMIUM, launchChromium } from "../support/chromium";

let browser: Browser;
let directory: string;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), "keyrotor-preview-"));
  const { code } = await runCaptured(["preview", "--output", directory]);
  expect(code).toBe(0);
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

/** The page as a reader sees it on a phone: its visible text and whether anything overflows sideways. */
async function read(kind: string) {
  const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
  await page.goto(`file://${join(directory, `${kind}.html`)}`);
  // Evaluated in the page (a string: this project's types have no DOM).
  const seen = (await page.evaluate(`({
    text: document.body.innerText,
    overflows: document.documentElement.scrollWidth > window.innerWidth,
    charset: document.characterSet,
    standards: document.compatMode === "CSS1Compat",
  })`)) as { text: string; overflows: boolean; charset: string; standards: boolean };
  await page.close();
  return seen;
}

describe("keyrotor preview, rendered in headless Chromium", () => {
  it.skipIf(!existsSync(CHROMIUM))(
    "writes every kind of notice, each reading the same in HTML and text, on a phone",
    async () => {
      for (const kind of Object.keys(SAMPLE_NOTICES)) {
        // Act
        const seen = await read(kind);
        const text = readFileSync(join(directory, `${kind}.txt`), "utf8");
        // Assess: the words of the text part are the words a reader sees
        expect(seen).toMatchObject({ overflows: false, charset: "UTF-8", standards: true });
        const lead = text.split("\n")[2] ?? "";
        expect(seen.text).toContain(lead);
        for (const line of text.split("\n").filter((l) => l.startsWith("- ") && !/^- \d{4}-/.test(l))) {
          expect(seen.text.replace(/\s+/g, " ")).toContain(line.slice(2).replace(/\s+/g, " "));
        }
      }
    },
    60_000,
  );

  it.skipIf(!existsSync(CHROMIUM))(
    "shows the reader what to do, and never a secret value",
    async () => {
      const rotated = await read("rotated");
      expect(rotated.text).toContain("2 keys rotated in AWS account Payments (111122223333)");
      expect(rotated.text).toContain("Who can read it: the IAM user deploy-bot");
      expect(rotated.text).toContain("aws secretsmanager get-secret-value --secret-id");
      expect(rotated.text).not.toMatch(/SecretAccessKey|would/);
      const blocked = await read("needs-action");
      expect(blocked.text).toContain("Needs your action");
      expect(blocked.text).toContain("the rotation will be blocked: the user already has two keys");
      const audit = await read("audit");
      expect(audit.text.match(/audit mode/g)).toHaveLength(1);
    },
    60_000,
  );
});
