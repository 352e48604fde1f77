// change_detect.go: a point passes when a listed field differs from the last point that passed
// in its group; the first point always passes; values compare with their type (int 1 != 1.0).
import { describe, expect, it } from "vitest";
import { run } from "./harness.js";

describe("changeDetect", () => {
  it("passes the first point and then only changes, per group", () => {
    const r = run(
      `stream|from().measurement('m').groupBy('host')|changeDetect('state')|alert().crit(lambda: TRUE).id('{{ .Group }}')`,
    );
    const seq: [string, string, number][] = [
      ["a", "up", 1],
      ["a", "up", 2],
      ["b", "up", 3],
      ["a", "down", 4],
      ["a", "down", 5],
      ["b", "up", 6],
      ["a", "up", 7],
    ];
    for (const [host, state, t] of seq) r.write("m", { host }, { state }, t);
    expect(r.events.map((e) => [e.data.tags.host, e.data.fields.state, Number(e.state.time) / 1e9])).toEqual([
      ["a", "up", 1],
      ["b", "up", 3],
      ["a", "down", 4],
      ["a", "up", 7],
    ]);
  });

  it("treats any listed field changing as a change and compares types", () => {
    const r = run(`stream|from().measurement('m')|changeDetect('x', 'y')|alert().crit(lambda: TRUE)`);
    r.write("m", {}, { x: 1n, y: 1 }, 1);
    r.write("m", {}, { x: 1n, y: 1 }, 2);
    r.write("m", {}, { x: 1n, y: 2 }, 3);
    r.write("m", {}, { x: 1, y: 2 }, 4); // float 1 after int 1
    expect(r.events.map((e) => Number(e.state.time) / 1e9)).toEqual([1, 3, 4]);
  });

  it("logs a missing field and drops a point that has none of the fields", () => {
    const r = run(`stream|from().measurement('m')|changeDetect('x')|alert().crit(lambda: TRUE)`);
    r.write("m", {}, { x: 1 }, 1);
    r.write("m", {}, { z: 1 }, 2);
    r.write("m", {}, { x: 1 }, 3);
    expect(r.events.map((e) => Number(e.state.time) / 1e9)).toEqual([1]);
    expect(r.logs.some((l) => /expected field x not found/.test(l.msg))).toBe(true);
  });
});
