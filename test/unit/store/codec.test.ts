import { describe, expect, it } from "vitest";
import type { TickdError } from "../../../src/core/errors.js";
import { decodeJson, encodeJson, nsFromDb, nsToDb, timeToDb } from "../../../src/store/codec.js";
import { StoreErrorCodes } from "../../../src/store/index.js";

describe("ns codec", () => {
  it("binds a time inside int64 as it is and refuses one just outside", () => {
    for (const t of [-(2n ** 63n), 0n, 2n ** 63n - 1n]) expect(timeToDb(t, "t")).toBe(t);
    for (const t of [-(2n ** 63n) - 1n, 2n ** 63n])
      expect(() => timeToDb(t, "event time")).toThrow(`event time ${t} ns is outside int64`);
  });

  it("binds whole ns as bigint and anything else as the same double", () => {
    expect(nsToDb(1_732_420_800_123_456_768, "t")).toBe(1_732_420_800_123_456_768n);
    expect(nsToDb(0, "t")).toBe(0n);
    expect(nsToDb(-(2 ** 63), "t")).toBe(-(2n ** 63n));
    expect(nsToDb(2 ** 63, "t")).toBe(2 ** 63); // beyond int64: a REAL
    expect(nsToDb(0.25, "t")).toBe(0.25);
  });

  it("reads back the very float that was written", () => {
    const samples = [
      0,
      1,
      2 ** 53 + 2,
      1_732_420_800_123_456_768,
      -1_732_420_800_123_456_768,
      9.2e18,
      2 ** 63 - 1024,
    ];
    for (const ns of samples) {
      const db = nsToDb(ns, "t");
      expect(Object.is(nsFromDb(db, "t"), ns)).toBe(true);
    }
  });

  it("refuses NaN and infinities, and a non-number read", () => {
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => nsToDb(v, "time")).toThrow(/time must be a finite number/);
    }
    try {
      nsFromDb("12", "time");
      expect.unreachable();
    } catch (e) {
      expect((e as TickdError).code).toBe(StoreErrorCodes.CORRUPT);
    }
  });
});

describe("JSON codec", () => {
  const roundTrip = (v: unknown): unknown => decodeJson(encodeJson(v, "test"), "test");

  it("keeps bigints, floats JSON cannot spell, and $-keys apart", () => {
    const v = {
      i: 123n,
      huge: -(2n ** 100n),
      f: 123,
      nan: Number.NaN,
      inf: Number.NEGATIVE_INFINITY,
      negZero: -0,
      list: [1n, 1, null, "1"],
      $int64: "user data",
      $$x: { $float: "also user data" },
    };
    const got = roundTrip(v) as typeof v;
    expect(got).toEqual(v);
    expect(got.i).toBe(123n);
    expect(typeof got.f).toBe("number");
    expect(Number.isNaN(got.nan)).toBe(true);
    expect(Object.is(got.negZero, -0)).toBe(true);
    expect(got.$int64).toBe("user data");
    expect(got.$$x).toEqual({ $float: "also user data" });
  });

  it("drops undefined properties and writes undefined list items as null, like JSON", () => {
    expect(roundTrip({ a: undefined, b: [undefined] })).toEqual({ b: [null] });
  });

  it("refuses what JSON would silently lose or mangle", () => {
    for (const v of [new Map(), new Date(0), () => 1, Symbol("s"), new Set([1])]) {
      try {
        encodeJson({ v }, "options");
        expect.unreachable();
      } catch (e) {
        expect((e as TickdError).code).toBe(StoreErrorCodes.VALUE);
      }
    }
  });

  it("reports unreadable stored JSON as E_STORE_CORRUPT", () => {
    try {
      decodeJson("{", "vars");
      expect.unreachable();
    } catch (e) {
      expect((e as TickdError).code).toBe(StoreErrorCodes.CORRUPT);
    }
  });
});
