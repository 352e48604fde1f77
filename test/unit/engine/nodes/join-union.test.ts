// join.go (stream): sets per group and rounded time, emitted when complete, or, once every
// parent has moved past, filled (outer) or dropped (inner); fields prefixed `as` + '.'; the
// point keeps the first parent's name unless streamName. union.go: time-ordered merge that
// waits until every parent has sent something.
import { describe, expect, it } from "vitest";
import { run } from "./harness.js";

const two = `
var cpu = stream|from().measurement('cpu').groupBy('host')
var mem = stream|from().measurement('mem').groupBy('host')
`;

describe("join", () => {
  it("joins points of the same group and time, prefixing fields", () => {
    const r = run(
      `${two} cpu|join(mem).as('c', 'm')|alert().crit(lambda: TRUE).id('{{ .Name }}:{{ .Group }}')`,
    );
    r.write("cpu", { host: "a", core: "0" }, { v: 1 }, 10);
    expect(r.events).toHaveLength(0);
    r.write("mem", { host: "b" }, { v: 7 }, 10);
    r.write("mem", { host: "a" }, { v: 2, free: 5 }, 10);
    expect(r.events).toHaveLength(1);
    const e = r.events[0]!;
    expect(e.state.id).toBe("cpu:host=a");
    expect(e.state.time).toBe(10000000000n);
    expect(e.data.tags).toEqual({ host: "a" });
    expect(e.data.fields).toEqual({ "c.v": 1, "m.v": 2, "m.free": 5 });
  });

  it("rounds times to the tolerance and names the stream", () => {
    const r = run(
      `${two} cpu|join(mem).as('c', 'm').tolerance(1s).streamName('both').delimiter('_')|alert().crit(lambda: TRUE)`,
    );
    r.write("cpu", { host: "a" }, { v: 1 }, 20.4);
    r.write("mem", { host: "a" }, { v: 2 }, 19.8);
    expect(r.events.map((e) => [e.data.name, e.state.time, e.data.fields])).toEqual([
      ["both", 20_000_000_000n, { c_v: 1, m_v: 2 }],
    ]);
  });

  it("drops incomplete sets by default and fills them with .fill(number)", () => {
    const feed = (script: string) => {
      const r = run(script);
      r.write("cpu", { host: "a" }, { v: 1 }, 10);
      r.write("mem", { host: "a" }, { v: 2 }, 10);
      r.write("cpu", { host: "a" }, { v: 3 }, 20); // mem has nothing at 20
      r.write("cpu", { host: "a" }, { v: 4 }, 30);
      r.write("mem", { host: "a" }, { v: 5 }, 30);
      return r.events.map((e) => [Number(e.state.time) / 1e9, e.data.fields]);
    };
    expect(feed(`${two} cpu|join(mem).as('c', 'm')|alert().crit(lambda: TRUE)`)).toEqual([
      [10, { "c.v": 1, "m.v": 2 }],
      [30, { "c.v": 4, "m.v": 5 }],
    ]);
    expect(feed(`${two} cpu|join(mem).as('c', 'm').fill(0.0)|alert().crit(lambda: TRUE)`)).toEqual([
      [10, { "c.v": 1, "m.v": 2 }],
      [20, { "c.v": 3, "m.v": 0 }],
      [30, { "c.v": 4, "m.v": 5 }],
    ]);
  });

  it("joins one point of the on-tags with every more specific point (.on)", () => {
    const r = run(`
var building = stream|from().measurement('building_power').groupBy('building')
var floor = stream|from().measurement('floor_power').groupBy('building', 'floor')
building|join(floor).as('building', 'floor').on('building')
  |eval(lambda: "floor.value" / "building.value").as('share')
  |alert().crit(lambda: TRUE)
`);
    r.write("building_power", { building: "1" }, { value: 100 }, 0);
    r.write("floor_power", { building: "1", floor: "1" }, { value: 10 }, 0);
    r.write("floor_power", { building: "1", floor: "2" }, { value: 30 }, 0);
    expect(r.events.map((e) => [e.data.tags, e.data.fields.share])).toEqual([
      [{ building: "1", floor: "1" }, 0.1],
      [{ building: "1", floor: "2" }, 0.3],
    ]);
  });

  // TestBatch_JoinOn (batcher_test.go): on() of batches, whichever side's batch comes first.
  for (const order of ["building first", "floors first"]) {
    it(`joins a batch of the on-tags with every more specific batch (.on, ${order})`, () => {
      const r = run(`
var building = stream|from().measurement('building_power').groupBy('building')|window().period(10s).every(10s)
var floor = stream|from().measurement('floor_power').groupBy('building', 'floor')|window().period(10s).every(10s)
building|join(floor).as('building', 'floor').on('building')
  |eval(lambda: "floor.value" / "building.value").keep().as('share')
  |httpOut('o')
`);
      const building = (v: number, s: number) =>
        r.write("building_power", { building: "1" }, { value: v }, s);
      const floors = (v: number, s: number) => {
        r.write("floor_power", { building: "1", floor: "1" }, { value: v }, s);
        r.write("floor_power", { building: "1", floor: "2" }, { value: 3 * v }, s);
      };
      building(100, 0);
      building(200, 1);
      floors(10, 0);
      floors(20, 1);
      // Points at 10s close the windows: the order decides which batch the join sees first.
      if (order === "building first") {
        building(0, 10);
        floors(0, 10);
      } else {
        floors(0, 10);
        building(0, 10);
      }
      expect(r.logs.filter((l) => l.level !== "debug")).toEqual([]);
      const got = r.out("o").result().series ?? [];
      expect(got.map((s) => [s.name, s.tags, s.columns, s.values])).toEqual([
        [
          "building_power",
          { building: "1", floor: "1" },
          ["time", "building.value", "floor.value", "share"],
          [
            [0n, 100, 10, 0.1],
            [1_000_000_000n, 200, 20, 0.1],
          ],
        ],
        [
          "building_power",
          { building: "1", floor: "2" },
          ["time", "building.value", "floor.value", "share"],
          [
            [0n, 100, 30, 0.3],
            [1_000_000_000n, 200, 60, 0.3],
          ],
        ],
      ]);
    });
  }
});

describe("union", () => {
  it("merges parents in time order once each has sent something, renaming", () => {
    const r = run(`${two} cpu|union(mem).rename('both')|alert().crit(lambda: TRUE)`);
    r.write("cpu", { host: "a" }, { v: 1 }, 1);
    r.write("cpu", { host: "a" }, { v: 3 }, 3);
    expect(r.events).toHaveLength(0);
    r.write("mem", { host: "a" }, { v: 2 }, 2);
    expect(r.events.map((e) => [e.data.name, e.data.fields.v])).toEqual([
      ["both", 1],
      ["both", 2],
    ]);
    r.write("mem", { host: "a" }, { v: 5 }, 5);
    expect(r.events.map((e) => e.data.fields.v)).toEqual([1, 2, 3]);
  });

  it("keeps names without .rename()", () => {
    const r = run(`${two} cpu|union(mem)|alert().crit(lambda: TRUE)`);
    r.write("mem", { host: "a" }, { v: 1 }, 1);
    r.write("cpu", { host: "a" }, { v: 2 }, 1);
    expect(r.events.map((e) => e.data.name)).toEqual(["mem", "cpu"]);
  });
});
