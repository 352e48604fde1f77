import { describe, expect, it } from "vitest";
import { parseExpression } from "../../../grammar/index.js";
import { expr } from "./helpers.js";

describe("parseExpression (topic-handler match expressions)", () => {
  it("reads a match expression with level names as identifiers", () => {
    expect(expr("\"host\" == 'a' AND level() >= WARNING")).toBe(
      "(AND (== \"host\" 'a') (>= (level()) WARNING))",
    );
    expect(expr("changed() OR level() == CRITICAL")).toBe("(OR (changed()) (== (level()) CRITICAL))");
    expect(expr('"cpu" =~ /^cpu[0-9]+$/')).toBe('(=~ "cpu" /^cpu[0-9]+$/)');
  });

  it("needs no lambda: and allows newlines and comments", () => {
    expect(expr('"a" > 1 // first\n  AND "b" < 2')).toBe('(AND (> "a" 1) (< "b" 2))');
  });

  it("fills spans relative to the expression text", () => {
    const r = parseExpression("level() >= OK", "h.yaml");
    expect(r.expr).toMatchObject({
      type: "Binary",
      op: ">=",
      span: { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 14, offset: 13 } },
      left: { type: "Call", name: "level", args: [], nameSpan: { end: { column: 6 } } },
      right: { type: "Identifier", name: "OK" },
    });
  });

  it("still flags the look-alikes: and, true, =", () => {
    const r = parseExpression('"a" = true and "b"');
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      "'=' is assignment only in var declarations; compare with ==",
      "true is written TRUE in TICKscript",
      "and is written AND in TICKscript",
    ]);
    expect(r.expr?.type).toBe("Binary");
  });

  it("does not ask for lambda: around field reads", () => {
    expect(parseExpression('"value" > 90').diagnostics).toEqual([]);
  });
});
