/**
 * InfluxQL functions as Kapacitor's InfluxQL and Derivative nodes apply them: pure functions
 * over a batch, or small per-group state objects for transforms. Engine-independent: the
 * engine windows and groups, this module only reduces.
 *
 * ## Use
 * ```ts
 * const call = compileInfluxQL({ method: "mean", field: "value" }, "mean3"); // checks args
 * if (call.kind === "batch") out = call.apply(windowBatch, { name, groupTags, onSkip });
 * else state = call.create({ name, groupTags });  // then state.push(point) per point
 * ```
 * `compileInfluxQL` throws E_INFLUXQL for an unknown method or bad arguments (top(0), …), so
 * the pipeline can reject a task before it runs.
 *
 * ## Output rules (Kapacitor influxql.go + influxql.gen.go.tmpl; TestStream_InfluxQL_Float)
 * - **aggregate** (count sum mean median mode spread stddev): one point; time = batch time
 *   (always — see deviations); tags = group tags; fields = { [as]: value }.
 * - **selector** (first last min max percentile): the selected point itself — all its tags,
 *   all its fields with `field` renamed to `as` (when they differ); time = batch time, or the
 *   point's time with usePointTimes.
 * - **multiSelector**: top/bottom emit up to n points, best first, tags = group tags + the
 *   point's tags, fields = { [as]: value }; distinct emits the first point of each value in
 *   time order with the group tags only. Time = batch time, or each point's own time with
 *   usePointTimes.
 * - **transform** (difference movingAverage cumulativeSum elapsed): per point, time = the
 *   point's, tags = group tags, fields = { [as]: value }. derivative keeps the whole point and
 *   sets `as` (default: the field itself) to the rate per `unit` (default 1s).
 *
 * ## Types (pipeline/influxql.go reducer table)
 * count → int64 for any kind; sum, spread, mode, cumulativeSum, difference → same kind as
 * input (int64 stays bigint); mean, median, stddev, movingAverage, derivative → float;
 * elapsed → int64. Selectors keep the input. first/last/count/distinct/elapsed accept strings
 * and booleans; the rest accept int and float only.
 *
 * ## Empty batches, missing fields, wrong kinds
 * - Empty batch: count → 0 (int64), sum → 0 (float64: Kapacitor assumes float with no data);
 *   everything else → [].
 * - The first point carrying the field with an accepted kind fixes the batch's kind. Points
 *   without the field or of another kind are skipped; each is reported to `ctx.onSkip`.
 * - A non-empty batch with no usable point: count/sum still emit 0 (as Kapacitor does);
 *   every other function throws E_INFLUXQL naming the node and field ("missing in all 3
 *   points", "cannot apply mean to string field").
 * - Transforms throw E_INFLUXQL from `push` for an unusable point; the state is unchanged.
 *
 * ## Deliberate deviations from Kapacitor 1.8
 * - Kapacitor stamps sum (and count of an empty batch) with the Unix epoch under
 *   usePointTimes (the reducer's seed point has time 0); aggregates here always use the batch
 *   time, as Kapacitor's documentation states.
 * - After a transform's kind is fixed, Kapacitor still calls Emit for a point it failed to
 *   aggregate, re-emitting the previous cumulativeSum/movingAverage/elapsed value at its old
 *   time. Here such a point emits nothing.
 * - Kapacitor ≥1.5 accepts top/bottom's extra fieldsAndTags arguments but no longer uses
 *   them (the query-engine reducers ignore the aux values); accepted and ignored here too.
 * - Where Go's sort order is unspecified (equal values beyond 12 points, distinct's map order
 *   at equal times) the order here is arrival order.
 */
import { TickdError } from "../../core/errors.js";
import type { Point } from "../../core/types.js";
import { byTime } from "../../core/time.js";
import * as agg from "./aggregates.js";
import * as sel from "./selectors.js";
import { holtWinters } from "./holt-winters.js";
import { CumulativeSum, Derivative, Difference, Elapsed, MovingAverage } from "./transforms.js";
import type {
  BatchInput,
  CompiledBatchCall,
  CompiledInfluxQL,
  CompiledTransform,
  FunctionCategory,
  GroupContext,
  InfluxQLArg,
  InfluxQLCall,
  InfluxQLSpec,
  Sample,
  TransformState,
  ValueKind,
} from "./types.js";
import { collect, E_INFLUXQL, influxqlError, nothingUsable } from "./values.js";

