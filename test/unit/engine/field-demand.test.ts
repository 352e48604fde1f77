/**
 * The fields a task can read (src/engine/field-demand.ts), and the claim it exists for: a task
 * fed points parsed with only its demanded fields behaves exactly as one fed every field —
 * same alert events (data included), same errors.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatPoints, parseLineProtocol } from "../../../src/core/line-protocol.js";
import type { FieldValue, Point } from "../../../src/core/types.js";
import { FieldDemandFilter, taskFieldDemand, type FieldDemand } from "../../../src/engine/field-demand.js";
import { checkScript } from "../../../src/pipeline/check.js";
import { runScript } from "../../support/engine.js";

function demandOf(script: string): {
  byMeasurement: Record<string, string[] | "all">;
  any?: string[] | "all";
} {
  const { graph } = checkScript(script, "t.tick", {});
  if (graph === undefined) throw new Error("script does not check");
  const d = taskFieldDemand(graph);
  const show = (x: FieldDemand) => (x === "all" ? "all" : [...x].sort());
  const out: { byMeasurement: Record<string, string[] | "all">; any?: string[] | "all" } = {
    byMeasurement: Object.fromEntries([...d.byMeasurement].map(([m, x]) => [m, show(x)])),
  };
  if (d.any !== undefined) out.any = show(d.any);
  return out;
}

const CPU_ALERT = readFileSync(new URL("../../../tasks/cpu_alert.tick", import.meta.url), "utf8");

/** Scripts covering the node kinds whose demand differs: projections, pass-throughs, "all". */
const SCRIPTS = [
  CPU_ALERT,
  `stream|from().measurement('cpu')|where(lambda: "usage_user" > 10.0)|window().period(10s).every(10s)|max('usage_idle')|alert().crit(lambda: "max" > 50.0)`,
  `stream|from().measurement('cpu')|eval(lambda: "usage_idle" + "usage_user").as('busy')|alert().crit(lambda: "busy" > 100.0)`,
  `stream|from().measurement('cpu')|eval(lambda: "a" * 2.0).as('d').keep('d', 'b')|alert().crit(lambda: "d" > 1.0)`,
  `stream|from().measurement('cpu')|eval(lambda: "a" * 2.0).as('d').keep()|alert().crit(lambda: "d" > 1.0)`,
  `stream|from().measurement('cpu').groupBy('host')|window().period(10s).every(10s)|top(2, 'usage_idle')|alert().crit(lambda: "top" > 50.0)`,
  `stream|from().measurement('cpu').groupBy('host')|difference('n')|alert().crit(lambda: "difference" > 0)`,
  `stream|from().measurement('cpu')|stateDuration(lambda: "usage_idle" < 50.0)|eval(lambda: "state_duration").as('sd')|alert().crit(lambda: "sd" > 5000000000)`,
  `stream|from().measurement('cpu')|default().field('missing', 1.0)|eval(lambda: "missing" + "a").as('s')|alert().crit(lambda: "s" > 1.5)`,
  `stream|from().where(lambda: "a" > 0.5)|window().period(10s).every(10s)|count('a')|alert().crit(lambda: "count" > 1)`,
  `stream|from().measurement('cpu')|changeDetect('b')|eval(lambda: "b").as('bb')|alert().crit(lambda: "bb" == 'x')`,
  `stream|from().measurement('cpu')|where(lambda: "host" == 'a')|window().period(10s).every(10s)|count('a')|alert().crit(lambda: "count" > 0)`,
  `stream|from().measurement('mem')|derivative('n').as('rate')|eval(lambda: "rate").as('r')|alert().crit(lambda: "r" > 0.0)`,
  `var a = stream|from().measurement('cpu')
   var b = stream|from().measurement('mem')
   a|join(b).as('c', 'm').tolerance(1s)|alert().crit(lambda: TRUE)`,
];

