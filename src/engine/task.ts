/**
 * A running task: the checked graph turned into connected runtime nodes. Points enter at
 * the root synchronously (`write`), in data-time order; `barrier(now)` is the wall-clock
 * tick that drives tickd's idle flush.
 */
import type { Point } from "../core/types.js";
import { TickdError } from "../core/errors.js";
import { addNs } from "../core/time.js";
import type { TaskGraph, TaskNode } from "../pipeline/task-graph.js";
import type { TaskContext } from "./context.js";
import type { PointMsg } from "./messages.js";
import { NO_DIMENSIONS, NIL_GROUP } from "./group.js";
import { isInfluxQLMethod } from "./influxql/index.js";
import { deliverSampled, RuntimeNode } from "./node.js";
import { SAMPLE_EVERY } from "./exec-timer.js";
import { AlertNode } from "./nodes/alert-node.js";
import {
  DefaultNode,
  DeleteNode,
  FromNode,
  GroupByNode,
  LogNode,
  RootNode,
  WhereNode,
} from "./nodes/basic.js";
import { EvalNode } from "./nodes/eval-node.js";
import { taskFieldDemand, type TaskFieldDemand } from "./field-demand.js";
import { InfluxQLNode } from "./nodes/influxql-node.js";
import { WindowNode } from "./nodes/window-node.js";
import { linkSpecialEdges, withDeadmanDefaults } from "./nodes/wiring.js";
import { ChangeDetectNode } from "./nodes/change-detect-node.js";
import { HttpOutNode } from "./nodes/http-out-node.js";
import { JoinNode } from "./nodes/join-node.js";
import { SampleNode } from "./nodes/sample-node.js";
import { ShiftNode } from "./nodes/shift-node.js";
import { StateCountNode, StateDurationNode } from "./nodes/state-tracking-node.js";
import { StatsNode } from "./nodes/stats-node.js";
import { UnionNode } from "./nodes/union-node.js";
import { QueryFluxNode, QueryNode, ScheduledQueryNode } from "./nodes/query-node.js";
import { InfluxDBOutNode } from "./nodes/influxdb-out-node.js";
import { BarrierNode } from "./nodes/barrier-node.js";
import { FlattenNode } from "./nodes/flatten-node.js";
import { HttpPostNode } from "./nodes/http-post-node.js";
import { LoopbackNode } from "./nodes/loopback-node.js";
import { SideloadNode } from "./nodes/sideload-node.js";
import { CombineNode } from "./nodes/combine-node.js";
import { TrickleNode } from "./nodes/trickle-node.js";

type NodeFactory = new (n: TaskNode, ctx: TaskContext) => RuntimeNode;

/** `stream`, `batch` and `noop`: pass every message on (RootNode) under the node's name. */
class PassNode extends RootNode {
  constructor(n: TaskNode, ctx: TaskContext) {
    super(n.name, ctx);
  }
}

/** Node kinds the engine runs, by catalogue key. */
const FACTORIES: Readonly<Record<string, NodeFactory>> = {
  stream: PassNode,
  noop: PassNode,
  from: FromNode,
  where: WhereNode,
  groupBy: GroupByNode,
  window: WindowNode,
  eval: EvalNode,
  default: DefaultNode,
  delete: DeleteNode,
  log: LogNode,
  barrier: BarrierNode,
  flatten: FlattenNode,
  alert: AlertNode,
  stateDuration: StateDurationNode,
  stateCount: StateCountNode,
  changeDetect: ChangeDetectNode,
  shift: ShiftNode,
  sample: SampleNode,
  stats: StatsNode,
  join: JoinNode,
  union: UnionNode,
  httpOut: HttpOutNode,
  batch: PassNode,
  query: QueryNode,
  queryFlux: QueryFluxNode,
  influxDBOut: InfluxDBOutNode,
  httpPost: HttpPostNode,
  kapacitorLoopback: LoopbackNode,
  sideload: SideloadNode,
  combine: CombineNode,
  trickle: TrickleNode,
};

