/**
 * The parser remembers what earlier lines of a body looked like (identifiers, whole tag
 * sections, timestamps) and matches later lines against it by bytes. Whatever it remembers,
 * a line must parse exactly as it parses alone: same points, same errors at the same columns,
 * with or without a field filter. Bodies here are made of near-misses of each other: tag
 * sections that are prefixes of others, differ in one byte, hold escapes, or break further on.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseLineProtocol, type FieldFilter, type ParseResult } from "../../../src/core/line-protocol.js";

const NOW = BigInt(1e18);

const wantIdle: FieldFilter = { fieldsFor: (m) => (m === "cpu" ? new Set(["usage_idle"]) : new Set()) };

/** A body's result, line by line, as if each line were parsed alone. */
function alone(body: string, fields: FieldFilter | undefined): ParseResult {
  const out: ParseResult = { points: [], errors: [] };
  body.split("\n").forEach((line, k) => {
    const r = parseLineProtocol(line, fields === undefined ? { now: NOW } : { now: NOW, fields });
    out.points.push(...r.points);
    out.errors.push(...r.errors.map((e) => ({ ...e, line: k + 1 })));
  });
  return out;
}

const measurement = fc.constantFrom("cpu", "cpu", "mem", "cpux", "c\\ pu");
const head = fc.constantFrom(
  "",
  ",host=a",
  ",host=a",
  ",host=ab",
  ",host=a,cpu=cpu0",
  ",host=a,cpu=cpu0",
  ",host=a,cpu=cpu1",
  ",host=a,cpu=cpu10",
  ",host=b,cpu=cpu0",
  ",host=a\\ b",
  ",host=a\\,cpu=cpu0",
  ",host=a,host=a",
  ",host=a=b",
  ",host=",
  ",host",
  ",=a",
);
const sep = fc.constantFrom(" ", " ", "  ", ",", "\t", "", "\\ ");
const field = fc.tuple(
  fc.constantFrom("usage_idle", "usage_user", "n", "usage_idl"),
  fc.constantFrom("1", "97.25", "-1.5", "12i", "1e", "x", '"s"', "true", "", "1234567890.0123456789"),
);
const fieldsText = fc
  .array(field, { minLength: 0, maxLength: 4 })
  .map((fs) => fs.map(([k, v]) => `${k}=${v}`).join(","));
const time = fc.constantFrom("", " 1732420800000000000", " 1732420800000000001", " x", " 17 18");
const line = fc
  .tuple(measurement, head, sep, fieldsText, time)
  .map(([m, h, s, f, t]) => `${m}${h}${s}${f}${t}`);

describe("line protocol: lines that repeat earlier ones", () => {
  it("property: a body parses as its lines parse alone, filtered or not", () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 24 }), fc.boolean(), (lines, filtered) => {
        const body = lines.join("\n");
        const fields = filtered ? wantIdle : undefined;
        const whole = parseLineProtocol(
          Buffer.from(body),
          fields === undefined ? { now: NOW } : { now: NOW, fields },
        );
        const parts = alone(body, fields);
        expect(whole.errors).toEqual(parts.errors);
        expect(whole.points).toEqual(parts.points);
      }),
      { numRuns: 1500 },
    );
  });

  it("gives a repeated tag section its own tags when what follows differs", () => {
    const body = [
      "cpu,host=a,cpu=cpu0 usage_idle=1 1",
      "cpu,host=a,cpu=cpu0,x=y usage_idle=2 2",
      "cpu,host=a,cpu=cpu0 usage_idle=3 3",
      "cpu,host=a,cpu=cpu00 usage_idle=4 4",
      "cpu,host=a,cpu=cpu0=1 usage_idle=5 5",
      "cpu,host=a,cpu=cpu0",
      "cpu,host=a,cpu=cpu0 usage_idle=7 7",
    ].join("\n");
    const r = parseLineProtocol(body, { fields: wantIdle });
    expect(r.points.map((p) => [p.tags, p.fields, p.time])).toEqual([
      [{ host: "a", cpu: "cpu0" }, { usage_idle: 1 }, 1n],
      [{ host: "a", cpu: "cpu0", x: "y" }, { usage_idle: 2 }, 2n],
      [{ host: "a", cpu: "cpu0" }, { usage_idle: 3 }, 3n],
      [{ host: "a", cpu: "cpu00" }, { usage_idle: 4 }, 4n],
      [{ host: "a", cpu: "cpu0" }, { usage_idle: 7 }, 7n],
    ]);
    expect(r.errors.map((e) => [e.line, e.column, e.message])).toEqual([
      [5, 20, 'unescaped "=" in the value of tag "cpu"'],
      [6, 20, "missing fields"],
    ]);
  });
});
