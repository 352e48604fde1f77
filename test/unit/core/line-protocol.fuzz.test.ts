/**
 * Robustness of the line-protocol parser against random and mutated input: it never throws,
 * and every error points at a real line. Runaway (e.g. quadratic) behaviour on the megabyte
 * pathological bodies shows as the test's timeout; speed itself is measured by `npm run bench`,
 * never asserted here.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatPoints, parseLineProtocol, type ParseResult } from "../../../src/core/line-protocol.js";
import type { Point } from "../../../src/core/types.js";

/**
 * Parses and checks the result's invariants. The checks are plain
 * comparisons collected into one list: a body can yield hundreds of thousands of errors.
 */
function parseChecked(body: string): ParseResult {
  let result: ParseResult | undefined;
  expect(() => {
    result = parseLineProtocol(body, { now: BigInt(1e18) });
  }).not.toThrow();
  const r = result!;
  const problems: string[] = [];
  // The parser reads UTF-8, where a lone surrogate has no encoding and becomes U+FFFD.
  const physical = Buffer.from(body, "utf8").toString("utf8").split("\n");
  let prevLine = 0;
  for (const e of r.errors) {
    const where = `${JSON.stringify(e)} in ${JSON.stringify(body.slice(0, 300))}`;
    if (!Number.isInteger(e.line) || e.line < 1 || e.line > physical.length)
      problems.push(`bad line: ${where}`);
    if (e.line <= prevLine) problems.push(`lines not increasing: ${where}`);
    if (!Number.isInteger(e.column) || e.column < 1) problems.push(`bad column: ${where}`);
    if (e.message.length === 0 || e.text.length > 200) problems.push(`bad message or text: ${where}`);
    // The text is the start of the line the error names.
    if (!(physical[e.line - 1] ?? "").startsWith(e.text.split("\n")[0]!))
      problems.push(`text mismatch: ${where}`);
    prevLine = e.line;
    if (problems.length > 5) break;
  }
  for (const p of r.points) {
    const bad = pointProblem(p);
    if (bad !== undefined) problems.push(`${bad}: ${JSON.stringify(p, (_k, v: unknown) => String(v))}`);
    if (problems.length > 5) break;
  }
  expect(problems).toEqual([]);
  return r;
}

function pointProblem(p: Point): string | undefined {
  if (typeof p.name !== "string" || p.name.length === 0) return "empty name";
  if (typeof p.time !== "bigint" || p.time < -(2n ** 63n) || p.time >= 2n ** 63n) return "time not an int64";
  if (Object.getPrototypeOf(p.tags) !== Object.prototype) return "tags prototype changed";
  if (Object.getPrototypeOf(p.fields) !== Object.prototype) return "fields prototype changed";
  for (const v of Object.values(p.tags)) if (typeof v !== "string") return "tag value not a string";
  const values = Object.values(p.fields);
  if (values.length === 0) return "no fields";
  for (const v of values) {
    if (typeof v === "number" ? !Number.isFinite(v) : !["bigint", "string", "boolean"].includes(typeof v)) {
      return "bad field value";
    }
  }
  return undefined;
}

/** Characters that matter to the grammar, weighted towards the tricky ones. */
const lpChar = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(..."abcxyz019") },
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      ",",
      "=",
      " ",
      '"',
      "\\",
      "\n",
      "\r",
      "\t",
      "#",
      "-",
      ".",
      "e",
      "i",
      "u",
      "t",
      "f",
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
);

const validLine = fc.constantFrom(
  "cpu,host=a,cpu=cpu0 usage_user=1.5,usage_idle=97.25 1732420800000000000",
  'syslog,app=x\\ y msg="hello, \\"world\\"",severity=3i 1732420800123456789',
  "mem used=1024i,free=18446744073709551615u,ok=true",
  "disk\\,x,path=/var\\=1 used_percent=-1.5e-3 -17",
  'note text="multi\nline" 5',
  "# comment",
  "",
);

type Mutation = { at: number; kind: "insert" | "delete" | "replace" | "duplicate"; text: string };

const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom("insert", "delete", "replace", "duplicate"),
  text: fc.string({ unit: lpChar, minLength: 1, maxLength: 4 }),
});

function mutate(body: string, ms: Mutation[]): string {
  let s = body;
  for (const m of ms) {
    const at = s.length === 0 ? 0 : m.at % s.length;
    switch (m.kind) {
      case "insert":
        s = s.slice(0, at) + m.text + s.slice(at);
        break;
      case "delete":
        s = s.slice(0, at) + s.slice(at + m.text.length);
        break;
      case "replace":
        s = s.slice(0, at) + m.text + s.slice(at + m.text.length);
        break;
      case "duplicate":
        s = s.slice(0, at) + s.slice(at, at + 40) + s.slice(at);
        break;
    }
  }
  return s;
}

