/**
 * What the HTTP API and tickctl need from the task manager (pinned: src/server/http builds
 * Kapacitor's task JSON, KAPACITOR-COMPAT.md §6, from these values).
 */
import type { FieldFilter } from "../core/line-protocol.js";
import type { Point } from "../core/types.js";
import type { HttpOutResult } from "../engine/nodes/http-out-node.js";
import type { TaskVar } from "../pipeline/check.js";
import type { Dbrp, TaskType } from "../pipeline/task-graph.js";
import type { TaskRecord, TaskStatus } from "../store/tasks.js";

/** POST /tasks and PATCH /tasks/<id> bodies, already decoded (absent keys are undefined). */
export interface TaskInput {
  id?: string;
  templateId?: string;
  type?: TaskType;
  dbrps?: Dbrp[];
  script?: string;
  status?: TaskStatus;
  vars?: Record<string, TaskVar>;
}

/** One node's figures, as Kapacitor's `stats.node-stats.<node>` and DOT (src/engine/stats.ts). */
export interface NodeStatsView {
  name: string;
  /** Pipeline node kind (`stream`, `from`, `window`, `alert`, …). */
  kind: string;
  /** Sum of what its parent edges carried (a root: what entered the task). */
  collected: number;
  /** Sum of what its child edges carried: 0 for a leaf. */
  emitted: number;
  errors: number;
  /** Groups the node keeps state for. */
  workingCardinality: number;
  /** Highest moving average of sampled per-message times, ns. */
  avgExecTimeNs: number;
  /** Kind-specific figures by Kapacitor's names (the alert node's `alerts_triggered`, …). */
  extra: Readonly<Record<string, number>>;
  /** Child edges in pipeline order with what each carried (the DOT's `processed`). */
  edges: readonly { child: string; processed: number }[];
}

export interface TaskView extends TaskRecord {
  /** True while the task runs (enabled and started without error). */
  executing: boolean;
  /**
   * Graphviz DOT of the pipeline, as Kapacitor's `dot` field: with each node's figures while
   * executing (`dot-view=attributes`, the default).
   */
  dot: string;
  /** The same with the figures as Graphviz labels (`dot-view=labels`). */
  dotLabels: string;
  /** Per-node counters while executing; empty when idle. */
  nodeStats: NodeStatsView[];
  /** Kapacitor's `task-stats.throughput` (points/s or batches/s); 0 when idle. */
  throughput: number;
}

/**
 * Write methods may answer a promise: in cluster mode (src/cluster/config-writes.ts) a change
 * goes through the config topic first and is answered once this instance has applied it.
 */
export interface TaskService {
  /**
   * Defines a task. Throws TickdError with code E_TASK_INVALID (HTTP 400) and Kapacitor's
   * messages: "invalid id", "task X already exists", "must provide TICKscript", "must specify
   * dbrp", "cannot specify dbrp in both implicitly and explicitly", "invalid TICKscript: …".
   */
  define(input: TaskInput): TaskView | Promise<TaskView>;
  /**
   * Applies the non-empty keys (Kapacitor's PATCH). E_TASK_UNKNOWN (404, "task does not exist,
   * cannot update"), E_TASK_INVALID (400). A status change starts or stops the task; a new id
   * renames it.
   */
  update(id: string, patch: TaskInput): TaskView | Promise<TaskView>;
  /** Stops and deletes; no error for an unknown id (Kapacitor answers 204 either way). */
  delete(id: string): void | Promise<void>;
  get(id: string): TaskView | undefined;
  /** Sorted by id. */
  list(opts: { pattern?: string; offset?: number; limit?: number }): TaskView[];
  /** The latest `|httpOut(name)` result of a running task (times in ns), or undefined. */
  httpOut(taskId: string, name: string): HttpOutResult | undefined;
  /** Routes points of (db, rp) to every enabled stream task that wants them. */
  write(db: string, rp: string, points: readonly Point[]): void;
  /**
   * The fields the running tasks of (db, rp) can read, to parse a write with (undefined: all).
   * Valid until a task starts or stops: parse and `write` in one synchronous step. Optional:
   * a service without it gets every field.
   */
  fieldFilter?(db: string, rp: string): FieldFilter | undefined;
}
