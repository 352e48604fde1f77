import { describe, expect, it } from "vitest";
import { parse, type ChainExpr, type Program } from "../../../grammar/index.js";
import { ok, sexpr, statementExpr } from "./helpers.js";

function chain(p: Program, i: number): ChainExpr {
  const st = p.statements[i];
  const e = st?.type === "ExprStatement" ? st.expr : st?.type === "VarDecl" ? st.value : undefined;
  if (e?.type !== "Chain") throw new Error(`statement ${i} is not a chain`);
  return e;
}

describe("statements", () => {
  it("declares vars with a value", () => {
    const p = ok("var period = 10s\nvar name = 'cpu'\nvar l = lambda: \"x\" > 1\nvar g = ['host']");
    expect(p.statements.map((s) => s.type)).toEqual(["VarDecl", "VarDecl", "VarDecl", "VarDecl"]);
    expect(p.statements[0]).toMatchObject({ name: "period", value: { type: "Duration", ns: 10e9 } });
  });

  it("declares typed vars for every type, types being plain names", () => {
    const types = ["int", "float", "bool", "string", "regex", "duration", "lambda", "list", "star"];
    const p = ok(types.map((t, i) => `var v${i} ${t}`).join("\n"));
    expect(p.statements).toHaveLength(types.length);
    p.statements.forEach((s, i) =>
      expect(s).toMatchObject({ type: "TypedVarDecl", name: `v${i}`, varType: types[i] }),
    );
  });

  it("reads dbrp statements", () => {
    const p = ok('dbrp "telegraf"."autogen"\ndbrp "my \\"db\\"".  "rp"');
    expect(p.statements[0]).toMatchObject({ type: "Dbrp", db: "telegraf", rp: "autogen" });
    expect(p.statements[1]).toMatchObject({ type: "Dbrp", db: 'my "db"', rp: "rp" });
  });

  it("needs no separators between statements", () => {
    const p = ok("var a = 1 var b = 2 stream|from() var c = a");
    expect(p.statements.map((s) => s.type)).toEqual(["VarDecl", "VarDecl", "ExprStatement", "VarDecl"]);
  });

  it("lets a var hold a chain and continue it later", () => {
    const p = ok(
      "var data = stream\n  |from()\n    .measurement('cpu')\ndata\n  |window()\n    .period(10s)",
    );
    expect(sexpr(chain(p, 0))).toBe("stream |from() .measurement('cpu')");
    expect(sexpr(chain(p, 1))).toBe("data |window() .period(10s)");
  });

  it("reads node, property and UDF links with any whitespace between", () => {
    const e = statementExpr(
      "batch\n\t|query('''SELECT 1''')  .  period ( 5m )\n@movingAverage()\n.field('v')",
    );
    expect(sexpr(e)).toBe("batch |query('SELECT 1') .period(5m) @movingAverage() .field('v')");
    if (e.type !== "Chain") throw new Error();
    expect(e.links.map((l) => l.type)).toEqual(["NodeLink", "PropertyLink", "UdfLink", "PropertyLink"]);
  });

  it("allows a bare name as a statement", () => {
    expect(statementExpr("stream")).toMatchObject({ type: "Identifier", name: "stream" });
  });

  it("collects // comments, including one at the end of the file", () => {
    const p = ok("// header\nvar x = 1 // trailing\n  // indented\nstream // last");
    expect(p.comments.map((c) => c.text)).toEqual(["// header", "// trailing", "// indented", "// last"]);
    expect(p.comments[1]?.span).toEqual({
      start: { line: 2, column: 11, offset: 20 },
      end: { line: 2, column: 22, offset: 31 },
    });
  });

  it("treats a comment right after a value as a comment, not a division or regex", () => {
    const p = ok("var x = 10 // ten\nvar y = 'a'// a");
    expect(p.statements).toHaveLength(2);
    expect(p.comments).toHaveLength(2);
  });

  it("returns an empty program for an empty or comment-only script", () => {
    expect(ok("").statements).toEqual([]);
    expect(ok("\n  // nothing\n").statements).toEqual([]);
  });

  it("names the file in the program", () => {
    expect(parse("stream", "cpu.tick").ast?.file).toBe("cpu.tick");
    expect(parse("stream").ast?.file).toBe("<input>");
  });
});

