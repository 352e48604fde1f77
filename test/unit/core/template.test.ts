import { describe, expect, it } from "vitest";
import { goMap, GoDuration, GoTime, stringMap } from "../../../src/core/go-format.js";
import fc from "fast-check";
import {
  compileTemplate,
  htmlTemplateEscape,
  TemplateError,
  type TemplateOptions,
} from "../../../src/core/template.js";

function run(text: string, data: unknown = {}, opts?: TemplateOptions): string {
  return compileTemplate(text, opts).execute(data);
}

function parseError(text: string, opts?: TemplateOptions): TemplateError {
  try {
    compileTemplate(text, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(TemplateError);
    expect((e as TemplateError).code).toBe("E_TEMPLATE_PARSE");
    return e as TemplateError;
  }
  throw new Error(`expected a parse error for ${text}`);
}

function execError(text: string, data: unknown = {}, opts?: TemplateOptions): TemplateError {
  const t = compileTemplate(text, opts);
  try {
    t.execute(data);
  } catch (e) {
    expect(e).toBeInstanceOf(TemplateError);
    expect((e as TemplateError).code).toBe("E_TEMPLATE_EXEC");
    return e as TemplateError;
  }
  throw new Error(`expected an execution error for ${text}`);
}

/** Kapacitor's message/details data for TestStream_Alert's CRITICAL event. */
function alertData(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Name: "cpu",
    TaskName: "t",
    Group: "host=serverA",
    Tags: stringMap({ host: "serverA" }),
    ServerInfo: { Hostname: "h", ClusterID: "c", ServerID: "s" },
    ID: "kapacitor/cpu/serverA",
    Fields: goMap({ count: 10n }),
    Level: "CRITICAL",
    Time: new GoTime(BigInt(31536010e9)),
    Duration: new GoDuration(0),
    Message: "kapacitor/cpu/serverA is CRITICAL",
    ...overrides,
  };
}

