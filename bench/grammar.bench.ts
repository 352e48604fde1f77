/**
 * `grammar`: TICKscript parses/s of a 200-line script (the shipped cpu task repeated), against
 * the lexer alone over the same text: the ratio is the parser's share, which a noisy machine
 * does not move. Replaces the wall-clock bound the unit tests used to assert.
 */
import { readFileSync } from "node:fs";
import { parse } from "../grammar/index.js";
import { tickLexer } from "../grammar/tokens.js";
import { opsPerSecond, type Bench, type BenchResult } from "./harness.js";

const grammarBench: Bench = {
  name: "grammar",
  run(): BenchResult[] {
    const one = readFileSync(new URL("../../tasks/cpu_alert.tick", import.meta.url), "utf8");
    const script = Array.from({ length: 10 }, () => one.replace(/^dbrp .*$/m, "")).join("\n");
    const lines = script.split("\n").length;
    if (parse(script).diagnostics.some((d) => d.severity === "error"))
      throw new Error("grammar bench: the script does not parse");
    const lex = opsPerSecond(() => (tickLexer.tokenize(script).tokens.length > 0 ? 1 : 0));
    const full = opsPerSecond(() => (parse(script).ast !== undefined ? 1 : 0));
    return [
      {
        name: `grammar: parse a ${lines}-line script`,
        value: full,
        unit: "parses/s",
        baseline: { name: "lexer alone", value: lex },
      },
    ];
  },
};

export const benches: Bench[] = [grammarBench];