describe("field demand", { timeout: 120_000 }, () => {
  // The measurement, tag and output names count as read too: harmless, never a field of the stream.
  it("cpu_alert.tick reads one field of cpu and nothing of other measurements", () => {
    expect(demandOf(CPU_ALERT)).toEqual({ byMeasurement: { cpu: ["cpu", "host", "idle", "usage_idle"] } });
  });

  it("an alert on the raw stream needs every field (its data carries them)", () => {
    expect(demandOf(`stream|from().measurement('cpu')|alert().crit(lambda: "a" > 1.0)`)).toEqual({
      byMeasurement: { cpu: "all" },
    });
  });

  it("eval without keep, aggregates and top project; keep() and selectors pass every field", () => {
    expect(demandOf(SCRIPTS[2]!)).toEqual({
      byMeasurement: { cpu: ["busy", "cpu", "usage_idle", "usage_user"] },
    });
    expect(demandOf(SCRIPTS[3]!)).toEqual({ byMeasurement: { cpu: ["a", "b", "cpu", "d"] } });
    expect(demandOf(SCRIPTS[4]!)).toEqual({ byMeasurement: { cpu: "all" } });
    expect(demandOf(SCRIPTS[1]!)).toEqual({ byMeasurement: { cpu: "all" } });
    expect(demandOf(SCRIPTS[5]!).byMeasurement.cpu).toEqual(["cpu", "host", "usage_idle"]);
  });

  it("from() without a measurement applies to every measurement; a filter unions tasks", () => {
    expect(demandOf(SCRIPTS[9]!)).toEqual({ byMeasurement: {}, any: ["a"] });
    const graphs = [CPU_ALERT, SCRIPTS[9]!].map((s) => checkScript(s, "t.tick", {}).graph!);
    const f = FieldDemandFilter.of(graphs.map(taskFieldDemand))!;
    expect([...f.fieldsFor("cpu")!].sort()).toEqual(["a", "cpu", "host", "idle", "usage_idle"]);
    expect([...f.fieldsFor("disk")!].sort()).toEqual(["a"]);
    const all = FieldDemandFilter.of([taskFieldDemand(checkScript(SCRIPTS[4]!, "t.tick", {}).graph!)])!;
    expect(all.fieldsFor("cpu")).toBeUndefined();
    expect(all.fieldsFor("mem")).toEqual(new Set());
  });

  const fieldValue: fc.Arbitrary<FieldValue> = fc.oneof(
    fc.double({ min: 0, max: 100, noNaN: true }),
    fc.bigInt({ min: -5n, max: 5n }),
    fc.constantFrom("x", "y"),
    fc.boolean(),
  );
  const point = fc.record({
    name: fc.constantFrom("cpu", "mem", "disk"),
    host: fc.constantFrom("a", "b"),
    // Mostly the numbers the scripts test, plus extra fields of any type (some overriding).
    base: fc.record({
      usage_idle: fc.double({ min: 0, max: 100, noNaN: true }),
      usage_user: fc.double({ min: 0, max: 100, noNaN: true }),
      a: fc.double({ min: 0, max: 2, noNaN: true }),
      n: fc.bigInt({ min: -5n, max: 5n }),
    }),
    extra: fc.dictionary(
      fc.constantFrom("a", "b", "usage_idle", "n", "host", "missing", "x1", "x2", "x3"),
      fieldValue,
      { maxKeys: 6 },
    ),
    dt: fc.integer({ min: 0, max: 4 }),
  });

  /** Feeds `body` to the script twice, eagerly and with its demand filter; the outputs must match. */
  function compare(script: string, body: string): number {
    const eager = runScript(script);
    const lazy = runScript(script);
    const filter = FieldDemandFilter.of([lazy.task.fieldDemand]);
    eager.task.writeAll("db", "rp", parseLineProtocol(body).points);
    lazy.task.writeAll(
      "db",
      "rp",
      parseLineProtocol(body, filter === undefined ? {} : { fields: filter }).points,
    );
    const show = (x: unknown) => JSON.stringify(x, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));
    expect(show(lazy.events)).toBe(show(eager.events));
    expect(lazy.logs).toEqual(eager.logs);
    return eager.events.length;
  }

  it("each script alerts on a steady wide stream exactly as when fed every field", () => {
    const lines: string[] = [];
    for (let i = 0; i < 60; i++) {
      const t = (1_700_000_000 + i * 3) * 1e9;
      const host = i % 2 === 0 ? "a" : "b";
      lines.push(
        `cpu,host=${host} usage_idle=${40 + ((i * 7) % 50)},usage_user=${5 + (i % 20)},a=${(i % 3) * 0.75},` +
          `b="${i % 4 === 0 ? "x" : "y"}",n=${i % 5}i,x1=true,x2="s" ${t}`,
        `mem,host=${host} n=${i}i,used=${i * 2}i,a=1.5 ${t}`,
      );
    }
    let events = 0;
    for (const script of SCRIPTS) events += compare(script, lines.join("\n"));
    expect(events).toBeGreaterThan(50);
  });

  it("property: tasks fed only their demanded fields emit the same alerts and errors", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SCRIPTS),
        fc.array(point, { minLength: 20, maxLength: 60 }),
        (script, raw) => {
          let t = 1_700_000_000;
          const points: Point[] = raw.map((p) => {
            t += p.dt;
            return {
              name: p.name,
              tags: { host: p.host },
              fields: { ...p.base, ...p.extra },
              time: BigInt(t) * 1_000_000_000n,
            };
          });
          compare(script, formatPoints(points));
        },
      ),
      { numRuns: 300 },
    );
  });
});
