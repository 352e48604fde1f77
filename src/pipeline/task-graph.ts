/**
 * The checked task graph: what `checkProgram` produces from a TICKscript and what the engine
 * builds running nodes from. Pure data (no behaviour, no closures), so it can be logged,
 * snapshotted in tests and compared.
 *
 * Shape, in Kapacitor's terms:
 * - Nodes are numbered in pipeline order exactly as Kapacitor's `Pipeline.assignID` does, and
 *   named `desc + id` (`stream0`, `from1`, `window2`, `mean3`, `alert4`). The anonymous alert
 *   topic `<taskmaster>:<task>:<node name>` depends on these names, so they are reproduced
 *   quirks included: `|join(a, b)` and `|union(a)` consume one id per parent link (Kapacitor
 *   calls `linkChild`, which assigns an id, once per parent), so ids can skip; `|stats()` and
 *   `|deadman()` add a `noop` child to a node that has no children yet.
 * - `kind` is the catalogue key (the TICKscript method name: `influxDBOut`, `stateDuration`);
 *   `desc` is Kapacitor's node description used in names (`influxdb_out`, `state_duration`).
 * - Property values are runtime values: ints are bigint, floats number, durations integer
 *   nanoseconds, lambdas the lambda *body* with every var already substituted.
 * - Properties are kept in source order, repeats included; `lastProperty` gives the value that
 *   wins for properties that are set once, `allProperties` the list for repeatable ones
 *   (`.where()` on from is ANDed, `.header()`, `.inhibit()`, `.tag()` accumulate).
 */
import type { Expr, Span } from "../../grammar/ast.js";

export type TaskType = "stream" | "batch";

export interface Dbrp {
  db: string;
  rp: string;
}

/** What travels along an edge: points one at a time, batches (windows, query results), or nothing. */
export type EdgeType = "stream" | "batch" | "none";

/** A resolved argument. Every value keeps the span of the text it came from. */
export type ArgValue =
  | { type: "int"; value: bigint; span: Span }
  | { type: "float"; value: number; span: Span }
  | { type: "bool"; value: boolean; span: Span }
  | { type: "string"; value: string; span: Span }
  /** Integer nanoseconds. */
  | { type: "duration"; ns: number; span: Span }
  /** Go RE2 syntax, `\/` already unescaped. */
  | { type: "regex"; pattern: string; span: Span }
  /** `expr` is the lambda body (without `lambda:`), vars substituted by literals. */
  | { type: "lambda"; expr: Expr; span: Span }
  | { type: "star"; span: Span }
  | { type: "list"; items: ArgValue[]; span: Span }
  /** Another node of this graph, by id (`|join(errors)`). */
  | { type: "node"; id: number; span: Span }
  /** `time(10s)` in `|query().groupBy(time(10s), 'host')`; `time(10s, 2s)` sets `offset`. */
  | { type: "time"; ns: number; offset?: number; span: Span };

export type ArgType = ArgValue["type"];

/** One `.name(args)` as written (after list spreading for variadic parameters). */
export interface PropertySetting {
  name: string;
  args: ArgValue[];
  /** The whole `.name(...)` link. */
  span: Span;
  nameSpan: Span;
}

/** A handler object created by an alert property such as `.post(url)` or `.victorOps()`. */
export interface HandlerSpec {
  /** Catalogue handler kind: post, victorOps, escalation, log, tcp, exec, kafka. */
  kind: string;
  /** Arguments of the creating call, e.g. the URL of `.post(url)`. */
  args: ArgValue[];
  /** Properties set on the handler object (`.routingKey()`, `.header()`), source order. */
  properties: PropertySetting[];
  span: Span;
  /** True when tickd's engine can run this handler kind (see catalogue.ts). */
  implemented: boolean;
}

/** What `|deadman(threshold, interval, exprs…)` asked for, kept on the alert node it created. */
export interface DeadmanSpec {
  threshold: number;
  intervalNs: number;
  /** Extra lambda bodies ANDed with `"emitted" <= threshold`. */
  expressions: Expr[];
}

export interface TaskNode {
  /** Pipeline id (see the header about skipped ids). */
  id: number;
  /** Kapacitor's node name: desc + id, e.g. `alert4`. */
  name: string;
  /** Catalogue key, e.g. `alert`, `mean`, `influxDBOut`, `stream`. */
  kind: string;
  /** Kapacitor's node description, e.g. `influxdb_out`. */
  desc: string;
  parents: number[];
  children: number[];
  wants: EdgeType;
  provides: EdgeType;
  /** Arguments of the creating call: `|mean('usage')` → the string `usage`. */
  args: ArgValue[];
  /** `.prop()` settings in source order. */
  properties: PropertySetting[];
  /** Alert nodes only: handler objects in source order. */
  handlers: HandlerSpec[];
  /** The creating `|node()` link (for roots, the first use of `stream`/`batch`). */
  span: Span;
  /** True when tickd's engine can run this node kind (see catalogue.ts). */
  implemented: boolean;
  /** Created implicitly: `noop`, and the stats/derivative/alert trio of `|deadman()`. */
  synthetic: boolean;
  /** Stats nodes: the node whose throughput they report (a stats node has no parent edge). */
  statsSource?: number;
  /** Alert nodes created by `|deadman()`. */
  deadman?: DeadmanSpec;
}

export interface TaskGraph {
  type: TaskType;
  /** From `dbrp` statements, or from the caller's options. */
  dbrps: Dbrp[];
  /** In id order. Ids may skip (see the header), so look nodes up with `nodeById`. */
  nodes: TaskNode[];
}

export function nodeById(graph: TaskGraph, id: number): TaskNode | undefined {
  return graph.nodes.find((n) => n.id === id);
}

/** The setting that wins for a property set once (the last one written), if any. */
export function lastProperty(
  owner: { properties: readonly PropertySetting[] },
  name: string,
): PropertySetting | undefined {
  for (let i = owner.properties.length - 1; i >= 0; i--) {
    const p = owner.properties[i];
    if (p !== undefined && p.name === name) return p;
  }
  return undefined;
}

/** Every setting of a repeatable property, in source order. */
export function allProperties(
  owner: { properties: readonly PropertySetting[] },
  name: string,
): PropertySetting[] {
  return owner.properties.filter((p) => p.name === name);
}