export const ENGINE_NODE_KINDS: readonly string[] = [
  ...Object.keys(FACTORIES),
  "count sum mean median mode spread stddev first last min max percentile top bottom distinct derivative difference movingAverage cumulativeSum elapsed holtWinters holtWintersWithFit".split(
    " ",
  ),
].flat();

export class Task {
  readonly nodes: RuntimeNode[] = [];
  /** `stream` / `batch`: where written points enter. */
  private readonly roots: RuntimeNode[] = [];
  /** Every parentless node (roots and stats nodes): where wall-clock ticks enter. */
  private readonly tickRoots: RuntimeNode[] = [];
  private readonly dbrps: Set<string>;
  readonly graph: TaskGraph;
  /** The fields of written points this task can read (ingest decodes only those). */
  readonly fieldDemand: TaskFieldDemand;
  /** Points until the next one whose way through the graph is timed (avg_exec_time_ns). */
  private untilSampled = SAMPLE_EVERY;
  /** Kapacitor's task-stats throughput: messages/s into the task over the last tick. */
  private rate = { throughput: 0, count: 0, at: undefined as number | undefined };

  constructor(checked: TaskGraph, ctx: TaskContext) {
    // Deadman's synthetic alert gets Kapacitor's default crit/id/message.
    const graph = withDeadmanDefaults(checked);
    this.graph = graph;
    this.fieldDemand = taskFieldDemand(graph);
    const unsupported = graph.nodes.filter((n) => factoryFor(n) === undefined);
    if (unsupported.length > 0) {
      throw new TickdError(
        "E_TASK_UNSUPPORTED",
        `task ${ctx.taskName} uses ${unsupported.map((n) => `|${n.kind}()`).join(", ")}, which the engine cannot run yet`,
      );
    }
    const byId = new Map<number, RuntimeNode>();
    for (const n of graph.nodes) {
      const rn = new (factoryFor(n)!)(n, ctx);
      if (rn instanceof LoopbackNode) {
        // loopback.go: writing into a dbrp the task reads would feed the task its own output.
        const loop = graph.dbrps.find((d) => d.db === rn.database && d.rp === rn.retentionPolicy);
        if (loop !== undefined)
          throw new TickdError("E_TASK_LOOP", `${n.name}: loop detected on dbrp "${loop.db}"."${loop.rp}"`);
      }
      byId.set(n.id, rn);
      this.nodes.push(rn);
      if (n.parents.length === 0) {
        this.tickRoots.push(rn);
        if (n.kind === "stream" || n.kind === "batch") this.roots.push(rn);
      }
    }
    for (const n of graph.nodes) {
      const rn = byId.get(n.id)!;
      for (const c of n.children) {
        const child = byId.get(c);
        if (child !== undefined) rn.children.push(child);
      }
    }
    // join/union inputs per parent, stats nodes watching their source.
    linkSpecialEdges(graph, byId);
    this.dbrps = new Set(graph.dbrps.map((d) => `${d.db}\u0000${d.rp}`));
  }

  /** True when points of this database and retention policy belong to the task. */
  wants(db: string, rp: string): boolean {
    return this.dbrps.size === 0 || this.dbrps.has(`${db}\u0000${rp}`);
  }

  write(db: string, rp: string, p: Point): void {
    if (this.wants(db, rp)) this.enter(db, rp, p);
  }

  /** Points of one database and retention policy, in order. */
  writeAll(db: string, rp: string, points: readonly Point[]): void {
    if (!this.wants(db, rp)) return;
    for (let i = 0; i < points.length; i++) this.enter(db, rp, points[i]!);
  }

