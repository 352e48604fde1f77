import { describe, expect, it } from "vitest";
import { compileMatch, MatchError } from "../../../src/alert/match.js";
import { alertEvent, Level, SECOND } from "./helpers.js";

function match(expr: string, level: Level, previousLevel: Level, tags = { host: "serverA" }): boolean {
  const m = compileMatch(expr);
  if (m === undefined) throw new Error("no expression");
  return m.matches(alertEvent("cpu:nil", level, { tags, duration: 90 * SECOND }), previousLevel);
}

describe("compileMatch", () => {
  it("has no matcher for an empty expression", () => {
    expect(compileMatch("")).toBeUndefined();
    expect(compileMatch("   ")).toBeUndefined();
  });

  it(`Kapacitor's example: "host" == 'serverA' AND level() == CRITICAL`, () => {
    const expr = `"host" == 'serverA' AND level() == CRITICAL`;
    expect(match(expr, Level.CRITICAL, Level.OK)).toBe(true);
    expect(match(expr, Level.WARNING, Level.OK)).toBe(false);
    expect(match(expr, Level.CRITICAL, Level.OK, { host: "serverB" })).toBe(false);
  });

  it("changed() compares with the previous level", () => {
    expect(match("changed() == TRUE", Level.CRITICAL, Level.OK)).toBe(true);
    expect(match("changed() == TRUE", Level.CRITICAL, Level.CRITICAL)).toBe(false);
    expect(match("changed()", Level.OK, Level.WARNING)).toBe(true);
  });

  it("level() >= WARNING, and every level identifier", () => {
    expect(match("level() >= WARNING", Level.WARNING, Level.OK)).toBe(true);
    expect(match("level() >= WARNING", Level.CRITICAL, Level.OK)).toBe(true);
    expect(match("level() >= WARNING", Level.INFO, Level.OK)).toBe(false);
    expect(match("level() == OK OR level() == INFO", Level.OK, Level.OK)).toBe(true);
  });

  it("name(), taskName(), alertDuration() and built-ins", () => {
    expect(match("name() == 'cpu' AND taskName() == 'cpu_alert'", Level.CRITICAL, Level.OK)).toBe(true);
    expect(match("alertDuration() > 1m", Level.CRITICAL, Level.OK)).toBe(true);
    expect(match("alertDuration() > 2m", Level.CRITICAL, Level.OK)).toBe(false);
    expect(match(`strHasPrefix("host", 'server')`, Level.CRITICAL, Level.OK)).toBe(true);
    expect(match(`"host" =~ /^server[AB]$/`, Level.CRITICAL, Level.OK)).toBe(true);
  });

  it("a missing tag is an error naming the tag", () => {
    expect(() => match(`"dc" == 'eu'`, Level.CRITICAL, Level.OK)).toThrow("no tag exists for dc");
  });

  it("reads tags only, never fields", () => {
    // The helper's event has the field "value"; a match cannot see it.
    expect(() => match(`"value" > 10.0`, Level.CRITICAL, Level.OK)).toThrow("no tag exists for value");
  });

  it("rejects a syntax error with its position", () => {
    const err = catchError(() => compileMatch(`"host" == 'a' AND`));
    expect(err).toBeInstanceOf(MatchError);
    expect(err).toMatchObject({ code: "E_HANDLER_SPEC", line: 1 });
    expect((err as MatchError).column).toBeGreaterThan(1);
    expect((err as Error).message).toMatch(/^invalid match expression: .*\(line 1, column \d+\)$/);
  });

  it("rejects unknown identifiers, with a hint", () => {
    const err = catchError(() => compileMatch("level() == CRITCAL")) as MatchError;
    expect(err).toMatchObject({ code: "E_HANDLER_SPEC", line: 1, column: 12 });
    expect(err.message).toContain("unknown identifier CRITCAL; did you mean CRITICAL?");
  });

  it("has no duration() match function: duration() is the cast", () => {
    expect(() => compileMatch("duration() > 5s")).toThrow(MatchError);
    expect(compileMatch("duration(5, 1s) == 5s")).toBeDefined();
  });

  it("rejects a non-boolean expression", () => {
    expect(() => compileMatch("level()")).toThrow(/must evaluate to a boolean/);
  });
});

function catchError(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("expected an error");
}