export type {
  BatchInput,
  CompiledBatchCall,
  CompiledInfluxQL,
  CompiledTransform,
  FunctionCategory,
  GroupContext,
  InfluxQLArg,
  InfluxQLCall,
  InfluxQLSpec,
  TransformState,
  ValueKind,
} from "./types.js";
export { E_INFLUXQL } from "./values.js";

const NUM: readonly ValueKind[] = ["float", "int"];
const ANY: readonly ValueKind[] = ["float", "int", "string", "bool"];

function spec(
  method: string,
  category: FunctionCategory,
  accepts: readonly ValueKind[],
  output: ValueKind | "same",
  emitsOnEmpty = false,
): InfluxQLSpec {
  return Object.freeze({ method, category, accepts, output, emitsOnEmpty });
}

/** Every function, by TICKscript method name. */
export const INFLUXQL_FUNCTIONS = Object.freeze({
  count: spec("count", "aggregate", ANY, "int", true),
  sum: spec("sum", "aggregate", NUM, "same", true),
  mean: spec("mean", "aggregate", NUM, "float"),
  median: spec("median", "aggregate", NUM, "float"),
  mode: spec("mode", "aggregate", NUM, "same"),
  spread: spec("spread", "aggregate", NUM, "same"),
  stddev: spec("stddev", "aggregate", NUM, "float"),
  first: spec("first", "selector", ANY, "same"),
  last: spec("last", "selector", ANY, "same"),
  min: spec("min", "selector", NUM, "same"),
  max: spec("max", "selector", NUM, "same"),
  percentile: spec("percentile", "selector", NUM, "same"),
  top: spec("top", "multiSelector", NUM, "same"),
  bottom: spec("bottom", "multiSelector", NUM, "same"),
  distinct: spec("distinct", "multiSelector", ANY, "same"),
  derivative: spec("derivative", "transform", NUM, "float"),
  difference: spec("difference", "transform", NUM, "same"),
  movingAverage: spec("movingAverage", "transform", NUM, "float"),
  cumulativeSum: spec("cumulativeSum", "transform", NUM, "same"),
  elapsed: spec("elapsed", "transform", ANY, "int"),
  holtWinters: spec("holtWinters", "multiSelector", NUM, "float"),
  holtWintersWithFit: spec("holtWintersWithFit", "multiSelector", NUM, "float"),
} satisfies Record<string, InfluxQLSpec>);

export type InfluxQLMethod = keyof typeof INFLUXQL_FUNCTIONS;

export function isInfluxQLMethod(m: string): m is InfluxQLMethod {
  return Object.hasOwn(INFLUXQL_FUNCTIONS, m);
}

const AGGREGATES: Partial<Record<InfluxQLMethod, agg.AggregateReduce>> = {
  count: agg.count,
  sum: agg.sum,
  mean: agg.mean,
  median: agg.median,
  mode: agg.mode,
  spread: agg.spread,
  stddev: agg.stddev,
};

/**
 * Checks the call and returns its executable form. `node` names the node in compile errors
 * and in runtime errors when the context does not name one (default: the method).
 */
export function compileInfluxQL(call: InfluxQLCall, node?: string): CompiledInfluxQL {
  const where = node ?? call.method;
  const c = compileCall(call, where);
  if (node === undefined) return c;
  // Runtime errors name the node given here unless the context names one.
  const named = (ctx: GroupContext): GroupContext => (ctx.node === undefined ? { ...ctx, node } : ctx);
  if (c.kind === "batch") return { ...c, apply: (b, ctx) => c.apply(b, named(ctx)) };
  return {
    ...c,
    create: (ctx) => c.create(named(ctx)),
    applyBatch: (b, ctx) => c.applyBatch(b, named(ctx)),
  };
}