describe("spans", () => {
  const src =
    "var data = stream\n  |from()\n    .measurement('cpu')\n\ndata |alert().crit(lambda: \"value\" > 90)\n";
  const p = ok(src);

  it("covers a var declaration from 'var' to the end of its value", () => {
    expect(p.statements[0]?.span).toEqual({
      start: { line: 1, column: 1, offset: 0 },
      end: { line: 3, column: 24, offset: src.indexOf("')") + 2 },
    });
  });

  it("places names, links and literals at 1-based line/column and 0-based offset", () => {
    const st = p.statements[0];
    if (st?.type !== "VarDecl") throw new Error();
    expect(st.nameSpan.start).toEqual({ line: 1, column: 5, offset: 4 });
    const c = chain(p, 0);
    expect(c.links[0]?.span.start).toEqual({ line: 2, column: 3, offset: src.indexOf("|") });
    expect(c.links[0]?.nameSpan.start).toEqual({ line: 2, column: 4, offset: src.indexOf("from") });
    expect(c.links[1]?.args[0]?.span).toEqual({
      start: { line: 3, column: 18, offset: src.indexOf("'cpu'") },
      end: { line: 3, column: 23, offset: src.indexOf("'cpu'") + 5 },
    });
  });

  it("ends every span just after the node's last character", () => {
    const c = chain(p, 1);
    const crit = c.links[1];
    expect(crit?.name).toBe("crit");
    expect(src.slice(crit?.span.start.offset, crit?.span.end.offset)).toBe('.crit(lambda: "value" > 90)');
    const lambda = crit?.args[0];
    expect(src.slice(lambda?.span.start.offset, lambda?.span.end.offset)).toBe('lambda: "value" > 90');
    expect(src.slice(c.span.start.offset, c.span.end.offset)).toBe(
      'data |alert().crit(lambda: "value" > 90)',
    );
  });

  it("spans a multi-line triple string", () => {
    const q = ok("var q = '''\nSELECT 1\n'''");
    const st = q.statements[0];
    if (st?.type !== "VarDecl") throw new Error();
    expect(st.value.span.end).toEqual({ line: 3, column: 4, offset: 24 });
  });

  it("spans calls from the name to the closing parenthesis", () => {
    const q = ok('var l = lambda: sigma( "v" ) > 3');
    const st = q.statements[0];
    if (st?.type !== "VarDecl" || st.value.type !== "Lambda" || st.value.body.type !== "Binary")
      throw new Error();
    const call = st.value.body.left;
    expect(call.type).toBe("Call");
    expect([call.span.start.column, call.span.end.column]).toEqual([17, 29]);
  });
});

describe("Kapacitor documentation examples", () => {
  it("parses the cpu alert", () => {
    const p = ok(`dbrp "telegraf"."autogen"

stream
    |from()
        .measurement('cpu')
        .groupBy('host')
        .where(lambda: "cpu" == 'cpu-total')
    |window()
        .period(10s)
        .every(10s)
    |mean('usage_idle')
        .as('value')
    |alert()
        .id('{{ index .Tags "host" }}/cpu_used')
        .message('{{ .ID }} is {{ .Level }} value: {{ index .Fields "value" }}')
        .crit(lambda: "value" > 90)
        .warn(lambda: "value" > 80)
        .stateChangesOnly()
        .victorOps()
        .routingKey('team')
`);
    expect(p.statements).toHaveLength(2);
    expect(sexpr(chain(p, 1))).toBe(
      "stream |from() .measurement('cpu') .groupBy('host') .where((lambda (== \"cpu\" 'cpu-total'))) " +
        "|window() .period(10s) .every(10s) |mean('usage_idle') .as('value') |alert() " +
        ".id('{{ index .Tags \"host\" }}/cpu_used') " +
        ".message('{{ .ID }} is {{ .Level }} value: {{ index .Fields \"value\" }}') " +
        '.crit((lambda (> "value" 90))) .warn((lambda (> "value" 80))) .stateChangesOnly() .victorOps() ' +
        ".routingKey('team')",
    );
  });

  it("parses a template task with typed vars, sigma and flapping", () => {
    const p = ok(`// Which measurement to consume
var measurement string
var where_filter = lambda: TRUE
var groups = [*]
var field string
var warn lambda
var crit lambda
var window = 5m
var slack_channel = '#alerts'

stream
    |from()
        .measurement(measurement)
        .where(where_filter)
        .groupBy(groups)
    |window()
        .period(window)
        .every(window)
    |mean(field)
    |eval(lambda: sigma("mean"))
        .as('sigma')
        .keep()
    |alert()
        .warn(warn)
        .crit(crit)
        .flapping(0.25, 0.5)
        .history(21)
        .post('http://example.com/alert')
            .header('X-Team', 'sre')
        .log('/tmp/alerts.log')
            .mode(0644)
`);
    expect(p.statements).toHaveLength(9);
    const c = chain(p, 8);
    expect(c.links.find((l) => l.name === "mode")?.args[0]).toMatchObject({ type: "Int", value: 420n });
    expect(c.links.find((l) => l.name === "flapping")?.args.map((a) => a.type)).toEqual(["Float", "Float"]);
  });

  it("parses a batch query with a deadman and stateDuration", () => {
    const p = ok(`batch
    |query('''
        SELECT mean("usage_idle") AS usage_idle
        FROM "telegraf"."autogen"."cpu"
    ''')
        .period(5m)
        .every(1m)
        .groupBy(time(1m), 'host')
    |stateDuration(lambda: "usage_idle" <= 10)
        .unit(1m)
    |deadman(0.0, 10m)
`);
    const c = chain(p, 0);
    expect(c.links.find((l) => l.name === "groupBy")?.args.map(sexpr)).toEqual(["(time(1m))", "'host'"]);
  });
});
