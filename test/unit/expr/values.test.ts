import { describe, expect, it } from "vitest";
import {
  Duration,
  formatDuration,
  formatFloatFixed,
  Missing,
  parseDuration,
  Regex,
  Time,
  typeName,
} from "../../../src/expr/index.js";

describe("typeName", () => {
  it("names every runtime type", () => {
    expect(
      [1.5, 1n, "s", true, new Duration(1), new Time(1n), new Regex("a", /a/), new Missing("x")].map(
        typeName,
      ),
    ).toEqual(["float", "int", "string", "bool", "duration", "time", "regex", "missing"]);
  });
});

describe("formatFloatFixed (Go 'f', -1)", () => {
  it.each([
    [2500000, "2500000"],
    [0.00001, "0.00001"],
    [1e21, "1000000000000000000000"],
    [1.5e-7, "0.00000015"],
    [123456.5, "123456.5"],
    [-0.5, "-0.5"],
    [0, "0"],
    [-0, "-0"],
    [NaN, "NaN"],
    [Infinity, "+Inf"],
    [-Infinity, "-Inf"],
  ])("%s → %s", (f, s) => {
    expect(formatFloatFixed(f)).toBe(s);
  });
});

describe("durations", () => {
  it("format with the largest exact unit", () => {
    expect([0, 1, 1500, 2e6, 90e9, 3600e9, 86400e9, 604800e9, 1.5e9].map(formatDuration)).toEqual([
      "0s",
      "1ns",
      "1500ns",
      "2ms",
      "90s",
      "1h",
      "1d",
      "1w",
      "1500ms",
    ]);
    expect(String(new Duration(60e9))).toBe("1m");
  });
  it("parse InfluxQL duration text", () => {
    expect(parseDuration("1h30m")).toBe(5400e9);
    expect(parseDuration("10ms")).toBe(1e7);
    expect(parseDuration("3u")).toBe(3000);
    expect(parseDuration("3µ")).toBe(3000);
    expect(parseDuration("7ns")).toBe(7);
    expect(parseDuration("-2w")).toBe(-1209600e9);
    expect(parseDuration("1")).toBeUndefined();
    expect(parseDuration("1x")).toBeUndefined();
    expect(parseDuration("s")).toBeUndefined();
    expect(parseDuration("1.5s")).toBeUndefined();
  });
});