function compileCall(call: InfluxQLCall, where: string): CompiledInfluxQL {
  if (!isInfluxQLMethod(call.method)) {
    throw influxqlError(where, `unknown InfluxQL function "${call.method}"`);
  }
  const method = call.method;
  const s = INFLUXQL_FUNCTIONS[method];
  const args = call.args ?? [];
  // Both holtWinters nodes name their output field "holtWinters" (Kapacitor's InfluxQL node).
  const as =
    call.as ??
    (method === "derivative" ? call.field : method === "holtWintersWithFit" ? "holtWinters" : method);
  if (call.field === "") throw influxqlError(where, `${method} needs a field`);
  if (as === "") throw influxqlError(where, `${method}: .as() needs a non-empty name`);
  const expectArgs = (n: number) => {
    if (args.length !== n) {
      throw influxqlError(where, `${method} takes ${n} argument(s) after the field, got ${args.length}`);
    }
  };

  switch (method) {
    case "derivative": {
      expectArgs(0);
      const unit = call.unit ?? 1e9;
      if (!(unit > 0)) throw influxqlError(where, `derivative .unit() must be positive, got ${unit}`);
      const nonNegative = call.nonNegative ?? false;
      return transform(s, (ctx) => new Derivative(call.field, as, unit, nonNegative, ctx));
    }
    case "difference":
      expectArgs(0);
      return transform(s, (ctx) => new Difference(s, call.field, as, ctx));
    case "cumulativeSum":
      expectArgs(0);
      return transform(s, (ctx) => new CumulativeSum(s, call.field, as, ctx));
    case "movingAverage": {
      expectArgs(1);
      const n = positiveInt(args[0], where, "movingAverage window");
      return transform(s, (ctx) => new MovingAverage(s, call.field, as, ctx, n));
    }
    case "elapsed": {
      expectArgs(1);
      const unit = positiveInt(args[0], where, "elapsed unit");
      return transform(s, (ctx) => new Elapsed(s, call.field, as, ctx, BigInt(unit)));
    }
    case "first":
    case "last":
    case "min":
    case "max":
      expectArgs(0);
      return selector(s, call, as, sel[method]);
    case "percentile": {
      expectArgs(1);
      const p = args[0];
      if (typeof p !== "number" && typeof p !== "bigint") {
        throw influxqlError(where, `percentile needs a number, got ${JSON.stringify(p)}`);
      }
      return selector(s, call, as, sel.percentile(Number(p)));
    }
    case "top":
    case "bottom": {
      if (args.length < 1) throw influxqlError(where, `${method} needs a count before the field`);
      const n = positiveInt(args[0], where, `${method} count`);
      for (const a of args.slice(1)) {
        if (typeof a !== "string") {
          throw influxqlError(where, `${method}: extra arguments must be field or tag names`);
        }
      }
      const pick = method === "top" ? sel.top(n) : sel.bottom(n);
      return multi(s, call, as, pick, true);
    }
    case "holtWinters":
    case "holtWintersWithFit": {
      expectArgs(3);
      const h = positiveInt(args[0], where, `${method} h`);
      const m = nonNegativeInt(args[1], where, `${method} m`);
      const interval = args[2];
      if (typeof interval !== "number" || !(interval > 0))
        throw influxqlError(where, `${method} interval must be a positive duration, got ${String(interval)}`);
      return forecast(s, call, as, h, m, interval, method === "holtWintersWithFit");
    }
    case "distinct":
      expectArgs(0);
      return multi(s, call, as, sel.distinct, false);
    default: {
      expectArgs(0);
      const reduce = AGGREGATES[method];
      if (reduce === undefined) throw influxqlError(where, `no implementation for ${method}`);
      return aggregate(s, call, as, reduce);
    }
  }
}

/** Looks up and compiles in one step; the common case for the engine. */
export function applyInfluxQL(call: InfluxQLCall, batch: BatchInput, ctx: GroupContext): Point[] {
  const c = compileInfluxQL(call, ctx.node);
  return c.kind === "batch" ? c.apply(batch, ctx) : c.applyBatch(batch, ctx);
}

function nonNegativeInt(v: InfluxQLArg | undefined, where: string, what: string): number {
  const n = typeof v === "bigint" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
    throw influxqlError(where, `${what} must be a non-negative integer, got ${String(v)}`);
  }
  return n;
}

function positiveInt(v: InfluxQLArg | undefined, where: string, what: string): number {
  const n = typeof v === "bigint" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 1) {
    throw influxqlError(where, `${what} must be a positive integer, got ${String(v)}`);
  }
  return n;
}

