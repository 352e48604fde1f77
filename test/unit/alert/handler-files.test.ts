import { describe, expect, it } from "vitest";
import {
  parseHandlerFile,
  validateHandlerSpec,
  type ParsedHandlerFile,
} from "../../../src/alert/handler-files.js";

function ok(r: ParsedHandlerFile) {
  if (!r.ok) throw new Error(`unexpected problem: ${r.problem.line}: ${r.problem.message}`);
  return r.file;
}

function problem(r: ParsedHandlerFile): string {
  if (r.ok) throw new Error("expected a problem");
  return `${r.problem.path}:${r.problem.line}: ${r.problem.message}`;
}

describe("parseHandlerFile", () => {
  it("reads Kapacitor's YAML format, YAML 1.1 style (0644 is octal 420)", () => {
    const f = ok(
      parseHandlerFile(
        "h/log.yaml",
        [
          "topic: cpu",
          "id: log-cpu",
          "kind: log",
          "options:",
          "  path: /tmp/alerts.log",
          "  mode: 0644",
          "  since: 2024-01-02",
          'match: "\\"host\\" == \'serverA\'"',
          "",
        ].join("\n"),
      ),
    );
    expect(f.spec).toEqual({
      topic: "cpu",
      id: "log-cpu",
      kind: "log",
      options: { path: "/tmp/alerts.log", mode: 420, since: "2024-01-02" },
      match: `"host" == 'serverA'`,
    });
    expect(f.lineOf("kind")).toBe(3);
    expect(f.optionLine("mode")).toBe(6);
    expect(f.optionLine("absent")).toBe(4);
    expect(f.matchLine(1)).toBe(8);
  });

  it("reads JSON, leaves duration options as written and defaults options and match", () => {
    const f = ok(
      parseHandlerFile(
        "h/agg.json",
        '{"topic": "cpu", "id": "agg", "kind": "aggregate",\n "options": {"interval": 60000000000, "every": "1m"}}',
      ),
    );
    expect(f.spec.options).toEqual({ interval: 60000000000, every: "1m" });
    expect(f.spec.match).toBe("");
    const bare = ok(parseHandlerFile("h/x.yml", "topic: a\nid: b\nkind: log\n"));
    expect(bare.spec.options).toEqual({});
  });

  it("puts a block-scalar match on the line after the key", () => {
    const f = ok(
      parseHandlerFile(
        "h/m.yaml",
        "topic: a\nid: b\nkind: log\nmatch: |\n  level() >= WARNING\n  AND changed()\n",
      ),
    );
    expect(f.matchLine(2)).toBe(6);
  });

  it.each([
    [
      "topic: a\nid: b\nkind: log\ntopc: x\n",
      `h/f.yaml:4: unknown key "topc" (did you mean "topic"?); a handler file has topic, id, kind, options and match`,
    ],
    ["id: b\nkind: log\n", `h/f.yaml:1: missing "topic"`],
    ["topic: a\nid: 12\nkind: log\n", `h/f.yaml:2: "id" must be a string, got number 12`],
    [
      "topic: a\nid: b\nkind: log\noptions: [1, 2]\n",
      `h/f.yaml:4: "options" must be a mapping of option names to values, got a list`,
    ],
    [
      "topic: a\nid: b c\nkind: log\n",
      `h/f.yaml:2: handler ID must contain only letters, numbers, '-', '.' and '_'. "b c"`,
    ],
    [
      "topic: a/b\nid: b\nkind: log\n",
      `h/f.yaml:1: handler topic must contain only letters, numbers, '-', '.' and '_'. "a/b"`,
    ],
    ["topic: a\nid: b\n", `h/f.yaml:1: handler Kind must not be empty`],
    ["topic: a\nid: b\nkind: ''\n", `h/f.yaml:3: handler Kind must not be empty`],
    ["", `h/f.yaml:1: empty handler file: expected topic, id, kind, options and match`],
    ["- a\n- b\n", `h/f.yaml:1: a handler file must be a mapping with keys topic, id, kind, options, match`],
  ])("reports schema problems on the key's line (%#)", (text, want) => {
    expect(problem(parseHandlerFile("h/f.yaml", text))).toBe(want);
  });

  it("reports YAML syntax errors with the library's position", () => {
    expect(
      problem(parseHandlerFile("h/f.yaml", "topic: a\nid: b\nkind: log\nmatch: \"host\" == 'a'\n")),
    ).toMatch(/^h\/f\.yaml:4: invalid YAML: /);
    expect(problem(parseHandlerFile("h/f.yaml", "topic: a\ntopic: b\n"))).toBe(
      "h/f.yaml:2: invalid YAML: Map keys must be unique",
    );
    expect(problem(parseHandlerFile("h/f.json", '{"topic": "a",\n "id": }'))).toMatch(
      /^h\/f\.json:1: invalid JSON: /,
    );
    expect(problem(parseHandlerFile("h/f.json", '{"topic": "a",\n "id": "b",\n}'))).toMatch(
      /^h\/f\.json:3: invalid JSON: \w/,
    );
  });
});

describe("validateHandlerSpec", () => {
  it("accepts letters of any script, digits, - . _ and ':' in topics", () => {
    expect(
      validateHandlerSpec({ topic: "main:cpu_alert:alert2", id: "vo-ü.1", kind: "victorops" }),
    ).toBeUndefined();
  });
});