describe("Kapacitor's templates", () => {
  it("renders the default ID and message", () => {
    expect(run("{{ .Name }}:{{ .Group }}", { Name: "cpu", Group: "nil" })).toBe("cpu:nil");
    expect(run("{{ .ID }} is {{ .Level }}", alertData())).toBe("kapacitor/cpu/serverA is CRITICAL");
  });

  it("prints .Time and .Duration like Go", () => {
    expect(run("{{ .Time }}", alertData())).toBe("1971-01-01 00:00:10 +0000 UTC");
    for (const [ns, want] of [
      [0, "0s"],
      [2e9, "2s"],
      [90e9, "1m30s"],
    ] as const) {
      expect(run("{{ .Duration }}", alertData({ Duration: new GoDuration(ns) }))).toBe(want);
    }
    expect(
      run("{{ .Time.Unix }} {{ .Duration.Seconds }}", alertData({ Duration: new GoDuration(90e9) })),
    ).toBe("31536010 90");
  });

  it("reads tags and fields, with Go's zero values for missing keys", () => {
    const d = alertData({ Fields: goMap({ value: 2500000, count: 10n, ratio: 97.5 }) });
    expect(run('{{ index .Tags "host" }}', d)).toBe("serverA");
    expect(run('[{{ index .Tags "nope" }}]', d)).toBe("[]");
    expect(run("[{{ .Tags.nope }}]", d)).toBe("[]");
    expect(run('{{ index .Fields "nope" }}', d)).toBe("<no value>");
    expect(run("{{ .Fields.nope }}", d)).toBe("<no value>");
    expect(run("{{ .Fields.value }} {{ .Fields.count }} {{ .Fields.ratio }}", d)).toBe("2.5e+06 10 97.5");
    expect(run("{{ .Tags }} {{ .ServerInfo }}", d)).toBe("map[host:serverA] {h c s}");
    expect(run("{{ .Fields.nope.deeper }}", d)).toBe("<no value>");
  });

  it("renders the HTML-escaped default details", () => {
    const t = compileTemplate("{{ json . }}", { name: "details", html: true });
    const raw =
      '{"Name":"cpu","TaskName":"t","Group":"host=serverA","Tags":{"host":"serverA"},"ServerInfo":{"Hostname":"h","ClusterID":"c","ServerID":"s"},"ID":"kapacitor/cpu/serverA","Fields":{"count":10},"Level":"CRITICAL","Time":"1971-01-01T00:00:10Z","Duration":0,"Message":"kapacitor/cpu/serverA is CRITICAL"}';
    const out = t.execute(alertData());
    expect(out.startsWith("{&#34;Name&#34;:&#34;cpu&#34;,&#34;TaskName&#34;:&#34;t&#34;,")).toBe(true);
    expect(out).toBe(raw.replaceAll('"', "&#34;") + "\n");
    // JSON escapes <>& first, then html/template escapes '+' and the quotes.
    expect(compileTemplate("{{ json .M }}", { html: true }).execute({ M: "<a+b>'" })).toBe(
      "&#34;\\u003ca&#43;b\\u003e&#39;&#34;\n",
    );
  });

  it("escapes every action in html mode but not the template text", () => {
    const d = { M: `<b>"x" & 'y' + z</b>\u0000` };
    expect(run("<p>{{ .M }}</p>", d, { html: true })).toBe(
      "<p>&lt;b&gt;&#34;x&#34; &amp; &#39;y&#39; &#43; z&lt;/b&gt;\ufffd</p>",
    );
    expect(run("<p>{{ .M }}</p>", d)).toBe(`<p>${d.M}</p>`);
    // html/template drops nil instead of printing <no value>.
    expect(run("[{{ .F.x }}]", { F: goMap({}) }, { html: true })).toBe("[]");
    expect(run("{{ .Message }}", alertData({ Message: "a & b" }), { html: true })).toBe("a &amp; b");
  });

  it("offers jsonCompact without the newline", () => {
    expect(run("{{ jsonCompact .Tags }}|{{ json .Tags }}|", alertData())).toBe(
      '{"host":"serverA"}|{"host":"serverA"}\n|',
    );
    expect(run("{{ json .Duration }}", alertData({ Duration: new GoDuration(1e9) }))).toBe("1000000000\n");
  });
});

describe("actions and text", () => {
  it("handles trim markers", () => {
    expect(run("a  {{- 1 -}}  b")).toBe("a1b");
    expect(run("x {{ 3 -}}\n\t y")).toBe("x 3y");
    expect(run("a \n{{- /* gone */ -}}\n b")).toBe("ab");
    expect(run("{{-3}}")).toBe("-3");
    expect(run("a {{/* c */}} b")).toBe("a  b");
    expect(run("{{/* multi\nline */}}ok")).toBe("ok");
  });

  it("parses literals like Go", () => {
    expect(run('{{ "a\\tb\\u00e9\\x41" }}')).toBe("a\tbéA");
    expect(run("{{ `raw\\n` }}")).toBe("raw\\n");
    expect(run("{{ 'a' }} {{ 0x1F }} {{ 0o17 }} {{ 017 }} {{ 1_000 }}")).toBe("97 31 15 15 1000");
    expect(run("{{ 1.5 }} {{ 1e3 }} {{ 1.0 }} {{ -2 }} {{ .5 }} {{ true }} {{ false }}")).toBe(
      "1.5 1000 1 -2 0.5 true false",
    );
    expect(run("{{ 2500000.0 }}")).toBe("2.5e+06");
  });

  it("prints nil and undefined as <no value>", () => {
    expect(run("{{ .A }}", { A: null })).toBe("<no value>");
    expect(run("{{ . }}", null)).toBe("<no value>");
  });

  it("prints composite values with %v", () => {
    expect(
      run("{{ .L }} {{ .M }} {{ .S }}", {
        L: [1n, 2.5, "x"],
        M: new Map([
          ["b", 1n],
          ["a", 2n],
        ]),
        S: { A: 1n, B: true },
      }),
    ).toBe("[1 2.5 x] map[a:2 b:1] {1 true}");
  });

  it("supports variables, assignment and $", () => {
    expect(run("{{ $x := 1 }}{{ $x = 2 }}{{ $x }}")).toBe("2");
    expect(run("{{ $x := .A }}{{ $x }}-{{ $.A }}", { A: "a" })).toBe("a-a");
    expect(run("{{ with .S }}{{ .B }}{{ $.Top }}{{ end }}", { S: { B: "in" }, Top: "top" })).toBe("intop");
    expect(run("{{ $x := 1 }}{{ if true }}{{ $x := 2 }}{{ $x }}{{ end }}{{ $x }}")).toBe("21");
    expect(run("{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}")).toBe("2");
    expect(run("{{ $x := .S }}{{ $x.B }}", { S: { B: "chained" } })).toBe("chained");
    expect(run("{{ (index .L 1).Name }}", { L: [{ Name: "a" }, { Name: "b" }] })).toBe("b");
  });

  it("runs pipelines, passing the value as the last argument", () => {
    expect(run('{{ "x" | printf "%s-%s" "a" }}')).toBe("a-x");
    expect(run('{{ .V | printf "%.2f" }}', { V: 97.5 })).toBe("97.50");
    expect(run('{{ .S | len | printf "%03d" }}', { S: "héllo" })).toBe("006");
    expect(run('{{ "<a>" | html }}')).toBe("&lt;a&gt;");
  });
});

