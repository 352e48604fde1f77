// flatten.go: a group's points of one (rounded) time become one point whose fields are named
// <on tag values><delimiter><field>; emitted when the group's next time arrives.
import { describe, expect, it } from "vitest";
import { run, S } from "./harness.js";

const alertAll = `|alert().crit(lambda: TRUE).id('{{ .Group }}')`;

describe("flatten", () => {
  it("merges points of the same time on the given tags, and emits on the next time", () => {
    const r = run(`stream|from().measurement('m').groupBy('host')|flatten().on('port')${alertAll}`);
    r.write("m", { host: "A", port: "80" }, { bytes: 3512 }, 1);
    r.write("m", { host: "A", port: "443" }, { bytes: 6723 }, 1);
    expect(r.events).toEqual([]);
    r.write("m", { host: "A", port: "80" }, { bytes: 1 }, 2);
    expect(r.events.map((e) => [Number(e.state.time) / S, e.data.tags, e.data.fields])).toEqual([
      [1, { host: "A" }, { "80.bytes": 3512, "443.bytes": 6723 }],
    ]);
  });

  it("keeps the order of several tags, takes a delimiter, and can drop the field name", () => {
    const r = run(
      `stream|from().measurement('m')|flatten().on('host', 'port').delimiter('_').dropOriginalFieldName()${alertAll}`,
    );
    r.write("m", { host: "A", port: "80" }, { bytes: 1 }, 1);
    r.write("m", { host: "B", port: "443" }, { bytes: 2 }, 1);
    r.write("m", { host: "A", port: "80" }, { bytes: 3 }, 2);
    expect(r.events.map((e) => e.data.fields)).toEqual([{ A_80: 1, B_443: 2 }]);
    const keep = run(
      `stream|from().measurement('m')|flatten().on('host').dropOriginalFieldName(FALSE)${alertAll}`,
    );
    keep.write("m", { host: "A" }, { bytes: 1 }, 1);
    keep.write("m", { host: "A" }, { bytes: 1 }, 2);
    expect(keep.events.map((e) => e.data.fields)).toEqual([{ "A.bytes": 1 }]);
  });

  it("rounds times to the tolerance before matching them", () => {
    const r = run(`stream|from().measurement('m')|flatten().on('port').tolerance(1s)${alertAll}`);
    r.task.write("db", "rp", { name: "m", tags: { port: "80" }, fields: { v: 1 }, time: BigInt(9.6 * S) });
    r.task.write("db", "rp", { name: "m", tags: { port: "443" }, fields: { v: 2 }, time: BigInt(10.4 * S) });
    r.task.write("db", "rp", { name: "m", tags: { port: "80" }, fields: { v: 3 }, time: BigInt(10.5 * S) });
    expect(r.events.map((e) => [Number(e.state.time) / S, e.data.fields])).toEqual([
      [10, { "80.v": 1, "443.v": 2 }],
    ]);
  });

  it("leaves out a point missing an on tag, counting and logging the error", () => {
    const r = run(`stream|from().measurement('m')|flatten().on('port')${alertAll}`);
    r.write("m", { port: "80" }, { v: 1 }, 1);
    r.write("m", {}, { v: 2 }, 1);
    r.write("m", { port: "80" }, { v: 3 }, 2);
    expect(r.events.map((e) => e.data.fields)).toEqual([{ "80.v": 1 }]);
    expect(r.node("flatten2").stats.errors).toBe(1);
    expect(r.logs.some((l) => l.level === "error" && l.msg.includes('missing tag "port"'))).toBe(true);
  });

  it("flattens each batch on its own, one point per run of a rounded time, with the group tags", () => {
    const r = run(
      `stream|from().measurement('m').groupBy('dc')|window().period(2s).every(2s)|flatten().on('port')${alertAll}`,
    );
    const points: [string, number][] = [
      ["80", 0],
      ["443", 0],
      ["80", 1],
      ["80", 2],
    ];
    for (const [port, t] of points) r.write("m", { dc: "eu", port }, { v: t }, t);
    // The window ending at 2 closes on the 2s point; its flattened batch goes out at once.
    expect(r.events).toHaveLength(1);
    const s = r.events[0]!.data.series[0]!;
    expect(s.tags).toEqual({ dc: "eu" });
    expect(s.columns).toEqual(["time", "443.v", "80.v"]);
    expect(s.values).toEqual([
      [0n, 0, 0],
      [BigInt(1 * S), null, 1],
    ]);
  });

  it("emits nothing for a time whose points all lack the on tag", () => {
    const r = run(`stream|from().measurement('m')|flatten().on('port')${alertAll}`);
    r.write("m", {}, { v: 1 }, 1);
    r.write("m", { port: "80" }, { v: 2 }, 2);
    r.write("m", { port: "80" }, { v: 3 }, 3);
    expect(r.events.map((e) => [Number(e.state.time) / S, e.data.fields])).toEqual([[2, { "80.v": 2 }]]);
  });
});
