/**
 * Which fields of written points a task can ever read, so ingest decodes only those
 * (core/line-protocol.ts `ParseOptions.fields`). Computed from the checked graph, leaves up:
 * a node's demand on its input is what it reads itself plus, when it passes input fields on,
 * what its children demand. A node that hands every field to the outside (alert data,
 * httpOut, influxDBOut, join/flatten renaming) demands them all.
 *
 * The result must never miss a field a task reads — a point lacking it would behave
 * differently — while a superset only costs decoding time. So every string and lambda
 * reference in a node's arguments and properties counts as read (tag names and output names
 * included: harmless), and a node kind not listed below demands every field.
 * test/unit/engine/field-demand.test.ts checks, over the conformance scenarios, that tasks
 * fed only their demanded fields behave exactly as when fed every field.
 */
import type { Expr } from "../../grammar/ast.js";
import type { ArgValue, TaskGraph, TaskNode } from "../pipeline/task-graph.js";
import { INFLUXQL_FUNCTIONS, isInfluxQLMethod } from "./influxql/index.js";
import { str } from "./props.js";

/** Field names, or "all". */
export type FieldDemand = ReadonlySet<string> | "all";

/** A task's demand per measurement; `any` for points of every measurement (from() without one). */
export interface TaskFieldDemand {
  byMeasurement: ReadonlyMap<string, FieldDemand>;
  any: FieldDemand | undefined;
}

/**
 * How a node kind uses its input's fields:
 * - pass: reads its own names and hands the point on with its fields (or a renamed one);
 * - project: reads its own names; its output fields are new, so children demand nothing of the input;
 * - none: reads no input fields (stats counts points; the query roots read InfluxDB);
 * - all: every field leaves the task or is renamed beyond tracking.
 */
type Use = "pass" | "project" | "none" | "all";

const USE: Readonly<Record<string, Use>> = {
  stream: "pass",
  noop: "pass",
  from: "pass",
  where: "pass",
  groupBy: "pass",
  window: "pass",
  default: "pass",
  delete: "pass",
  log: "pass", // logs name, group and time only
  barrier: "pass",
  sample: "pass",
  shift: "pass",
  union: "pass",
  stateDuration: "pass",
  stateCount: "pass",
  changeDetect: "pass",
  stats: "none",
  alert: "all", // alert data carries every field of the point
  httpOut: "all",
  influxDBOut: "all",
  join: "all",
  flatten: "all",
};

function useOf(n: TaskNode): Use {
  if (n.kind === "eval") {
    // Without .keep() only the new fields go on; .keep() with no names keeps them all.
    const keep = n.properties.some((p) => p.name === "keep" && p.args.length === 0);
    return keep ? "pass" : "project";
  }
  if (isInfluxQLMethod(n.kind)) {
    const c = INFLUXQL_FUNCTIONS[n.kind].category;
    // Selectors and derivative emit the selected/incoming point with every field.
    return c === "selector" || n.kind === "derivative" ? "pass" : "project";
  }
  return Object.hasOwn(USE, n.kind) ? USE[n.kind]! : "all";
}

/** The demand of every stream root's from() branches, by measurement. */
export function taskFieldDemand(graph: TaskGraph): TaskFieldDemand {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const memo = new Map<number, FieldDemand>();
  const need = (id: number, path: Set<number>): FieldDemand => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    const n = byId.get(id);
    if (n === undefined || path.has(id)) return "all";
    path.add(id);
    let d: FieldDemand;
    const use = useOf(n);
    if (use === "all") d = "all";
    else if (use === "none") d = new Set();
    else {
      const own = new Set<string>();
      readNames(n, own);
      d = own;
      if (use === "pass") for (const c of n.children) d = union(d, need(c, path));
    }
    path.delete(id);
    memo.set(id, d);
    return d;
  };

  const byMeasurement = new Map<string, FieldDemand>();
  let any: FieldDemand | undefined;
  for (const root of graph.nodes) {
    if (root.kind !== "stream" || root.parents.length > 0) continue;
    for (const c of root.children) {
      const child = byId.get(c);
      const d = need(c, new Set());
      const m = child?.kind === "from" ? str(child, "measurement") : undefined;
      if (m === undefined) any = any === undefined ? d : union(any, d);
      else byMeasurement.set(m, union(byMeasurement.get(m) ?? new Set(), d));
    }
  }
  return { byMeasurement, any };
}

/** a ∪ b ("all" absorbs). */
export function union(a: FieldDemand, b: FieldDemand): FieldDemand {
  if (a === "all" || b === "all") return "all";
  if (b.size === 0) return a;
  if (a.size === 0) return b;
  const out = new Set(a);
  for (const k of b) out.add(k);
  return out;
}

/** Every string argument and lambda reference of the node's call and properties. */
function readNames(n: TaskNode, out: Set<string>): void {
  for (const a of n.args) argNames(a, out);
  for (const p of n.properties) for (const a of p.args) argNames(a, out);
}

function argNames(a: ArgValue, out: Set<string>): void {
  if (a.type === "string") out.add(a.value);
  else if (a.type === "list") for (const i of a.items) argNames(i, out);
  else if (a.type === "lambda") exprNames(a.expr, out);
}

function exprNames(e: Expr, out: Set<string>): void {
  switch (e.type) {
    case "Reference":
      out.add(e.name);
      return;
    case "Unary":
      exprNames(e.operand, out);
      return;
    case "Binary":
      exprNames(e.left, out);
      exprNames(e.right, out);
      return;
    case "Call":
      for (const x of e.args) exprNames(x, out);
      return;
    case "List":
      for (const x of e.items) exprNames(x, out);
      return;
    case "Lambda":
      exprNames(e.body, out);
      return;
    default:
      return;
  }
}

/**
 * The demand of several tasks (those of one db/rp) as a parser filter. Null means every
 * field of every measurement: nothing to gain from a filter.
 */
export class FieldDemandFilter {
  private readonly cache = new Map<string, ReadonlySet<string> | undefined>();

  private constructor(
    private readonly byMeasurement: ReadonlyMap<string, FieldDemand>,
    private readonly any: FieldDemand,
  ) {}

  static of(demands: readonly TaskFieldDemand[]): FieldDemandFilter | undefined {
    let any: FieldDemand = new Set();
    const byMeasurement = new Map<string, FieldDemand>();
    for (const d of demands) {
      if (d.any !== undefined) any = union(any, d.any);
      for (const [m, f] of d.byMeasurement) byMeasurement.set(m, union(byMeasurement.get(m) ?? new Set(), f));
    }
    if (any === "all") return undefined;
    return new FieldDemandFilter(byMeasurement, any);
  }

  /** ParseOptions.fields: the fields wanted of `measurement`, undefined for all. */
  fieldsFor(measurement: string): ReadonlySet<string> | undefined {
    if (this.cache.has(measurement)) return this.cache.get(measurement);
    const own = this.byMeasurement.get(measurement);
    const d = own === undefined ? this.any : union(own, this.any);
    const out = d === "all" ? undefined : d;
    if (this.cache.size < 4096) this.cache.set(measurement, out);
    return out;
  }
}
