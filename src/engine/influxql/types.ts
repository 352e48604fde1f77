/**
 * Public types of the InfluxQL function layer. Documented in ./index.ts; kept in their own
 * file so the implementation files can share them without importing the registry.
 */
import type { FieldValue, Point, Tags } from "../../core/types.js";
import type { TickdError } from "../../core/errors.js";

/** Value kinds as InfluxDB's query engine sees them: int64 → "int", float64 → "float". */
export type ValueKind = "float" | "int" | "string" | "bool";

/** A positional argument after the field, as the TICKscript call spells it. */
export type InfluxQLArg = number | bigint | string;

/** How the node is configured (TICKscript method, its arguments and property calls). */
export interface InfluxQLCall {
  /** `count`, `mean`, `top`, `derivative`, … (see INFLUXQL_FUNCTIONS). */
  method: string;
  /** The input field. */
  field: string;
  /** `.as(name)`: the output field. Default: the method name (`derivative`: the field itself). */
  as?: string;
  /** `.usePointTimes()`: selectors stamp output with the selected point's time. */
  usePointTimes?: boolean;
  /**
   * The non-field arguments in order: `percentile` [p]; `top`/`bottom` [n, ...fieldsAndTags];
   * `movingAverage` [n]; `elapsed` [unit in ns]. Others take none.
   */
  args?: readonly InfluxQLArg[];
  /** `derivative .unit(d)`, ns. Default 1s. */
  unit?: number;
  /** `derivative .nonNegative()`. */
  nonNegative?: boolean;
}

/** A window or query batch. Times are ns since the epoch. */
export interface BatchInput {
  /** The batch time (window end, or query time). */
  time: bigint;
  points: readonly Point[];
}

/** Per-call context: who is asking, for which group. */
export interface GroupContext {
  /** Measurement of the output points. */
  name: string;
  /** The group-by tags; aggregates and transforms emit exactly these tags. */
  groupTags: Tags;
  /** Node name for error messages, e.g. `mean3`. Default: the method name. */
  node?: string;
  /**
   * Called for each point skipped because its field is missing or has another type than the
   * batch's first usable point (Kapacitor logs and counts each such point, then carries on).
   */
  onSkip?: (err: TickdError) => void;
}

export type FunctionCategory = "aggregate" | "selector" | "multiSelector" | "transform";

/** The registry's description of one function, usable for pipeline checks and docs. */
export interface InfluxQLSpec {
  readonly method: string;
  readonly category: FunctionCategory;
  /** Field kinds the function accepts (a point of another kind is skipped). */
  readonly accepts: readonly ValueKind[];
  /** Output field kind: a fixed kind, or "same" as the input. Selectors keep the input. */
  readonly output: ValueKind | "same";
  /** `count` and `sum` emit a point for an empty batch; everything else emits nothing. */
  readonly emitsOnEmpty: boolean;
}

/** A compiled call for a batch function (aggregate or selector): pure, stateless. */
export interface CompiledBatchCall {
  readonly kind: "batch";
  readonly spec: InfluxQLSpec;
  /** Reduces one batch. Throws E_INFLUXQL when the batch yields nothing usable (see index.ts). */
  apply(batch: BatchInput, ctx: GroupContext): Point[];
}

/** Per-group state of a transform. */
export interface TransformState {
  /**
   * Feeds one point; returns the output point, or undefined when nothing is emitted yet
   * (first point, window not full, non-negative drop, duplicate time). Throws E_INFLUXQL when
   * the point cannot be used (missing field, wrong kind, zero elapsed time for derivative).
   */
  push(p: Point): Point | undefined;
  /** Forgets everything, as at the start of a batch. */
  reset(): void;
  /** The state as JSON-able data, to carry the group to another process (cluster mode). */
  save(): unknown;
  /** Loads what save returned; throws when it does not fit. */
  load(s: unknown): void;
}

/** A compiled transform: a factory for per-group state. */
export interface CompiledTransform {
  readonly kind: "transform";
  readonly spec: InfluxQLSpec;
  create(ctx: GroupContext): TransformState;
  /** Runs a fresh state over one batch, as Kapacitor does for batch edges. */
  applyBatch(batch: BatchInput, ctx: GroupContext): Point[];
}

export type CompiledInfluxQL = CompiledBatchCall | CompiledTransform;

/** A value with the point it came from. */
export interface Sample {
  value: FieldValue;
  point: Point;
}
