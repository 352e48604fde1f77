/**
 * `|combine(lambda…).as(names…).delimiter(d).tolerance(t).max(n)` (Kapacitor's combine.go):
 * combines a group's points of one time with each other. For every set of k points out of
 * the n of a time (n choose k, in lexicographic index order) it assigns, expression by
 * expression, the first point of the set that matches it; when every expression got one, the
 * points merge into one: fields and non-group tags prefixed `name + delimiter`, group tags
 * kept, time rounded to the tolerance. More than `.max()` combinations for one time is an
 * error and emits nothing for it.
 *
 * States per group: stream — the points of the current rounded time, combined when a point of
 * another time arrives (the last time waits); batch — points by rounded time, combined when
 * a batch with another (rounded) time arrives. Each group has its own copy of the lambdas'
 * state (Kapacitor's CopyReset), taken when the group's first message arrives: the groups
 * holding one are the node's working_cardinality, every group seen, as Kapacitor's grouped
 * consumer counts them.
 */
import type { Expr } from "../../../grammar/ast.js";
import { byTime, goRound } from "../../core/time.js";
import type { Fields, Tags } from "../../core/types.js";
import type { CompiledExpr } from "../../expr/index.js";
import type { TaskNode } from "../../pipeline/task-graph.js";
import type { TaskContext } from "../context.js";
import type { Dimensions } from "../group.js";
import { compileBool } from "../lambda.js";
import type { BatchMsg, PointMsg } from "../messages.js";
import { RuntimeNode } from "../node.js";
import { dur, int, str, strings } from "../props.js";

/** pipeline/combine.go defaults. */
const DEFAULT_DELIMITER = ".";
const DEFAULT_MAX = 1_000_000;

interface Raw {
  time: bigint;
  fields: Fields;
  tags: Tags;
}

interface Buffer {
  time: bigint;
  name: string;
  group: string;
  dims: Dimensions;
  points: Raw[];
}

export class CombineNode extends RuntimeNode {
  private readonly sources: Expr[];
  private readonly names: string[];
  private readonly delimiter: string;
  private readonly tolerance: number;
  private readonly max: number;
  private readonly exprs = new Map<string, CompiledExpr[]>();
  private readonly streamBuffers = new Map<string, Buffer>();
  private readonly batchBuffers = new Map<string, { time: bigint; byTime: Map<bigint, Buffer> }>();

  constructor(n: TaskNode, ctx: TaskContext) {
    super(n.name, ctx);
    this.sources = n.args.flatMap((a) => (a.type === "lambda" ? [a.expr] : []));
    this.names = strings(n, "as");
    if (this.names.length !== this.sources.length)
      throw new Error(
        `${n.name}: combine has ${this.sources.length} expressions but .as() names ${this.names.length}`,
      );
    this.delimiter = str(n, "delimiter") ?? DEFAULT_DELIMITER;
    this.tolerance = dur(n, "tolerance") ?? 0;
    this.max = int(n, "max") ?? DEFAULT_MAX;
  }

  /** Every group seen (each has its lambdas from its first message on). */
  override cardinality(): number {
    return this.exprs.size;
  }

  override deleteGroup(group: string): void {
    this.exprs.delete(group);
    this.streamBuffers.delete(group);
    this.batchBuffers.delete(group);
    super.deleteGroup(group);
  }

  override point(m: PointMsg): void {
    this.exprsFor(m.group);
    const t = this.round(m.time);
    const raw = { time: t, fields: m.fields, tags: m.tags };
    const buf = this.streamBuffers.get(m.group);
    if (buf !== undefined && buf.time === t) {
      buf.points.push(raw);
      return;
    }
    this.streamBuffers.set(m.group, { time: t, name: m.name, group: m.group, dims: m.dims, points: [raw] });
    if (buf !== undefined) this.combine(buf);
  }

  override batch(m: BatchMsg): void {
    this.exprsFor(m.group);
    const t = this.round(m.time);
    let g = this.batchBuffers.get(m.group);
    if (g === undefined) {
      g = { time: t, byTime: new Map() };
      this.batchBuffers.set(m.group, g);
    }
    if (g.time !== t) {
      g.time = t;
      const old = [...g.byTime.values()].sort(byTime);
      g.byTime.clear();
      for (const b of old) this.combine(b);
    }
    for (const p of m.points) {
      const pt = this.round(p.time);
      let buf = g.byTime.get(pt);
      if (buf === undefined) {
        buf = { time: pt, name: m.name, group: m.group, dims: m.dims, points: [] };
        g.byTime.set(pt, buf);
      }
      buf.points.push({ time: pt, fields: p.fields, tags: p.tags });
    }
  }

  private round(t: bigint): bigint {
    const d = this.tolerance;
    return goRound(t, d);
  }

  private exprsFor(group: string): CompiledExpr[] {
    let e = this.exprs.get(group);
    if (e === undefined) {
      e = this.sources.map(compileBool);
      this.exprs.set(group, e);
    }
    return e;
  }

  private combine(buf: Buffer): void {
    const n = buf.points.length;
    const k = this.sources.length;
    if (n === 0 || n < k) return;
    const count = choose(n, k);
    if (count > this.max) {
      this.error(
        new Error(
          `refusing to perform combination as total combinations ${count} exceeds max combinations ${this.max}`,
        ),
      );
      return;
    }
    const exprs = this.exprsFor(buf.group);
    const matches = exprs.map((e) =>
      buf.points.map((p) => {
        try {
          return e.evalBool(p);
        } catch (err) {
          this.error(err);
          return false;
        }
      }),
    );
    const dims = new Set(buf.dims.tagNames);
    const indices = Array.from({ length: k }, (_, i) => i);
    for (;;) {
      const left = [...indices];
      const set: Raw[] = [];
      for (let s = 0; s < k; s++) {
        const at = left.findIndex((i) => matches[s]![i]);
        if (at < 0) break;
        set.push(buf.points[left[at]!]!);
        left.splice(at, 1);
      }
      if (set.length === k) this.emitMerged(buf, set, dims);
      // Next combination of k indices out of n.
      let i = k - 1;
      while (i >= 0 && indices[i] === i + n - k) i--;
      if (i < 0) return;
      indices[i]!++;
      for (let j = i + 1; j < k; j++) indices[j] = indices[j - 1]! + 1;
    }
  }

  private emitMerged(buf: Buffer, set: readonly Raw[], dims: ReadonlySet<string>): void {
    const fields: Fields = {};
    const tags: Tags = {};
    set.forEach((p, i) => {
      const prefix = this.names[i]! + this.delimiter;
      for (const [f, v] of Object.entries(p.fields)) fields[prefix + f] = v;
      for (const [t, v] of Object.entries(p.tags)) {
        if (dims.has(t)) tags[t] = v;
        else tags[prefix + t] = v;
      }
    });
    this.emitPoint({
      name: buf.name,
      db: "",
      rp: "",
      tags,
      fields,
      time: this.round(set[0]!.time),
      group: buf.group,
      dims: buf.dims,
    });
  }
}

/** n choose k. */
function choose(n: number, k: number): number {
  let c = 1;
  for (let i = 0; i < k; i++) c = (c * (n - i)) / (i + 1);
  return c;
}
