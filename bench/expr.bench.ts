/**
 * `expr`: evaluations/s of the lambda `"usage_idle" < 10.0 AND "host" == 'a'` over a pre-built
 * array of points (several hosts, idle values on both sides of the threshold), against a
 * hand-written JS closure doing the same comparison on the same points.
 */
import type { Expr } from "../grammar/ast.js";
import type { Point } from "../src/core/types.js";
import { compileExpression } from "../src/expr/index.js";
import { opsPerSecond, type Bench, type BenchResult } from "./harness.js";

const POS = { line: 1, column: 1, offset: 0 };
const SPAN = { start: POS, end: POS };

/** The AST of `"usage_idle" < 10.0 AND "host" == 'a'`, built by hand so the bench does not depend on the parser. */
function benchAst(): Expr {
  return {
    type: "Binary",
    op: "AND",
    opSpan: SPAN,
    span: SPAN,
    left: {
      type: "Binary",
      op: "<",
      opSpan: SPAN,
      span: SPAN,
      left: { type: "Reference", name: "usage_idle", span: SPAN },
      right: { type: "Float", value: 10, raw: "10.0", span: SPAN },
    },
    right: {
      type: "Binary",
      op: "==",
      opSpan: SPAN,
      span: SPAN,
      left: { type: "Reference", name: "host", span: SPAN },
      right: { type: "String", value: "a", triple: false, span: SPAN },
    },
  };
}

function makePoints(n: number): Point[] {
  const hosts = ["a", "b", "c", "d"];
  const points: Point[] = [];
  for (let i = 0; i < n; i++) {
    points.push({
      name: "cpu",
      tags: { host: hosts[i % hosts.length]!, cpu: "cpu-total" },
      fields: { usage_idle: (i * 7.3) % 20, usage_user: (i * 3.1) % 100 },
      time: 1_700_000_000_000_000_000n + BigInt(i) * 1_000_000_000n,
    });
  }
  return points;
}

const exprBench: Bench = {
  name: "expr",
  run(): BenchResult[] {
    const points = makePoints(4096);
    const compiled = compileExpression(benchAst());
    const evalBool = (p: Point): boolean => compiled.evalBool(p);
    const baseline = (p: Point): boolean => (p.fields.usage_idle as number) < 10 && p.tags.host === "a";

    // Same answers, or the comparison is meaningless.
    for (const p of points) {
      if (evalBool(p) !== baseline(p)) throw new Error("expr bench: compiled and baseline disagree");
    }

    let sink = 0;
    const loop = (f: (p: Point) => boolean) => (): number => {
      for (let i = 0; i < points.length; i++) if (f(points[i]!)) sink++;
      return points.length;
    };
    const base = opsPerSecond(loop(baseline));
    const value = opsPerSecond(loop(evalBool));
    if (sink < 0) console.log(sink);
    return [
      {
        name: "expr",
        value,
        unit: "evaluations/s",
        baseline: { name: "hand-written closure", value: base },
      },
    ];
  },
};

export const benches: Bench[] = [exprBench];
