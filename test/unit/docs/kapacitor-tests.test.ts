/**
 * docs/KAPACITOR-TESTS.md stays honest and current: every listed Kapacitor test has a status,
 * `matched` rows point at a test file that names the Kapacitor test, and the file is what the
 * sources render to. KAPACITOR_TESTS_WRITE=1 rewrites it instead of failing.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { check, DOC, render } from "../../support/kapacitor-tests.js";

describe("docs/KAPACITOR-TESTS.md", () => {
  it("has a sound status for every Kapacitor integration test", () => {
    expect(check()).toEqual([]);
  });

  it("is what docs/kapacitor-tests/ renders to", () => {
    const text = render();
    if (process.env["KAPACITOR_TESTS_WRITE"] === "1") writeFileSync(DOC, text);
    expect(existsSync(DOC), "run with KAPACITOR_TESTS_WRITE=1 to write it").toBe(true);
    expect(readFileSync(DOC, "utf8"), "stale: run with KAPACITOR_TESTS_WRITE=1").toBe(text);
  });
});
