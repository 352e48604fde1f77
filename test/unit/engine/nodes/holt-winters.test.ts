// TestStream_HoltWinters / TestStream_HoltWintersWithFit (integrations/streamer_test.go):
// holtWinters after a window, per group, forecasts after the last point; field "holtWinters",
// forecast times as point times. Expected values are what InfluxDB 1.6.7's HOLT_WINTERS() /
// HOLT_WINTERS_WITH_FIT() answered for the same data (GROUP BY time(1s), first()); the
// integration suite checks more series against the live server.
import { describe, expect, it } from "vitest";
import { compileInfluxQL } from "../../../../src/engine/influxql/index.js";
import { holtWinters } from "../../../../src/engine/influxql/holt-winters.js";
import { run, S } from "./harness.js";

const T0 = 31_536_000; // 1971-01-01T00:00:00Z, in seconds
const VALUES = [1000.0, 1001.5, 1002.25, 1004.0, 1004.5, 1006.75, 1007.0, 1008.5, 1010.25, 1010.5];

function feed(script: string) {
  const r = run(script);
  VALUES.forEach((v, i) => {
    r.write("packets", { host: "serverA" }, { value: v }, T0 + i);
    r.write("packets", { host: "serverB" }, { value: v * 2 }, T0 + i);
  });
  r.write("packets", { host: "serverA" }, { value: 0 }, T0 + 10); // closes the window
  r.write("packets", { host: "serverB" }, { value: 0 }, T0 + 10);
  return r;
}

const rowsOf = (r: ReturnType<typeof run>) =>
  (r.out("hw").result().series ?? []).map((s) => [
    s.tags,
    s.columns,
    s.values.map(([t, v]) => [Number(t) / S - T0, v]),
  ]);

describe("holtWinters", () => {
  it("forecasts h points after each group's window (m = 0: no season)", () => {
    const r = feed(`stream|from().measurement('packets').groupBy('host')
|window().period(10s).every(10s)|holtWinters('value', 3, 0, 1s)|httpOut('hw')`);
    expect(r.logs.filter((l) => l.level !== "debug")).toEqual([]);
    expect(rowsOf(r)).toEqual([
      [
        { host: "serverA" },
        ["time", "holtWinters"],
        [
          [10, 1011.2778720504209],
          [11, 1011.9081450790188],
          [12, 1012.448285876912],
        ],
      ],
      [
        { host: "serverB" },
        ["time", "holtWinters"],
        [
          [10, 2022.8826987452308],
          [11, 2024.3623119567285],
          [12, 2025.6905438864055],
        ],
      ],
    ]);
  });

  it("withFit: the fitted values from the first point, then the forecasts (m = 3)", () => {
    const r = feed(`stream|from().measurement('packets').where(lambda: "host" == 'serverA')
|window().period(10s).every(10s)|holtWintersWithFit('value', 2, 3, 1s).as('hw')|httpOut('hw')`);
    const want = [
      1000, 1003.3360911063598, 1002.5272859443936, 1002.2495019606507, 1006.3167664456857,
      1006.5126091949567, 1006.7874085663072, 1009.865300957544, 1010.0294762363643, 1010.2932296760374,
      1012.4110931244404, 1012.4217267324814,
    ];
    expect(rowsOf(r)).toEqual([[{}, ["time", "hw"], want.map((v, i) => [i, v])]]);
  });

  it("returns nothing for fewer than 2 points or fewer points than a season", () => {
    expect(holtWinters([{ time: 0n, value: 1 }], 3, 0, false, S)).toEqual([]);
    const two = [
      { time: 0n, value: 1 },
      { time: BigInt(S), value: 2 },
    ];
    expect(holtWinters(two, 3, 4, false, S)).toEqual([]);
    expect(holtWinters(two, 3, 0, false, S)).toHaveLength(3);
  });

  it("checks its arguments", () => {
    const call = (args: (number | bigint)[]) => () =>
      compileInfluxQL({ method: "holtWinters", field: "v", args }, "holtWinters1");
    expect(call([0n, 0n, S])).toThrow(/h must be a positive integer/);
    expect(call([3n, -1n, S])).toThrow(/m must be a non-negative integer/);
    expect(call([3n, 0n, 0])).toThrow(/interval must be a positive duration/);
  });
});
