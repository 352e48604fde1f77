/**
 * Pins the exact wording and position of grammar-level diagnostics: they are the product's
 * answer to Kapacitor's "unexpected TokenPipe line 3 char 5", so changes must be deliberate.
 */
import { describe, expect, it } from "vitest";
import { formatDiagnostic, parse, parseExpression, type Diagnostic } from "../../../grammar/index.js";

type Pinned = [
  source: string,
  where: [line: number, column: number, endLine: number, endColumn: number],
  code: "E_TICK_LEX" | "E_TICK_PARSE",
  message: string,
  hint?: string,
];

const LEX = "E_TICK_LEX";
const PARSE = "E_TICK_PARSE";

const cases: Pinned[] = [
  // ---- literals and characters (lexer)
  ["var t = 1.5s", [1, 9, 1, 13], LEX, "durations take whole numbers: write 1500ms, not 1.5s"],
  ["var t = 2.5m", [1, 9, 1, 13], LEX, "durations take whole numbers: write 150s, not 2.5m"],
  [
    "var t = 10min",
    [1, 9, 1, 14],
    LEX,
    "unknown duration unit 'min' in 10min",
    "units are u (or µ), ms, s, m, h, d and w; durations have no spaces or compound forms",
  ],
  [
    "var t = 10ns",
    [1, 9, 1, 13],
    LEX,
    "unknown duration unit 'ns' in 10ns",
    "the smallest unit is u (microseconds)",
  ],
  ["var t = 1e5", [1, 9, 1, 12], LEX, "exponent notation such as 1e5 is not supported: write the number out"],
  ["var n = 1.2.3", [1, 9, 1, 14], LEX, "'1.2.3' has more than one decimal point"],
  [
    "var mode = 09",
    [1, 12, 1, 14],
    LEX,
    "'09' is not a valid octal number",
    "a leading 0 makes a number octal (digits 0-7); remove the leading 0 for a decimal number",
  ],
  [
    "var n = 9999999999999999999",
    [1, 9, 1, 28],
    LEX,
    "9999999999999999999 is too large for a 64-bit integer",
  ],
  [
    "var d = 99999999999w",
    [1, 9, 1, 21],
    LEX,
    "duration 99999999999w is too long: the limit is about 292 years",
  ],
  [
    "stream\n  |alert()\n    .message('cpu is high\n    .crit(lambda: TRUE)",
    [3, 14, 3, 26],
    LEX,
    "unterminated string: add a closing '",
  ],
  [
    "var q = '''SELECT\n",
    [1, 9, 1, 12],
    LEX,
    "unterminated string: add a closing '''",
    "a ''' string runs until the next ''' and may span lines",
  ],
  ['stream |from().where(lambda: "host)', [1, 30, 1, 36], LEX, 'unterminated reference: add a closing "'],
  [
    'stream |from().where(lambda: "host" =~ /web)',
    [1, 40, 1, 45],
    LEX,
    "unterminated regex: add a closing /",
  ],
  ["stream |from() # cpu", [1, 16, 1, 17], LEX, "unknown character '#'", "comments start with //"],
  ["stream |from();", [1, 15, 1, 16], LEX, "unknown character ';'", "statements need no ';' between them"],
  [
    'stream |from().where(lamda: "a" > 1)',
    [1, 27, 1, 28],
    LEX,
    "unknown character ':'",
    "did you mean 'lambda:'? (written with no space before the colon)",
  ],

  // ---- structure (parser)
  [
    'stream\n  |alert()\n    .crit(lambda: "value" > 90\n    .warn(lambda: "value" > 80)',
    [4, 5, 4, 6],
    PARSE,
    "expected ')' to close .crit( opened at line 3 column 10",
  ],
  [
    'stream |alert().crit(lambda: "value" > 90',
    [1, 42, 1, 42],
    PARSE,
    "expected ')' to close .crit( opened at line 1 column 21",
  ],
  [
    'stream |alert().crit(lambda: "x" > 1 "y")',
    [1, 38, 1, 41],
    PARSE,
    "expected ')' to close .crit( opened at line 1 column 21",
    "separate arguments with ','",
  ],
  [
    "stream |window().period(10 s)",
    [1, 28, 1, 29],
    PARSE,
    "expected ')' to close .period( opened at line 1 column 24",
    "durations have no space: write 10s",
  ],
  [
    "stream |window().period(,)",
    [1, 25, 1, 26],
    PARSE,
    "expected a value after .period(: a duration such as 10s",
  ],
  [
    "stream |alert().flapping(0.25, )",
    [1, 32, 1, 33],
    PARSE,
    "expected another argument after ',' in .flapping(, found ')'",
  ],
  [
    'stream |alert().crit(lambda: "value" > )',
    [1, 40, 1, 41],
    PARSE,
    "expected a value after '>', found ')'",
  ],
  [
    "var f = lambda:\nvar g = 1",
    [2, 1, 2, 4],
    PARSE,
    "expected an expression after lambda:, such as \"value\" > 90, found 'var'",
  ],
  ["stream |\n  .period(10s)", [2, 3, 2, 4], PARSE, "expected a node after |, such as |from(), found '.'"],
  [
    "stream |from().\n",
    [1, 16, 1, 16],
    PARSE,
    "expected a property after '.', such as .period(10s), found the end of the script",
  ],
  ["stream @(", [1, 9, 1, 10], PARSE, "expected a UDF name after @, such as @myUdf(), found '('"],
  [
    "stream\n  |from()\n    .stateChangesOnly\n  |alert()",
    [4, 3, 4, 4],
    PARSE,
    "expected '(' after .stateChangesOnly: every node and property needs parentheses",
    "write .stateChangesOnly()",
  ],
  [
    "stream\n  |from()\n  window()",
    [3, 3, 3, 11],
    PARSE,
    "missing '|' or '.' before window()",
    "chain a node with |window() or set a property with .window()",
  ],
  [
    "var x = foo() |bar()",
    [1, 9, 1, 16],
    PARSE,
    "a chain must start with stream, batch or a var name, not foo()",
  ],
  [
    "var x = 'a' |from()",
    [1, 13, 1, 14],
    PARSE,
    "unexpected '|': a chain must start with stream, batch or a var name",
  ],
  ["'text'", [1, 1, 1, 7], PARSE, "unexpected string 'text': expected a statement"],
  ["var x = 5\n)", [2, 1, 2, 2], PARSE, "unexpected ')': there is no '(' open here"],
  ["stream ||from()", [1, 8, 1, 10], PARSE, "unexpected '||': chain a node with a single |", "write |"],

  // ---- lambdas
  [
    'stream |alert().crit("value" > 90)',
    [1, 22, 1, 34],
    PARSE,
    "missing 'lambda:' before the expression",
    'write lambda: "value" > 90',
  ],
  [
    "stream |alert().crit(lambda: lambda: TRUE)",
    [1, 30, 1, 37],
    PARSE,
    "'lambda:' can only start a property's argument or a var's value",
  ],
  [
    'stream |eval(lambda: "a" + 1).where(lambda: x.y())',
    [1, 46, 1, 50],
    PARSE,
    "a chain (|, . or @) cannot appear inside a lambda expression",
    "did you forget a ')' to close the lambda's property?",
  ],

  // ---- look-alikes from other languages
  [
    "stream |alert().crit(lambda: true)",
    [1, 30, 1, 34],
    PARSE,
    "true is written TRUE in TICKscript",
    "write TRUE",
  ],
  ["var ok = lambda: False", [1, 18, 1, 23], PARSE, "False is written FALSE in TICKscript", "write FALSE"],
  [
    'stream |alert().crit(lambda: "a" > 1 and "b" < 2)',
    [1, 38, 1, 41],
    PARSE,
    "and is written AND in TICKscript",
    "write AND",
  ],
  ['var l = lambda: "a" or "b"', [1, 21, 1, 23], PARSE, "or is written OR in TICKscript", "write OR"],
  [
    'stream |alert().crit(lambda: "a" > 1 && "b" < 2)',
    [1, 38, 1, 40],
    PARSE,
    "'&&' is written AND in TICKscript",
    "write AND",
  ],
  [
    'stream |alert().crit(lambda: "value" = 90)',
    [1, 38, 1, 39],
    PARSE,
    "'=' is assignment only in var declarations; compare with ==",
    "write ==",
  ],
  [
    "x = 5",
    [1, 3, 1, 4],
    PARSE,
    "'=' is assignment only in var declarations; compare with ==",
    "to declare a var, write var x = <value>",
  ],

  // ---- var and dbrp
  [
    "var x == 5",
    [1, 7, 1, 9],
    PARSE,
    "expected '=' or a type after var x, found '=='",
    "use a single '=' to assign",
  ],
  [
    "var t strng",
    [1, 7, 1, 12],
    PARSE,
    "expected '=' or a type after var t, found 'strng'",
    "write var t = <value>, or var t float to take the value from the task's vars",
  ],
  ["var AND = 5", [1, 5, 1, 8], PARSE, "'AND' is a keyword and cannot be a var name"],
  [
    "dbrp 'telegraf'.'autogen'",
    [1, 6, 1, 16],
    PARSE,
    'expected a quoted database name after dbrp, such as dbrp "telegraf"."autogen"',
    "database and retention policy names use double quotes",
  ],
  [
    'dbrp "telegraf" "autogen"',
    [1, 17, 1, 26],
    PARSE,
    'expected \'.\' between the database and the retention policy, such as dbrp "telegraf"."autogen"',
  ],

  // ---- lists
  ["var l = ['a', 'b'", [1, 18, 1, 18], PARSE, "expected ']' to close the list opened at line 1 column 9"],
  [
    'var l = ["host"]',
    [1, 10, 1, 16],
    PARSE,
    'expected a string, a name or * in the list, found reference "host"',
    "strings in lists use single quotes: 'host'",
  ],
];