describe("control structures", () => {
  it("if / else if / else", () => {
    const t = compileTemplate("{{ if eq .L 3 }}crit{{ else if eq .L 2 }}warn{{ else }}ok{{ end }}");
    expect(t.execute({ L: 3n })).toBe("crit");
    expect(t.execute({ L: 2n })).toBe("warn");
    expect(t.execute({ L: 0n })).toBe("ok");
    expect(run("{{ if $v := .A }}{{ $v }}{{ else }}none{{ end }}", { A: "" })).toBe("none");
    expect(run("{{ if .L }}non-empty{{ end }}", { L: [] })).toBe("");
    expect(run("{{ if .S }}struct{{ end }}", { S: {} })).toBe("struct");
  });

  it("with / else with / else", () => {
    expect(run("{{ with .A }}{{ . }}{{ else }}none{{ end }}", { A: "x" })).toBe("x");
    expect(
      run("{{ with .A }}{{ . }}{{ else with .B }}b={{ . }}{{ else }}none{{ end }}", { A: "", B: 1n }),
    ).toBe("b=1");
    expect(run("{{ with $x := .A }}{{ $x }}{{ end }}", { A: 5n })).toBe("5");
  });

  it("range over slices, maps, ints, with else, break and continue", () => {
    expect(run("{{ range .L }}[{{ . }}]{{ else }}empty{{ end }}", { L: [1n, 2n] })).toBe("[1][2]");
    expect(run("{{ range .L }}[{{ . }}]{{ else }}empty{{ end }}", { L: [] })).toBe("empty");
    expect(run("{{ range .L }}x{{ else }}empty{{ end }}", { L: null })).toBe("empty");
    expect(run("{{ range $i, $v := .L }}{{ $i }}={{ $v }},{{ end }}", { L: ["a", "b"] })).toBe("0=a,1=b,");
    expect(run("{{ range $v := .L }}{{ $v }}{{ end }}", { L: ["a", "b"] })).toBe("ab");
    expect(
      run("{{ range $k, $v := .Tags }}{{ $k }}={{ $v }};{{ end }}", { Tags: stringMap({ b: "2", a: "1" }) }),
    ).toBe("a=1;b=2;");
    expect(
      run("{{ range $k, $v := .M }}{{ $k }}{{ end }}", {
        M: new Map([
          [10n, 0],
          [9n, 0],
        ]),
      }),
    ).toBe("910");
    expect(run("{{ range 3 }}{{ . }}{{ end }}")).toBe("012");
    expect(
      run("{{ range .L }}{{ if eq . 3 }}{{ break }}{{ end }}{{ . }}{{ end }}", { L: [1n, 2n, 3n, 4n] }),
    ).toBe("12");
    expect(
      run("{{ range .L }}{{ if eq . 2 }}{{ continue }}{{ end }}{{ . }}{{ end }}", { L: [1n, 2n, 3n] }),
    ).toBe("13");
    expect(run("{{ range .L }}{{ $.P }}{{ . }} {{ end }}", { L: ["a"], P: ">" })).toBe(">a ");
  });
});

