import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../../grammar/diagnostic.js";
import { parse } from "../../../grammar/index.js";
import { checkProgram, checkScript, type CheckOptions } from "../../../src/pipeline/check.js";
import {
  allProperties,
  lastProperty,
  nodeById,
  type TaskGraph,
  type TaskNode,
} from "../../../src/pipeline/task-graph.js";

function graphOf(text: string, opts: Omit<CheckOptions, "file"> = {}): TaskGraph {
  const r = checkScript(text, "t.tick", opts);
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  expect(errors.map((d) => formatDiagnostic(d, text))).toEqual([]);
  expect(r.graph).toBeDefined();
  return r.graph!;
}

function names(g: TaskGraph): string[] {
  return g.nodes.map((n) => n.name);
}

function byName(g: TaskGraph, name: string): TaskNode {
  const n = g.nodes.find((x) => x.name === name);
  expect(n, name).toBeDefined();
  return n!;
}

const CPU = `
dbrp "telegraf"."autogen"
stream
    |from()
        .measurement('cpu')
        .groupBy('host')
    |window()
        .period(10s)
        .every(10s)
    |mean('usage_idle')
    |alert()
        .crit(lambda: "mean" < 10.0)
`;

describe("task graph", () => {
  it("names nodes as Kapacitor does and links parents and children", () => {
    const g = graphOf(CPU);
    expect(g.type).toBe("stream");
    expect(g.dbrps).toEqual([{ db: "telegraf", rp: "autogen" }]);
    expect(names(g)).toEqual(["stream0", "from1", "window2", "mean3", "alert4"]);
    expect(byName(g, "window2")).toMatchObject({
      parents: [1],
      children: [3],
      wants: "stream",
      provides: "batch",
    });
    expect(byName(g, "mean3")).toMatchObject({ kind: "mean", wants: "batch", provides: "stream" });
    expect(byName(g, "mean3").args).toMatchObject([{ type: "string", value: "usage_idle" }]);
    expect(lastProperty(byName(g, "window2"), "period")?.args).toMatchObject([
      { type: "duration", ns: 10e9 },
    ]);
    expect(byName(g, "stream0")).toMatchObject({ wants: "none", provides: "stream", implemented: true });
  });

  it("uses Kapacitor's descriptions in names (influxdb_out, state_duration, groupby, http_out)", () => {
    const g = graphOf(`
stream
    |from()
    |groupBy('host')
    |stateDuration(lambda: "v" > 1)
    |httpOut('x')
    |influxDBOut()
`);
    expect(names(g)).toEqual([
      "stream0",
      "from1",
      "groupby2",
      "state_duration3",
      "http_out4",
      "influxdb_out5",
    ]);
    expect(byName(g, "influxdb_out5").provides).toBe("none");
  });

  it("builds |deadman() as stats → derivative → alert, with a noop on a childless node", () => {
    const g = graphOf(`
var data = stream
    |from()
        .measurement('heartbeat')
data
    |deadman(10.0, 1m, lambda: hour("time") >= 8)
        .post('http://x')
data
    |window()
        .period(1m)
`);
    expect(names(g)).toEqual(["stream0", "from1", "stats2", "noop3", "derivative4", "alert5", "window6"]);
    const stats = byName(g, "stats2");
    expect(stats).toMatchObject({ parents: [], statsSource: 1, synthetic: true });
    expect(byName(g, "noop3").parents).toEqual([1]);
    expect(allProperties(byName(g, "derivative4"), "nonNegative")).toHaveLength(1);
    const alert = byName(g, "alert5");
    expect(alert.deadman).toMatchObject({ threshold: 10, intervalNs: 60e9 });
    expect(alert.deadman?.expressions).toHaveLength(1);
    expect(alert.handlers.map((h) => h.kind)).toEqual(["post"]);
    expect(byName(g, "window6").parents).toEqual([1]);
  });

  it("gives a join the id of its last parent link, as Kapacitor's linkChild does", () => {
    const g = graphOf(`
var a = stream |from().measurement('a')
var b = stream |from().measurement('b')
a |join(b).as('a', 'b') |alert().crit(lambda: "a.v" > "b.v")
`);
    expect(names(g)).toEqual(["stream0", "from1", "from2", "join4", "alert5"]);
    expect(byName(g, "join4").parents).toEqual([1, 2]);
    expect(byName(g, "join4").args).toMatchObject([{ type: "node", id: 2 }]);
    expect(nodeById(g, 2)?.children).toEqual([4]);
  });

  it("links a union's other parents before its own", () => {
    const g = graphOf(`
var a = stream |from().measurement('a')
var b = stream |from().measurement('b')
a |union(b).rename('ab')
`);
    expect(names(g)).toEqual(["stream0", "from1", "from2", "union4"]);
    expect(byName(g, "union4").parents).toEqual([2, 1]);
  });

  it("resolves literal kinds to runtime values", () => {
    const g = graphOf(`
var by = ['host', 'dc']
stream
    |from()
        .groupBy(by)
        .where(lambda: "path" =~ /^\\/api\\//)
    |shift(-5m)
    |sample(10)
    |alert()
        .log('/tmp/a.log')
            .mode(0644)
        .flapping(0.25, 0.5)
        .inhibit('cat', by)
`);
    expect(lastProperty(byName(g, "from1"), "groupBy")?.args).toMatchObject([
      { type: "string", value: "host" },
      { type: "string", value: "dc" },
    ]);
    const where = lastProperty(byName(g, "from1"), "where")!.args[0]!;
    expect(where.type).toBe("lambda");
    if (where.type === "lambda" && where.expr.type === "Binary") {
      expect(where.expr.right).toMatchObject({ type: "Regex", pattern: "^/api/" });
    }
    expect(byName(g, "shift2").args).toMatchObject([{ type: "duration", ns: -300e9 }]);
    expect(byName(g, "sample3").args).toMatchObject([{ type: "int", value: 10n }]);
    const alert = byName(g, "alert4");
    expect(alert.handlers[0]).toMatchObject({ kind: "log", args: [{ type: "string", value: "/tmp/a.log" }] });
    expect(alert.handlers[0]!.properties[0]!.args).toMatchObject([{ type: "int", value: 420n }]);
    expect(lastProperty(alert, "flapping")?.args).toMatchObject([
      { type: "float", value: 0.25 },
      { type: "float", value: 0.5 },
    ]);
    expect(lastProperty(alert, "inhibit")?.args.map((a) => a.type)).toEqual(["string", "string", "string"]);
  });

  it("substitutes vars into lambdas (scalars by literals, lambda vars by their body)", () => {
    const g = graphOf(`
var limit = 90.0
var hot = lambda: "temp" > limit
stream |from() |alert().warn(lambda: "v" > limit).crit(hot)
`);
    const alert = byName(g, "alert2");
    const warn = lastProperty(alert, "warn")!.args[0]!;
    const crit = lastProperty(alert, "crit")!.args[0]!;
    expect(warn.type === "lambda" && warn.expr).toMatchObject({
      type: "Binary",
      right: { type: "Float", value: 90 },
    });
    expect(crit.type === "lambda" && crit.expr).toMatchObject({
      type: "Binary",
      left: { type: "Reference", name: "temp" },
      right: { type: "Float", value: 90 },
    });
  });

  it("lets handler objects fall back to the alert node's properties", () => {
    const g = graphOf(
      `
stream |from() |alert()
    .post('http://x').header('a', 'b').crit(lambda: "v" > 1).header2
`.replace(".header2", ""),
    );
    const alert = byName(g, "alert2");
    expect(alert.handlers).toHaveLength(1);
    expect(alert.handlers[0]!.properties.map((p) => p.name)).toEqual(["header"]);
    expect(alert.properties.map((p) => p.name)).toEqual(["crit"]);
  });

  it("rejects a handler property after falling back to the alert node", () => {
    const r = checkScript(
      "stream |from() |alert().post('http://x').crit(lambda: TRUE).header('a', 'b')\n",
      "t.tick",
    );
    expect(r.diagnostics.map((d) => d.message)).toEqual(["unknown property .header on alert"]);
  });

  it("reads batch queries, time() dimensions and fills", () => {
    const g = graphOf(`
batch
    |query('SELECT mean("v") FROM "db"."rp"."m"')
        .period(5m)
        .every(1m)
        .groupBy(time(1m), 'host', *)
        .fill(0)
    |alert().crit(lambda: "mean" > 1.0)
`);
    expect(g.type).toBe("batch");
    expect(names(g)).toEqual(["batch0", "query1", "alert2"]);
    expect(lastProperty(byName(g, "query1"), "groupBy")?.args.map((a) => a.type)).toEqual([
      "time",
      "string",
      "star",
    ]);
    expect(byName(g, "alert2").provides).toBe("batch");
  });

  it("takes typed vars from task vars and lets task vars override defaults", () => {
    const text = `
var limit float
var period = 1m
var crit lambda
stream |from() |window().period(period) |mean('v') |alert().warn(lambda: "mean" > limit).crit(crit)
`;
    const g = graphOf(text, {
      vars: {
        limit: { type: "float", value: 70 },
        period: { type: "duration", value: 300e9 },
        crit: { type: "lambda", value: '"mean" > 95.0' },
      },
    });
    expect(lastProperty(byName(g, "window2"), "period")?.args).toMatchObject([
      { type: "duration", ns: 300e9 },
    ]);
    const crit = lastProperty(byName(g, "alert4"), "crit")!.args[0]!;
    expect(crit.type === "lambda" && crit.expr).toMatchObject({ type: "Binary", op: ">" });
  });

  it("warns about a task var the script does not declare", () => {
    const r = checkScript("stream |from() |alert()\n", "t.tick", { vars: { x: { type: "int", value: 1 } } });
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ["W_TICK_UNUSED_TASK_VAR", 'task var "x" is not declared in the script'],
    ]);
    expect(r.graph).toBeDefined();
  });

  it("takes dbrps from options and requires one only when asked", () => {
    expect(graphOf("stream |from()\n", { dbrps: [{ db: "a", rp: "b" }] }).dbrps).toEqual([
      { db: "a", rp: "b" },
    ]);
    expect(graphOf("stream |from()\n").dbrps).toEqual([]);
    const r = checkScript("stream |from()\n", "t.tick", { requireDbrp: true });
    expect(r.diagnostics.map((d) => d.message)).toEqual(["must specify dbrp"]);
    expect(r.graph).toBeUndefined();
  });

  it("finds a property whatever the case of its first letter, as Kapacitor (it capitalizes it)", () => {
    // Kapacitor's own TestStream_AlertPushover writes .URL() and .URLTitle().
    const g = graphOf(
      "stream |from() |alert().Crit(lambda: TRUE).pushover().URL('http://x.example').URLTitle('runbook').uRL('http://y.example')\n",
    );
    const alert = g.nodes[2]!;
    expect(alert.properties.map((p) => p.name)).toEqual(["crit"]);
    expect(alert.handlers[0]?.properties.map((p) => p.name)).toEqual(["uRL", "uRLTitle", "uRL"]);
    expect(lastProperty(alert.handlers[0]!, "uRL")?.args).toMatchObject([
      { type: "string", value: "http://y.example" },
    ]);
  });

  it("keeps the graph when there are only warnings", () => {
    const r = checkScript("stream |from() |alert().victorops().routingKey('k')\n", "t.tick");
    expect(r.diagnostics.map((d) => d.code)).toEqual(["W_TICK_ALIAS"]);
    expect(r.graph?.nodes[2]?.handlers[0]).toMatchObject({ kind: "victorOps" });
  });

  it("checkProgram works on an AST and reports lambda problems from src/expr", () => {
    const text = 'stream |from() |alert().crit(lambda: sigmaa("v") > 3.0)\n';
    const ast = parse(text, "t.tick").ast!;
    const r = checkProgram(ast, { file: "t.tick" });
    expect(r.graph).toBeUndefined();
    expect(r.diagnostics[0]).toMatchObject({
      message: "unknown function sigmaa()",
      hint: "did you mean sigma()?",
      line: 1,
    });
  });

  it("says how to write a lambda when lambda: is missing (checker wording on a hand-built AST)", () => {
    const text = 'stream |from() |alert().crit(lambda: "value" > 90)\n';
    const ast = parse(text, "t.tick").ast!;
    const st = ast.statements[0]!;
    if (st.type !== "ExprStatement" || st.expr.type !== "Chain") throw new Error("unexpected AST");
    const crit = st.expr.links[2]!;
    const lambda = crit.args[0]!;
    if (lambda.type !== "Lambda") throw new Error("unexpected AST");
    crit.args[0] = lambda.body;
    const r = checkProgram(ast, { file: "t.tick" });
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      '`.crit()` takes a lambda: write .crit(lambda: "value" > 90)',
    ]);
  });

  it("accepts groupBy().exclude() with tags, accumulating calls, and places its argument errors", () => {
    const g = graphOf("stream |from() |groupBy(*).exclude('a').exclude('b', 'c')\n");
    expect(allProperties(byName(g, "groupby2"), "exclude").map((p) => p.args.length)).toEqual([1, 2]);
    const at = (text: string) =>
      checkScript(text, "t.tick").diagnostics.map((d) => [d.code, d.line, d.column]);
    expect(at("stream |from() |groupBy(*).exclude()\n")).toEqual([["E_TICK_ARG_COUNT", 1, 28]]);
    expect(at("stream |from() |groupBy(*).exclude(1)\n")).toEqual([["E_TICK_ARG_TYPE", 1, 36]]);
  });

  it("checks |barrier() as pipeline/barrier.go: one of .idle() and .period(), greater than zero", () => {
    graphOf("stream |from() |barrier().idle(10s).delete(TRUE) |window().period(10s)\n");
    graphOf("stream |from() |barrier().period(1m)\n");
    const at = (text: string) =>
      checkScript(text, "t.tick").diagnostics.map((d) => [d.code, d.message, d.line, d.column]);
    expect(at("stream |from() |barrier().idle(1s).period(2s)\n")).toEqual([
      ["E_TICK_INVALID", "a barrier takes .idle() or .period(), not both", 1, 36],
    ]);
    expect(at("stream |from() |barrier()\n")).toEqual([
      ["E_TICK_INVALID", "barrier2 needs .idle(d) or .period(d)", 1, 16],
    ]);
    expect(at("stream |from() |barrier().idle(0s)\n")).toEqual([
      ["E_TICK_INVALID", "`.idle()` must be greater than zero", 1, 32],
    ]);
    expect(at("stream |from() |barrier().idle(1s).delete('yes')\n")[0]?.slice(0, 1)).toEqual([
      "E_TICK_ARG_TYPE",
    ]);
  });

  it("accepts |flatten() with Kapacitor's properties and places its argument errors", () => {
    graphOf("stream |from() |flatten().on('a', 'b').delimiter('_').tolerance(1s).dropOriginalFieldName()\n");
    const at = (text: string) =>
      checkScript(text, "t.tick").diagnostics.map((d) => [d.code, d.line, d.column]);
    expect(at("stream |from() |flatten().on()\n")).toEqual([["E_TICK_ARG_COUNT", 1, 27]]);
    expect(at("stream |from() |flatten().on('a').tolerance('x')\n")).toEqual([["E_TICK_ARG_TYPE", 1, 45]]);
  });

  it("checks Kapacitor's zenoss handler properties (once refused as unsupported)", () => {
    const r = checkScript(
      "stream |from() |alert().zenoss().collector('x').tid('1').crit(lambda: TRUE)\n",
      "t.tick",
    );
    expect(r.diagnostics.map((d) => d.code)).toEqual(["E_TICK_ARG_TYPE"]);
  });
});