function only(text: string): Diagnostic {
  const r = parse(text, "cpu.tick");
  expect(r.diagnostics, JSON.stringify(r.diagnostics, null, 2)).toHaveLength(1);
  const d = r.diagnostics[0];
  if (d === undefined) throw new Error("no diagnostic");
  return d;
}

describe("pinned diagnostics", () => {
  it.each(cases)("%j", (source, [line, column, endLine, endColumn], code, message, hint) => {
    const d = only(source);
    expect(d).toMatchObject({
      code,
      severity: "error",
      file: "cpu.tick",
      line,
      column,
      endLine,
      endColumn,
      message,
    });
    expect(d.hint).toBe(hint);
  });

  it("pins at least 15 distinct messages", () => {
    expect(new Set(cases.map((c) => c[3])).size).toBeGreaterThanOrEqual(15);
  });

  it("never names Chevrotain tokens or exceptions", () => {
    for (const [source] of cases) {
      for (const d of parse(source).diagnostics) {
        expect(d.message).not.toMatch(/Exception|Token|EOF|Identifier|LParen|RParen|undefined|NaN/);
      }
    }
  });

  it("lists what was expected", () => {
    expect(only("stream |window().period(,)").expected).toEqual(["a duration such as 10s"]);
    expect(only("stream |alert().crit(lambda: TRUE").expected).toEqual(["')'"]);
  });
});

