// shift.go adds the duration to every time; sample.go keeps every nth point of a group
// (count % n == 0, from the first) or the points whose time is a multiple of the duration.
import { describe, expect, it } from "vitest";
import { run } from "./harness.js";

describe("shift", () => {
  it("moves point times forward and backward", () => {
    const fwd = run(`stream|from().measurement('m')|shift(5m)|alert().crit(lambda: TRUE)`);
    fwd.write("m", {}, { v: 1 }, 1000);
    expect(fwd.events[0]!.state.time).toBe(1300000000000n);
    const back = run(`stream|from().measurement('m')|shift(-10s)|alert().crit(lambda: TRUE)`);
    back.write("m", {}, { v: 1 }, 1000);
    expect(back.events[0]!.state.time).toBe(990_000_000_000n);
  });

  it("shifts windowed batches and their points", () => {
    const r = run(
      `stream|from().measurement('m')|window().period(10s).every(10s)|shift(1h)|alert().crit(lambda: TRUE)`,
    );
    for (const t of [0, 5, 10]) r.write("m", {}, { v: 1 }, t);
    expect(r.events).toHaveLength(1);
    const s = r.events[0]!.data.series[0]!;
    expect(s.values.map((row) => row[0])).toEqual([3_600_000_000_000n, 3_605_000_000_000n]);
  });
});

describe("sample", () => {
  it("keeps the 1st, 4th, 7th … point of each group for sample(3)", () => {
    const r = run(
      `stream|from().measurement('m').groupBy('h')|sample(3)|alert().crit(lambda: TRUE).id('{{ .Group }}')`,
    );
    for (let t = 1; t <= 7; t++) r.write("m", { h: "a" }, { v: t }, t);
    r.write("m", { h: "b" }, { v: 100 }, 8);
    expect(r.events.map((e) => [e.data.tags.h, e.data.fields.v])).toEqual([
      ["a", 1],
      ["a", 4],
      ["a", 7],
      ["b", 100],
    ]);
  });

  it("keeps points whose time is a multiple of the duration", () => {
    const r = run(`stream|from().measurement('m')|sample(10s)|alert().crit(lambda: TRUE)`);
    for (const t of [3, 10, 15, 20, 20.5, 30]) r.write("m", {}, { v: t }, t);
    expect(r.events.map((e) => Number(e.state.time) / 1e9)).toEqual([10, 20, 30]);
  });
});
