/**
 * The daemon logger censors secret-looking keys (password, token, api-key, …) in log fields,
 * at the top level and two levels down (src/server/logger.ts). It used to pass pino's
 * `redact` option paths like `"password"` and `*."password"`, which pino 10's redactor did not
 * match at all (quoted keys): every secret was written in clear. This test failed then.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../../src/server/logger.js";

const lines = (file: string): Record<string, unknown>[] =>
  readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((l) => {
      const { time: _t, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return rest;
    });

const R = "<redacted>";
/** Fields logged, and the line's fields expected (besides level, time, service and msg). */
const CASES: [Record<string, unknown>, Record<string, unknown>][] = [
  [
    { handler: "h", status: 200 },
    { handler: "h", status: 200 },
  ],
  [
    { password: "p1", user: "u" },
    { password: R, user: "u" },
  ],
  [
    { "api-key": "k", nested: { token: "t", keep: 1 } },
    { "api-key": R, nested: { token: R, keep: 1 } },
  ],
  [
    { a: { b: { secret: "s", sharedSecret: "x", keep: "y" } } },
    { a: { b: { secret: R, sharedSecret: R, keep: "y" } } },
  ],
  [{ a: { b: { c: { token: "too deep" } } } }, { a: { b: { c: { token: "too deep" } } } }],
  [
    { list: [{ apiKey: "a" }, { other: 1 }], authKey: "k" },
    { list: [{ apiKey: R }, { other: 1 }], authKey: R },
  ],
  [
    { a: [[{ token: "too deep" }]], b: [{ token: "one level in" }] },
    { a: [[{ token: "too deep" }]], b: [{ token: R }] },
  ],
  [
    { when: new Date(0), token: "t" },
    { when: "1970-01-01T00:00:00.000Z", token: R },
  ],
  [
    { "auth-key": { any: "object" }, "shared-secret": 5 },
    { "auth-key": R, "shared-secret": R },
  ],
];

describe("logger redaction", () => {
  let dir = "";
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("censors secret keys up to two levels down, and leaves the caller's fields alone", async () => {
    dir = mkdtempSync(join(tmpdir(), "tickd-logger-"));
    const file = join(dir, "tickd.log");
    const logger = createLogger({ destination: file });
    const before = CASES.map(([c]) => JSON.stringify(c));
    for (const [c] of CASES) logger.log("info", "line", c);
    await logger.flush();
    expect(lines(file)).toEqual(
      CASES.map(([, want]) => ({ level: 30, service: "tickd", ...want, msg: "line" })),
    );
    expect(CASES.map(([c]) => JSON.stringify(c))).toEqual(before);
  });

  it("writes nothing below the level, secret or not", async () => {
    dir = mkdtempSync(join(tmpdir(), "tickd-logger-"));
    const file = join(dir, "tickd.log");
    const logger = createLogger({ destination: file, level: "warn" });
    logger.log("info", "quiet", { token: "t" });
    logger.log("warn", "loud", { token: "t" });
    await logger.flush();
    expect(lines(file)).toEqual([{ level: 40, service: "tickd", token: R, msg: "loud" }]);
  });
});