describe("several errors in one file", () => {
  it("reports every independent error, in order", () => {
    const r = parse(
      [
        "var a = 1.5s",
        "stream",
        "  |from()",
        "    .where(lambda: \"host\" = 'a')",
        "  |window()",
        "    .period(10s",
        "var b = 09",
        "stream |alert().crit(lambda: true) # oops",
      ].join("\n"),
    );
    expect(r.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`)).toEqual([
      "1:9 durations take whole numbers: write 1500ms, not 1.5s",
      "4:27 '=' is assignment only in var declarations; compare with ==",
      "7:1 expected ')' to close .period( opened at line 6 column 12",
      "7:9 '09' is not a valid octal number",
      "8:30 true is written TRUE in TICKscript",
      "8:36 unknown character '#'",
    ]);
    // `oops` after the unknown '#' reads as a (harmless) statement of its own.
    expect(r.ast?.statements.map((s) => s.type)).toEqual([
      "VarDecl",
      "ExprStatement",
      "VarDecl",
      "ExprStatement",
      "ExprStatement",
    ]);
  });

  it("does not echo a parse error right after an unterminated string or an unknown character", () => {
    expect(parse("stream |alert().message('x\n  .crit(lambda: TRUE)").diagnostics).toHaveLength(1);
    expect(parse('stream |alert().crit(lambda: "x" # 1)').diagnostics).toHaveLength(1);
  });

  it("reports each problem once", () => {
    const r = parse("stream |from(\n|window(\n|mean(");
    const positions = r.diagnostics.map((d) => `${d.line}:${d.column}`);
    expect(new Set(positions).size).toBe(positions.length);
  });
});

describe("limits", () => {
  it("refuses absurd nesting with a diagnostic instead of overflowing the stack", () => {
    const r = parse(`var x = ${"(".repeat(40)}1${")".repeat(40)}`);
    expect(r.ast).toBeUndefined();
    expect(r.diagnostics).toEqual([
      {
        code: PARSE,
        severity: "error",
        file: "<input>",
        line: 1,
        column: 41,
        endLine: 1,
        endColumn: 42,
        message: "nested too deeply: more than 32 levels of brackets or signs",
        hint: "split the expression into vars",
      },
    ]);
  });

  it("accepts ordinary nesting", () => {
    expect(parse(`var x = lambda: ${"abs(".repeat(20)}"v"${")".repeat(20)} > 1`).diagnostics).toEqual([]);
  });
});

describe("parseExpression diagnostics", () => {
  it("asks for the expression without lambda:", () => {
    const r = parseExpression('lambda: "x" > 1', "handler.yaml");
    expect(r.diagnostics).toEqual([
      {
        code: PARSE,
        severity: "error",
        file: "handler.yaml",
        line: 1,
        column: 1,
        endLine: 1,
        endColumn: 8,
        message: "write the expression without 'lambda:'",
        expected: ["a value"],
      },
    ]);
  });

  it("points just after the last token when the expression ends early", () => {
    expect(parseExpression("level() >= WARNING and").diagnostics[0]).toMatchObject({
      line: 1,
      column: 23,
      message: "expected a value after 'and', found the end of the script",
    });
    expect(parseExpression("").diagnostics[0]).toMatchObject({
      line: 1,
      column: 1,
      message: "expected a value, found the end of the script",
    });
  });

  it("rejects trailing input", () => {
    expect(parseExpression('"a" > 1 )').diagnostics[0]).toMatchObject({
      column: 9,
      message: "unexpected ')': there is no '(' open here",
    });
  });
});

describe("formatDiagnostic", () => {
  it("prints file:line:col, the line, a caret under the span and the hint", () => {
    const src = 'stream\n  |alert()\n    .crit("value" > 90)';
    const d = only(src);
    expect(formatDiagnostic(d, src)).toBe(
      [
        "cpu.tick:3:11: error: missing 'lambda:' before the expression",
        '3 |     .crit("value" > 90)',
        "              ^^^^^^^^^^^^",
        '  hint: write lambda: "value" > 90',
      ].join("\n"),
    );
  });
});
