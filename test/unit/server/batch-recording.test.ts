/** Batch recordings' pure parts (src/server/replay/batch-recording.ts): query ticks and the .brpl lines. */
import { describe, expect, it } from "vitest";
import { checkScript } from "../../../src/pipeline/check.js";
import {
  batchQueries,
  brplLine,
  parseBrpl,
  queryDbrp,
  shiftBatch,
} from "../../../src/server/replay/batch-recording.js";

const S = 1e9;
const graph = (q: string) => {
  const r = checkScript(
    `dbrp "db"."rp"\nbatch\n  |query('SELECT mean("v") FROM "db"."rp"."m"')${q}\n  |log()\n`,
    "t.tick",
  );
  expect(r.diagnostics).toEqual([]);
  return r.graph!;
};

describe("batchQueries", () => {
  it("runs the query for each tick in (start, stop], as the live node would at that tick", () => {
    const qs = batchQueries(graph(".period(10s).every(10s)"), BigInt(5 * S), BigInt(30 * S));
    expect(qs.map((q) => Number(q.stop) / S)).toEqual([15, 25]);
    expect(qs[0]!.query).toBe(
      `SELECT mean("v") FROM "db"."rp"."m" WHERE time >= '1970-01-01T00:00:05Z' AND time < '1970-01-01T00:00:15Z'`,
    );
  });

  it("aligns the ticks with .align() and moves the range back by .offset()", () => {
    const qs = batchQueries(
      graph(".period(10s).every(10s).align().offset(2s)"),
      BigInt(5 * S),
      BigInt(30 * S),
    );
    expect(qs.map((q) => Number(q.stop) / S)).toEqual([8, 18, 28]);
    expect(qs.every((q) => q.source === 0)).toBe(true);
  });
});

describe(".brpl lines", () => {
  it("keep integers integers, and every point of the batch", () => {
    const b = {
      name: "m",
      time: BigInt(20 * S),
      tags: { host: "a" },
      group: "host=a",
      dims: { byName: false, tagNames: ["host"] },
      points: [
        { name: "m", time: BigInt(10 * S), tags: { host: "a" }, fields: { n: 3n, f: 1.5, s: "x", b: true } },
      ],
    };
    const text = brplLine(1, b) + brplLine(0, { ...b, points: [] });
    const back = parseBrpl(text, "r");
    expect(back).toEqual([
      { source: 1, batch: b },
      { source: 0, batch: { ...b, points: [] } },
    ]);
    expect(shiftBatch(b, BigInt(5 * S))).toMatchObject({
      time: BigInt(25 * S),
      points: [{ time: BigInt(15 * S) }],
    });
    expect(() => parseBrpl("{", "r.brpl")).toThrow(/^r\.brpl:1: not JSON/);
  });
});

describe("queryDbrp", () => {
  it("reads the database and retention policy of a stream query recording", () => {
    expect(queryDbrp('SELECT * FROM "tele graf"."autogen"."cpu" WHERE time > now() - 1h')).toEqual({
      db: "tele graf",
      rp: "autogen",
    });
    expect(queryDbrp("select * from telegraf..cpu")).toEqual({ db: "telegraf", rp: "" });
    expect(() => queryDbrp("SELECT * FROM cpu")).toThrow(/fully qualified/);
  });
});
