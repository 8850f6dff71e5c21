import { type Browser, chromium } from "playwright-core";

/** Debian's chromium, which `.ci/run` installs: the browser tests never download one. */
export const CHROMIUM = "/usr/bin/chromium";

/** Headless, and quiet on the network: nothing but the pages the tests load. */
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** The browser the e2e tests read pages in. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}