  private enter(db: string, rp: string, p: Point): void {
    const m: PointMsg = {
      name: p.name,
      db,
      rp,
      tags: p.tags,
      fields: p.fields,
      time: p.time,
      group: NIL_GROUP,
      dims: NO_DIMENSIONS,
    };
    const roots = this.roots;
    for (let i = 0; i < roots.length; i++) {
      const r = roots[i]!;
      r.stats.collected++;
      if (--this.untilSampled !== 0) r.point(m);
      else this.sampled(r, m);
    }
  }

  private sampled(root: RuntimeNode, m: PointMsg): void {
    this.untilSampled = SAMPLE_EVERY;
    deliverSampled(root, () => root.point(m));
  }

  /**
   * The wall-clock tick: drives stats and deadman, and with the context's `idleFlush` closes
   * windows of quiet groups so a quiet series still alerts. With `groupTtl` (ns), per-group
   * state unseen for that long is dropped (alert groups only when OK). Replays never tick.
   */
  tick(now: bigint, opts: { groupTtl?: number } = {}): { expired: number } {
    this.measureThroughput(Number(now));
    // The next point is timed: a task that gets few points still shows avg_exec_time_ns.
    this.untilSampled = 1;
    this.barrier(now);
    let expired = 0;
    if (opts.groupTtl !== undefined)
      for (const n of this.nodes) expired += n.expire(addNs(now, -opts.groupTtl));
    return { expired };
  }

  barrier(now: bigint): void {
    for (const r of this.tickRoots) r.barrier(now);
  }

  /** The task's `|query()` / `|queryFlux()` nodes in graph order (batch recordings' sources). */
  querySources(): ScheduledQueryNode[] {
    return this.nodes.filter((n): n is ScheduledQueryNode => n instanceof ScheduledQueryNode);
  }

  /** Points/s (stream) or batches/s (batch) into the task between the last two ticks. */
  get throughput(): number {
    return this.rate.throughput;
  }

  /**
   * What entered the task so far: points collected by `stream`, or batches the queries sent
   * (Kapacitor counts its source node's collected, and a batch source collects its queries').
   */
  entered(): number {
    let n = 0;
    for (const r of this.nodes) {
      if (r instanceof QueryNode || r instanceof QueryFluxNode) n += r.stats.emitted;
    }
    for (const r of this.roots) n += r.stats.collected;
    return n;
  }

  /** Kapacitor recomputes throughput every second from its source's count; tickd per tick. */
  private measureThroughput(now: number): void {
    const r = this.rate;
    const count = this.entered();
    if (r.at !== undefined && now > r.at) r.throughput = ((count - r.count) * 1e9) / (now - r.at);
    r.count = count;
    r.at = now;
  }

  /**
   * Resolves when the task's `|httpPost()` requests so far are answered and their messages
   * passed on (replays wait for it so `.codeField()` data reaches the alerts in order).
   */
  async idle(): Promise<void> {
    for (const n of this.nodes) if (n instanceof HttpPostNode) await n.idle();
  }

  /** Whether any `|httpPost()` request is still waiting for its answer. */
  busy(): boolean {
    return this.nodes.some((n) => n instanceof HttpPostNode && n.pending() > 0);
  }

  /**
   * Stops the task's I/O: batch queries stop ticking (answers in flight are dropped) and
   * `influxDBOut` writes what it buffered. Resolves when those writes finished.
   */
  async stop(): Promise<void> {
    const pending: Promise<void>[] = [];
    for (const n of this.nodes) {
      if (n instanceof QueryNode || n instanceof QueryFluxNode) n.stop();
      else if (n instanceof InfluxDBOutNode) pending.push(n.stop());
      else if (n instanceof HttpPostNode) pending.push(n.idle());
    }
    await Promise.all(pending);
  }
}

function factoryFor(n: TaskNode): NodeFactory | undefined {
  if (Object.hasOwn(FACTORIES, n.kind)) return FACTORIES[n.kind];
  if (isInfluxQLMethod(n.kind)) return InfluxQLNode;
  return undefined;
}
