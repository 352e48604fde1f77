/** Shared by the config tests: temp config files and the problem list of a failed load. */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll } from "vitest";

import { ConfigError, loadConfig, type LoadConfigOptions } from "../../../src/config/index.js";

export const REPO = fileURLToPath(new URL("../../../", import.meta.url));
export const EXAMPLE = join(REPO, "kapacitor.conf.example");

/**
 * Kapacitor 1.8's sample config, kept in the repo (a copy of shared/fixtures/kapacitor.conf)
 * so a clone tests on its own, wherever it is checked out.
 */
export function kapacitorFixture(): string {
  const p = join(REPO, "test", "fixtures", "config", "kapacitor-1.8.conf");
  if (!existsSync(p)) throw new Error(`Kapacitor's sample config is missing from the repo: ${p}`);
  return p;
}

let dir: string | undefined;
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Writes `text` to a fresh file named `name` and returns its path. */
export function confFile(text: string, name = "kapacitor.conf"): string {
  dir ??= mkdtempSync(join(tmpdir(), "tickd-config-"));
  const sub = mkdtempSync(join(dir, "c-"));
  const p = join(sub, name);
  writeFileSync(p, text);
  return p;
}

/** The problems of a load that must fail (fails the test if it loads). */
export function problemsOf(opts: LoadConfigOptions): readonly string[] {
  try {
    loadConfig(opts);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error("expected the config to be rejected, but it loaded");
}