describe("functions", () => {
  it("and / or return the deciding operand and short-circuit", () => {
    const funcs = {
      boom: () => {
        throw new Error("evaluated");
      },
    };
    expect(run('{{ and 1 0 }} {{ and 1 2 }} {{ or 0 "" "x" }} {{ or 0 "" }}')).toBe("0 2 x ");
    expect(run("{{ and false (boom) }} {{ or true (boom) }}", {}, { funcs })).toBe("false true");
    expect(run("{{ not 0 }} {{ not .L }}", { L: [1n] })).toBe("true false");
  });

  it("compares like Go's basic kinds", () => {
    expect(run('{{ eq .Level "OK" "CRITICAL" }}', { Level: "CRITICAL" })).toBe("true");
    expect(run('{{ eq 1 1 }} {{ ne 1 2 }} {{ lt 1 2 }} {{ le 2 2 }} {{ gt 1.5 2.5 }} {{ ge "b" "a" }}')).toBe(
      "true true true true false true",
    );
    expect(run("{{ lt .Duration 5 }}", { Duration: new GoDuration(3) })).toBe("true");
    expect(run("{{ eq .X nil }}", { X: null })).toBe("true");
    expect(execError("{{ eq 1 1.0 }}").message).toBe(
      'template: template:1:4: executing "template" at <eq 1 1.0>: error calling eq: incompatible types for comparison',
    );
    expect(execError("{{ lt .V 90 }}", { V: 97.5 }).message).toMatch(
      /error calling lt: incompatible types for comparison$/,
    );
    expect(execError("{{ lt true false }}").message).toMatch(/invalid type for comparison$/);
    expect(execError("{{ eq 1 }}").message).toMatch(/missing argument for comparison$/);
  });

  it("printf supports Go's verbs", () => {
    expect(
      run('{{ printf "%5.1f|%-10s|%d|%q|%x|%v|%%|%.2f" 3.14159 "ab" 42 "q" 255 .Tags .V }}', {
        Tags: stringMap({ host: "a" }),
        V: 0.125,
      }),
    ).toBe('  3.1|ab        |42|"q"|ff|map[host:a]|%|0.12');
    expect(run('{{ printf "%d" 1.5 }}')).toBe("%!d(float64=1.5)");
    expect(run('{{ printf "%s %s" "a" }}')).toBe("a %!s(MISSING)");
    expect(execError("{{ printf 1 }}").message).toMatch(/wrong type for value; expected string; got int64$/);
  });

  it("print and println follow fmt.Sprint spacing", () => {
    expect(run('{{ print 1 2 "a" "b" 3 }}')).toBe("1 2ab3");
    expect(run('{{ println 1 "a" }}')).toBe("1 a\n");
    expect(run("{{ print .Missing }}", { Missing: null })).toBe("<nil>");
  });

  it("len, index and slice", () => {
    expect(run('{{ len "héllo" }} {{ len .L }} {{ len .M }}', { L: [1n, 2n], M: goMap({ a: 1n }) })).toBe(
      "6 2 1",
    );
    expect(
      run('{{ index .L 1 }} {{ index .N 1 0 }} {{ index "abc" 0 }}', { L: ["a", "b"], N: [[], ["x"]] }),
    ).toBe("b x 97");
    expect(run('{{ slice .L 1 }} {{ slice "hello" 1 3 }}', { L: [1n, 2n, 3n] })).toBe("[2 3] el");
    expect(execError("{{ index .L 5 }}", { L: [1n] }).message).toMatch(
      /error calling index: index out of range: 5$/,
    );
    expect(execError("{{ index .L 1.0 }}", { L: [1n] }).message).toMatch(
      /cannot index slice\/array with type float64$/,
    );
    expect(execError("{{ index .M 1 }}", { M: stringMap({}) }).message).toMatch(
      /value has type int64; should be string$/,
    );
    expect(execError("{{ len 3 }}").message).toMatch(/error calling len: len of type int64$/);
    expect(execError("{{ not 1 2 }}").message).toMatch(/wrong number of args for not: want 1 got 2$/);
  });

  it("html, js and urlquery escape like text/template", () => {
    expect(run(`{{ html "<a href='x'>&\\"" }}`)).toBe("&lt;a href=&#39;x&#39;&gt;&amp;&#34;");
    expect(run(`{{ html "1+1" }}`)).toBe("1+1");
    expect(run(`{{ js "a'b\\"<>&=\\\\\\n" }}`)).toBe("a\\'b\\\"\\u003C\\u003E\\u0026\\u003D\\\\\\u000A");
    expect(run(`{{ urlquery "a b&c=d/é~" }}`)).toBe("a+b%26c%3Dd%2F%C3%A9~");
    expect(run("{{ html .M }}", { M: goMap({}) })).toBe("map[]");
    expect(run("{{ html .M.x }}", { M: goMap({}) })).toBe("&lt;no value&gt;");
  });

  it("calls custom functions, which override built-ins", () => {
    const funcs = { upper: (s: string) => s.toUpperCase(), len: () => "mine" };
    expect(run("{{ .Name | upper }} {{ len .Name }}", { Name: "cpu" }, { funcs })).toBe("CPU mine");
    const err = execError(
      "{{ fail }}",
      {},
      {
        funcs: {
          fail: () => {
            throw new Error("nope");
          },
        },
      },
    );
    expect(err.message).toBe(
      'template: template:1:4: executing "template" at <fail>: error calling fail: nope',
    );
  });

  it("calls methods on data, with arguments when they end the command", () => {
    class Host {
      constructor(readonly name: string) {}
      Greet(greeting: unknown): string {
        return `${String(greeting)}, ${this.name}`;
      }
    }
    expect(run('{{ .H.Greet "hi" }}', { H: new Host("a") })).toBe("hi, a");
    expect(run('{{ "yo" | .H.Greet }}', { H: new Host("b") })).toBe("yo, b");
    expect(execError("{{ .H.hasOwnProperty }}", { H: new Host("c") }).message).toMatch(
      /can't evaluate field hasOwnProperty in type Host$/,
    );
    expect(execError("{{ .S.toString }}", { S: {} }).message).toMatch(
      /can't evaluate field toString in type struct$/,
    );
    expect(execError('{{ .S.Name "x" }}', { S: { Name: "n" } }).message).toMatch(
      /Name is not a method but has arguments$/,
    );
  });
});

