/**
 * A real browser for the console tests: playwright-core driving Debian's `chromium` (DESIGN
 * §4; `npx playwright install` cannot download browsers here). Each launch gets a fresh
 * user-data-dir in the temp folder, removed on close. A missing chromium is a failure that
 * says how to install it, never a skip.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { expect } from "vitest";
import { REPO } from "./cli.js";

/** Where screenshots go: git-ignored, kept after the run as CI artifacts. */
export const ARTIFACTS = join(REPO, "test-artifacts", "console");

export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
];

export function chromiumPath(): string {
  const candidates = [process.env["CHROMIUM_PATH"], "/usr/bin/chromium", "/usr/bin/chromium-browser"];
  for (const c of candidates) if (c !== undefined && c !== "" && existsSync(c)) return c;
  throw new Error(
    "chromium is not installed (looked for $CHROMIUM_PATH, /usr/bin/chromium, /usr/bin/chromium-browser): " +
      "install chromium: apt-get install chromium (bash scripts/services.sh up installs it)",
  );
}

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const executablePath = chromiumPath();
  const userDataDir = mkdtempSync(join(tmpdir(), "tickd-chromium-"));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: { width: 1280, height: 800 },
      timeout: 60_000,
    });
  } catch (e) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw e;
  }
  context.setDefaultTimeout(15_000);
  mkdirSync(ARTIFACTS, { recursive: true });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * On a 390 px phone screen: nothing wider than the screen, and the button named `button`
 * on screen and at least 36 px high (a thumb can hit it).
 */
export async function expectPhoneFit(page: Page, button: string): Promise<void> {
  const overflow = await page.evaluate<number>("document.documentElement.scrollWidth - window.innerWidth");
  expect(overflow).toBeLessThanOrEqual(0);
  const box = await page.getByRole("button", { name: button }).boundingBox();
  expect(box).not.toBeNull();
  expect(box!.x + box!.width).toBeLessThanOrEqual(390);
  expect(box!.height).toBeGreaterThanOrEqual(36);
}
