/**
 * Decoding on demand (ParseOptions.fields): a parse that decodes only some fields must give
 * the eager parse's points with the other fields left out — same values, same key order — and
 * exactly the eager parse's errors, whether the bad value sits in a wanted field or not.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  parseLineProtocol,
  type FieldFilter,
  type ParseOptions,
  type ParseResult,
} from "../../../src/core/line-protocol.js";
import type { Fields } from "../../../src/core/types.js";

function filterOf(want: Record<string, string[] | undefined>, other?: string[]): FieldFilter {
  return {
    fieldsFor: (m) => {
      const w = Object.hasOwn(want, m) ? want[m] : other;
      return w === undefined ? undefined : new Set(w);
    },
  };
}

function only(fields: Fields, keep: ReadonlySet<string> | undefined): Fields {
  if (keep === undefined) return fields;
  const out: Fields = {};
  for (const [k, v] of Object.entries(fields)) if (keep.has(k)) out[k] = v;
  return out;
}

/** The lazy result is the eager one with the unwanted fields removed. */
function expectSameAsEager(
  body: string | Uint8Array,
  filter: FieldFilter,
  opts: ParseOptions = {},
): ParseResult {
  const eager = parseLineProtocol(body, { now: BigInt(1e18), ...opts });
  const lazy = parseLineProtocol(body, { now: BigInt(1e18), ...opts, fields: filter });
  expect(lazy.errors).toEqual(eager.errors);
  expect(lazy.points.length).toBe(eager.points.length);
  lazy.points.forEach((p, i) => {
    const e = eager.points[i]!;
    expect(p.name).toBe(e.name);
    expect(p.tags).toEqual(e.tags);
    expect(Object.is(p.time, e.time)).toBe(true);
    const want = only(e.fields, filter.fieldsFor(e.name));
    expect(Object.keys(p.fields)).toEqual(Object.keys(want));
    for (const k of Object.keys(want)) expect(Object.is(p.fields[k], want[k])).toBe(true);
  });
  return lazy;
}

describe("line protocol: decoding only wanted fields", () => {
  it("leaves unwanted fields out and keeps every wanted value exact", () => {
    const body =
      'cpu,host=a usage_idle=97.25,usage_user=1.5,n=12i,u=18446744073709551615u,ok=true,msg="a \\"b\\"" 1732420800123456789\n' +
      "mem used=1024i,free=17.0 5\n";
    const r = expectSameAsEager(body, filterOf({ cpu: ["usage_idle", "u", "msg"] }, []));
    expect(r.points[0]!.fields).toEqual({ usage_idle: 97.25, u: 18446744073709551615n, msg: 'a "b"' });
    expect(r.points[1]!.fields).toEqual({});
  });

  it("refuses a malformed value in a field nobody reads, as the eager parse does", () => {
    const bad = [
      "cpu a=1,b=12x",
      "cpu a=1,b=1e",
      "cpu a=1,b=-",
      "cpu a=1,b=1.5i",
      "cpu a=1,b=-3u",
      "cpu a=1,b=9223372036854775808i",
      "cpu a=1,b=18446744073709551616u",
      "cpu a=1,b=1e400",
      `cpu a=1,b=${"9".repeat(309)}`,
      "cpu a=1,b=tru",
      'cpu a=1,b="open',
      'cpu a=1,b="x"y',
      "cpu a=1,b=",
      "cpu a=1,b=,c=2",
      "cpu a=1,b=@",
    ];
    for (const line of bad) {
      const r = expectSameAsEager(line + "\ncpu a=2 7\n", filterOf({ cpu: ["a"] }));
      expect(r.errors, line).toHaveLength(1);
      expect(r.points).toHaveLength(1);
    }
  });

  it("accepts the rare valid shapes of unwanted values (long integers, exponents, odd floats)", () => {
    const line =
      "cpu a=1,b=9223372036854775807i,c=-9223372036854775808i,d=18446744073709551615u,e=1.5e300," +
      `f=-.5,g=1.,h=0000000000000000001i,i=${"9".repeat(308)},j=TRUE,k=F,l=""`;
    const r = expectSameAsEager(line, filterOf({ cpu: ["a"] }));
    expect(r.errors).toEqual([]);
    expect(r.points[0]!.fields).toEqual({ a: 1 });
  });

  it("an escaped field key does not change whether the key remembered at its position is decoded", () => {
    // Found by the property below: the escaped key's "unwanted" was kept for usage_idle.
    const body = 'cpu usage_idle=0i\ncpu x\\ y="",a=1\ncpu usage_idle=2i\ncpu a=0i';
    const r = expectSameAsEager(body, filterOf({ cpu: ["usage_idle"] }));
    expect(r.points.map((p) => p.fields)).toEqual([{ usage_idle: 0n }, {}, { usage_idle: 2n }, {}]);
  });

  const key = fc.constantFrom("a", "b", "c", "usage_idle", "x\\ y", "n");
  const value = fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
    fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }).map((v) => `${v}i`),
    fc.bigInt({ min: -10n, max: 2n ** 65n }).map((v) => `${v}u`),
    fc.constantFrom("t", "T", "true", "True", "TRUE", "f", "FALSE", "false", "False", "fa", "truee"),
    fc.string({ maxLength: 6 }).map((s) => `"${s.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`),
    fc.constantFrom(
      "1e",
      "1e+",
      "-",
      ".",
      "1.5i",
      "-0u",
      "1e309",
      "-1e-400",
      '"open',
      "12x",
      "",
      "0x10",
      "1_0",
    ),
    fc.string({ unit: fc.constantFrom(...'0123456789.-+eEiu"t'), maxLength: 8 }),
  );
  const field = fc.tuple(key, value).map(([k, v]) => `${k}=${v}`);
  const line = fc
    .tuple(
      fc.constantFrom("cpu", "mem", "disk\\,x"),
      fc.constantFrom("", ",host=a", ",host=b,cpu=cpu0"),
      fc.array(field, { minLength: 1, maxLength: 6 }),
      fc.constantFrom("", " 1732420800123456789", " 17", " -5", " x"),
    )
    .map(([m, t, fs, ts]) => `${m}${t} ${fs.join(",")}${ts}`);
  const want = fc.option(fc.subarray(["a", "b", "c", "usage_idle", "x y", "n"]), { nil: undefined });

  it("property: lazy and eager parses give identical values and errors", () => {
    fc.assert(
      fc.property(
        fc.array(line, { minLength: 1, maxLength: 8 }),
        want,
        want,
        want,
        fc.boolean(),
        (lines, cpu, mem, other, asBytes) => {
          const body = lines.join("\n");
          const filter = filterOf({ cpu, mem }, other);
          expectSameAsEager(asBytes ? Buffer.from(body) : body, filter);
        },
      ),
      { numRuns: 1500 },
    );
  });
});