/** Runs `reduce` over the usable samples; handles empty and all-unusable batches. */
function usableSamples(
  s: InfluxQLSpec,
  call: InfluxQLCall,
  batch: BatchInput,
  ctx: GroupContext,
): { kind: ValueKind; samples: Sample[] } | undefined {
  const c = collect(s, call.field, batch, ctx);
  if (c.kind !== undefined) return { kind: c.kind, samples: c.samples };
  if (batch.points.length === 0 || s.emitsOnEmpty) return undefined;
  throw influxqlError(ctx.node ?? s.method, nothingUsable(s, call.field, batch.points.length, c));
}

function aggregate(
  s: InfluxQLSpec,
  call: InfluxQLCall,
  as: string,
  reduce: agg.AggregateReduce,
): CompiledBatchCall {
  return {
    kind: "batch",
    spec: s,
    apply(batch, ctx) {
      const u = usableSamples(s, call, batch, ctx);
      let value;
      if (u !== undefined) value = reduce(u.samples, u.kind);
      else if (s.emitsOnEmpty) value = s.method === "count" ? 0n : 0;
      else return [];
      return [{ name: ctx.name, tags: { ...ctx.groupTags }, fields: { [as]: value }, time: batch.time }];
    },
  };
}

function selector(s: InfluxQLSpec, call: InfluxQLCall, as: string, pick: sel.SelectOne): CompiledBatchCall {
  return {
    kind: "batch",
    spec: s,
    apply(batch, ctx) {
      const u = usableSamples(s, call, batch, ctx);
      if (u === undefined) return [];
      const chosen = pick(u.samples, u.kind);
      if (chosen === undefined) return [];
      const p = chosen.point;
      const fields = { ...p.fields };
      if (as !== call.field) {
        fields[as] = chosen.value;
        delete fields[call.field];
      }
      return [
        {
          name: ctx.name,
          tags: { ...p.tags },
          fields,
          time: call.usePointTimes === true ? p.time : batch.time,
        },
      ];
    },
  };
}

function multi(
  s: InfluxQLSpec,
  call: InfluxQLCall,
  as: string,
  pick: (samples: readonly Sample[]) => Sample[],
  withPointTags: boolean,
): CompiledBatchCall {
  return {
    kind: "batch",
    spec: s,
    apply(batch, ctx) {
      const u = usableSamples(s, call, batch, ctx);
      if (u === undefined) return [];
      return pick(u.samples).map((x) => ({
        name: ctx.name,
        tags: withPointTags ? { ...ctx.groupTags, ...x.point.tags } : { ...ctx.groupTags },
        fields: { [as]: x.value },
        time: call.usePointTimes === true ? x.point.time : batch.time,
      }));
    },
  };
}

/**
 * holtWinters / holtWintersWithFit (Kapacitor's InfluxQL node over InfluxDB's reducer): the
 * batch's usable points, in time order, forecast by ./holt-winters.ts; each output point
 * carries its forecast time, the group tags and { [as]: value } (float).
 */
function forecast(
  s: InfluxQLSpec,
  call: InfluxQLCall,
  as: string,
  h: number,
  m: number,
  interval: number,
  withFit: boolean,
): CompiledBatchCall {
  return {
    kind: "batch",
    spec: s,
    apply(batch, ctx) {
      const u = usableSamples(s, call, batch, ctx);
      if (u === undefined) return [];
      const pts = u.samples.map((x) => ({ time: x.point.time, value: Number(x.value) })).sort(byTime);
      return holtWinters(pts, h, m, withFit, interval).map((p) => ({
        name: ctx.name,
        tags: { ...ctx.groupTags },
        fields: { [as]: p.value },
        time: p.time,
      }));
    },
  };
}

function transform(s: InfluxQLSpec, create: (ctx: GroupContext) => TransformState): CompiledTransform {
  return {
    kind: "transform",
    spec: s,
    create,
    applyBatch(batch, ctx) {
      const state = create(ctx);
      const out: Point[] = [];
      for (const p of batch.points) {
        try {
          const r = state.push(p);
          if (r !== undefined) out.push(r);
        } catch (e) {
          if (!(e instanceof TickdError) || e.code !== E_INFLUXQL) throw e;
          ctx.onSkip?.(e);
        }
      }
      return out;
    },
  };
}