describe("errors", () => {
  it("reports parse errors with line and column", () => {
    expect(parseError("{{ foo }}", { name: "message" }).message).toBe(
      'template: message:1:4: function "foo" not defined',
    );
    const e = parseError("line one\n  {{ .A | nope }}");
    expect([e.line, e.column]).toEqual([2, 11]);
    expect(e.message).toBe('template: template:2:11: function "nope" not defined');
    expect(parseError("{{ .ID }").message).toBe(
      'template: template:1:8: unexpected "}" in operand (a "}}" is missing?)',
    );
    expect(parseError("{{ .ID ").message).toBe("template: template:1:1: unclosed action");
    expect(parseError("{{ if .X }}x").message).toMatch(/^template: template:1:13: unexpected EOF/);
    expect(parseError("x{{ end }}").message).toBe("template: template:1:2: unexpected {{end}}");
    expect(parseError("{{ else }}").message).toBe("template: template:1:1: unexpected {{else}}");
    expect(parseError("{{ $x }}").message).toBe('template: template:1:4: undefined variable "$x"');
    expect(parseError("{{ if true }}{{ $y := 1 }}{{ end }}{{ $y }}").message).toMatch(
      /undefined variable "\$y"/,
    );
    expect(parseError("{{ $z = 1 }}").message).toMatch(/undefined variable "\$z"/);
    expect(parseError("{{ }}").message).toMatch(/missing value for command$/);
    expect(parseError("{{ if }}{{ end }}").message).toMatch(/missing value for if$/);
    expect(parseError('{{ "a" "b" }}').message).toMatch(/can't give argument to non-function "a"$/);
    expect(parseError("{{ .A | 1 }}").message).toMatch(/non executable command in pipeline stage 2$/);
    expect(parseError("{{ nil }}").message).toMatch(/nil is not a command$/);
    expect(parseError('{{ "abc }}').message).toMatch(/unterminated quoted string$/);
    expect(parseError("{{ /* x */ }}").message).toMatch(/unexpected "\/" in operand$/);
    expect(parseError("{{ \u00a7 }}").message).toMatch(/unrecognized character in action: U\+00A7 "§"$/);
    expect(parseError("{{/* x */ .A }}").message).toMatch(/comment ends before closing delimiter$/);
    expect(parseError("{{/* x ").message).toMatch(/unclosed comment$/);
    expect(parseError("{{ break }}").message).toMatch(/\{\{break\}\} outside \{\{range\}\}$/);
    expect(parseError('{{ template "x" }}').message).toMatch(/\{\{template\}\} is not supported/);
    expect(parseError("{{ (1 }}").message).toMatch(/unclosed left paren$/);
    expect(parseError("{{ if 1 }}{{ else }}{{ else }}{{ end }}").message).toMatch(
      /expected end; found \{\{else\}\}$/,
    );
    expect(parseError("{{ 1x }}").message).toMatch(/bad number syntax/);
    expect(parseError("{{ # }}").message).toMatch(/unexpected "#" in operand$/);
  });

  it("reports execution errors with the failing node", () => {
    const e = execError("msg: {{ .Nmae }}", alertData(), { name: "message" });
    expect(e.message).toBe(
      'template: message:1:9: executing "message" at <.Nmae>: can\'t evaluate field Nmae in type struct',
    );
    expect([e.line, e.column]).toEqual([1, 9]);
    expect(execError("{{ .A.B }}", { A: "s" }).message).toMatch(/can't evaluate field B in type string$/);
    expect(execError("{{ range .A }}{{ end }}", { A: "s" }).message).toMatch(/range can't iterate over s$/);
  });

  it("compiles once and executes many times", () => {
    const t = compileTemplate("{{ .ID }} is {{ .Level }}", { name: "message" });
    expect(t.name).toBe("message");
    expect(t.execute({ ID: "a", Level: "OK" })).toBe("a is OK");
    expect(t.execute({ ID: "b", Level: "CRITICAL" })).toBe("b is CRITICAL");
  });
});

describe("htmlTemplateEscape", { timeout: 30_000 }, () => {
  const table: Record<string, string> = {
    '"': "&#34;",
    "'": "&#39;",
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    "+": "&#43;",
    "\0": "\ufffd",
  };
  it("escapes html/template's text-context characters and nothing else", () => {
    expect(htmlTemplateEscape(`{"a":"x<y>&'z'+1\0"}`)).toBe(
      "{&#34;a&#34;:&#34;x&lt;y&gt;&amp;&#39;z&#39;&#43;1\ufffd&#34;}",
    );
    expect(htmlTemplateEscape("plain é 日本")).toBe("plain é 日本");
    fc.assert(
      // ASCII text takes the byte-buffer fast path, anything else the string path.
      fc.property(fc.oneof(fc.string(), fc.string({ unit: "binary" })), (s) => {
        expect(htmlTemplateEscape(s)).toBe(s.replace(/["'&<>+\0]/g, (c) => table[c]!));
      }),
    );
  });
});
