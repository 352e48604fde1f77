/**
 * Property tests: whatever the input, parse and parseExpression return (never throw), in
 * bounded time, with diagnostics that point inside the text. The time bound is generous and
 * per input; it catches runaway recovery or regex backtracking, not ordinary slowness.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse, parseExpression, type Diagnostic } from "../../../grammar/index.js";

const VALID = `dbrp "telegraf"."autogen"
// cpu alert
var period = 10s
var crit float
var groups = ['host', *]
var data = stream
  |from()
    .measurement('cpu')
    .where(lambda: "cpu" == 'cpu-total' AND "host" =~ /web\\/[0-9]+/)
    .groupBy(groups)
  |window()
    .period(period)
    .every(10s)
  |mean('usage_idle')
    .as('value')
data
  |eval(lambda: 100.0 - "value", lambda: -"x" * 2 / 3 % 4)
    .as('used')
  |alert()
    .id('{{ .Name }}')
    .message('''multi
line''')
    .crit(lambda: "used" > crit OR !("used" <= 0644))
    .stateChangesOnly()
    .flapping(0.25, 0.5)
    .victorOps()
    .routingKey('team\\'s')
  @myUdf().opt(1)
`;

/** Characters that matter to the lexer, so mutations hit interesting paths often. */
const SPICY = [..."()[]|.@,'\"/\\*-+!=<>~:; \n\t#0123456789sumhdwµ_AND OR TRUE lambda: var dbrp"];

type Edit =
  | { kind: "delete"; at: number; len: number }
  | { kind: "insert"; at: number; text: string }
  | { kind: "swap"; at: number; with: number };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), len: fc.integer({ min: 1, max: 4 }) }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    text: fc.oneof(fc.constantFrom(...SPICY), fc.string({ maxLength: 3 })),
  }),
  fc.record({ kind: fc.constant("swap" as const), at: fc.nat(), with: fc.nat() }),
);

function apply(text: string, e: Edit): string {
  const at = text.length === 0 ? 0 : e.at % (text.length + 1);
  switch (e.kind) {
    case "delete":
      return text.slice(0, at) + text.slice(at + e.len);
    case "insert":
      return text.slice(0, at) + e.text + text.slice(at);
    case "swap": {
      if (text.length < 2) return text;
      const i = Math.min(at, text.length - 1);
      const j = e.with % text.length;
      const chars = [...text];
      const a = chars[i] ?? "";
      chars[i] = chars[j] ?? "";
      chars[j] = a;
      return chars.join("");
    }
  }
}

function checkPositions(text: string, ds: Diagnostic[]): void {
  const lines = text.split(/\r\n|\r|\n/);
  for (const d of ds) {
    const line = lines[d.line - 1];
    expect(line, `line ${d.line} of ${JSON.stringify(text)}`).toBeDefined();
    expect(Number.isInteger(d.column) && d.column >= 1, JSON.stringify(d)).toBe(true);
    expect(d.column, JSON.stringify(d)).toBeLessThanOrEqual((line ?? "").length + 1);
    expect(d.endLine >= d.line, JSON.stringify(d)).toBe(true);
    if (d.endLine === d.line) expect(d.endColumn).toBeGreaterThanOrEqual(d.column);
    expect(d.code === "E_TICK_LEX" || d.code === "E_TICK_PARSE").toBe(true);
    expect(d.message.length).toBeGreaterThan(0);
  }
}

function exercise(text: string): void {
  const r = parse(text);
  checkPositions(text, r.diagnostics);
  const e = parseExpression(text);
  checkPositions(text, e.diagnostics);
}

// Thousands of parses per property: give the suite room on slow machines.
describe("robustness", { timeout: 60_000 }, () => {
  it("the seed script is valid", () => {
    expect(parse(VALID).diagnostics).toEqual([]);
  });

  it("mutations of a valid script never throw and point inside the text", () => {
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 6 }), (edits) => {
        exercise(edits.reduce(apply, VALID));
      }),
      { numRuns: 600 },
    );
  });

  it("random strings never throw and point inside the text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200, unit: "binary" }), (text) => exercise(text)),
      { numRuns: 400 },
    );
  });

  it("random token soups never throw and point inside the text", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...SPICY, "stream", "|from()", ".period(", "lambda:"), { maxLength: 80 }),
        (parts) => exercise(parts.join("")),
      ),
      { numRuns: 400 },
    );
  });

  it("an invalid script always gets at least one diagnostic", () => {
    for (const bad of [
      "stream |",
      "var",
      "dbrp",
      "var x =",
      "stream |from(",
      "'",
      '"',
      "/",
      "(",
      "[",
      "lambda:",
    ]) {
      expect(parse(bad).diagnostics.length, bad).toBeGreaterThan(0);
    }
  });

  it("survives pathological inputs", () => {
    exercise("(".repeat(2000));
    exercise("'".repeat(3001));
    exercise('"'.repeat(3001));
    exercise("/".repeat(3001));
    exercise("stream" + "|from()".repeat(2000));
    exercise("var x = " + "-".repeat(2000) + "1");
    exercise("var x = lambda: " + Array.from({ length: 2000 }, (_, i) => `"f${i}"`).join(" + "));
  });
});
