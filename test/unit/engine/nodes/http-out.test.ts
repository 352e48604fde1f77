// http_out.go: the latest row per group (PointToRow: all tags, time + sorted fields), groups
// in order of first appearance; an empty result is {"series": null}; data passes through.
import { describe, expect, it } from "vitest";
import { run } from "./harness.js";

describe("httpOut", () => {
  it("keeps the latest point of each group and passes points on", () => {
    const r = run(
      `stream|from().measurement('cpu').groupBy('host')|httpOut('top')|alert().crit(lambda: TRUE)`,
    );
    expect(r.out("top").result()).toEqual({ series: null });
    r.write("cpu", { host: "b", dc: "x" }, { v: 1, a: 2 }, 1);
    r.write("cpu", { host: "a" }, { v: 3 }, 2);
    r.write("cpu", { host: "b", dc: "x" }, { v: 4, a: 5 }, 3);
    expect(r.out("top").result()).toEqual({
      series: [
        {
          name: "cpu",
          tags: { host: "b", dc: "x" },
          columns: ["time", "a", "v"],
          values: [[3_000_000_000n, 5, 4]],
        },
        { name: "cpu", tags: { host: "a" }, columns: ["time", "v"], values: [[2_000_000_000n, 3]] },
      ],
    });
    expect(r.events).toHaveLength(3);
  });

  it("keeps the latest batch of a group as one series", () => {
    const r = run(`stream|from().measurement('cpu')|window().period(10s).every(10s)|httpOut('w')`);
    for (const t of [0, 4, 10]) r.write("cpu", {}, { v: t }, t);
    expect(r.out("w").result().series).toEqual([
      {
        name: "cpu",
        tags: {},
        columns: ["time", "v"],
        values: [
          [0n, 0],
          [4_000_000_000n, 4],
        ],
      },
    ]);
  });
});