// Hundreds of random bodies per property: room for a loaded machine (speed is not the claim).
describe("line-protocol fuzz", { timeout: 60_000 }, () => {
  it("random bodies never throw and errors name real lines", () => {
    fc.assert(
      fc.property(fc.string({ unit: lpChar, maxLength: 300 }), (body) => {
        parseChecked(body);
      }),
      { numRuns: 3000 },
    );
  });

  it("random unicode bodies never throw", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (body) => {
        parseChecked(body);
      }),
      { numRuns: 1000 },
    );
  });

  it("mutated valid bodies never throw; lines the mutations missed still parse", () => {
    fc.assert(
      fc.property(
        fc.array(validLine, { minLength: 1, maxLength: 12 }),
        fc.array(mutation, { maxLength: 6 }),
        fc.boolean(),
        (lines, ms, crlf) => {
          const body = mutate(lines.join(crlf ? "\r\n" : "\n"), ms);
          const r = parseChecked(body);
          if (ms.length === 0) {
            expect(r.errors).toEqual([]);
            expect(r.points).toHaveLength(lines.filter((l) => l !== "" && !l.startsWith("#")).length);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("parsing the UTF-8 bytes of a body equals parsing the body as a string", () => {
    fc.assert(
      fc.property(
        fc.array(validLine, { minLength: 1, maxLength: 12 }),
        fc.array(mutation, { maxLength: 6 }),
        fc.constantFrom("", "é", "日本", "😀"),
        (lines, ms, extra) => {
          // Non-ASCII text takes the decoding path; positions must still come out in characters.
          const body = mutate(lines.join("\n").replaceAll("a", "a" + extra), ms);
          const fromString = parseChecked(body);
          const fromBytes = parseLineProtocol(Buffer.from(body, "utf8"), { now: BigInt(1e18) });
          expect(fromBytes).toEqual(fromString);
          const padded = Buffer.from("xx" + body, "utf8"); // a view that starts inside its buffer
          const view = new Uint8Array(padded.buffer, padded.byteOffset + 2, padded.length - 2);
          expect(parseLineProtocol(view, { now: BigInt(1e18) })).toEqual(fromString);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("parsing a body equals parsing its lines one by one (no state leaks between lines)", () => {
    fc.assert(
      fc.property(
        fc.array(validLine, { minLength: 1, maxLength: 12 }),
        fc.array(mutation, { maxLength: 6 }),
        (lines, ms) => {
          // Without quotes every newline ends a record, so the body splits into lines exactly.
          const body = mutate(lines.join("\n"), ms).replaceAll('"', "");
          const whole = parseChecked(body);
          const parts = body.split("\n").map((l) => parseLineProtocol(l, { now: BigInt(1e18) }));
          expect(whole.points).toEqual(parts.flatMap((r) => r.points));
          expect(whole.errors.map((e) => e.message)).toEqual(
            parts.flatMap((r) => r.errors.map((e) => e.message)),
          );
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("formatted points stay parseable when every line is mutated independently", () => {
    const p: Point = {
      name: "m",
      tags: { host: "h 1", dc: "x,y" },
      fields: { a: 1.25, b: 2n, c: 'q"\\', d: false },
      time: 1732420800000000000n,
    };
    fc.assert(
      fc.property(
        fc.array(fc.array(mutation, { maxLength: 2 }), { minLength: 1, maxLength: 8 }),
        (perLine) => {
          const body = perLine.map((ms) => mutate(formatPoints([p]).trimEnd(), ms)).join("\n");
          parseChecked(body);
        },
      ),
      { numRuns: 1000 },
    );
  });

  // Megabyte-sized bodies: each parse is held to the ceiling, the test as a whole gets room.
  it("pathological megabyte inputs parse without throwing, errors on real lines", { timeout: 60_000 }, () => {
    const big = 1_000_000;
    const bodies = [
      "m f=" + "9".repeat(big),
      "m f=1 " + "9".repeat(big),
      "m f=" + "1".repeat(big) + "i",
      "m f=" + "1".repeat(10 * big) + "i",
      'm f="' + "\\".repeat(big),
      'm f="' + "\\\\".repeat(big / 2) + '"',
      "m" + "\\".repeat(big) + " f=1",
      "m," + "k=v,".repeat(big / 4) + " f=1",
      "m " + "f=1,".repeat(big / 4),
      "m " + Array.from({ length: big / 8 }, (_, i) => `f${i}=1`).join(","),
      '"'.repeat(big),
      "=".repeat(big),
      'm,k=a=b f="x\n'.repeat(big / 12),
      'm f=zz,g="\n'.repeat(big / 12),
      "bad\n".repeat(big / 4),
      "#".repeat(big),
      " ".repeat(big) + "m f=1",
      "\r\n".repeat(big / 2),
      "m f=" + "1.".repeat(big / 2),
    ];
    for (const body of bodies) parseChecked(body);
  });
});
