/**
 * A running task: the checked graph turned into connected runtime nodes. Points enter at
 * the root synchronously (`write`), in data-time order; `barrier(now)` is the wall-clock
 * tick that drives tickd's idle flush.
 */
import type { Point } from "../core/types.js";
import { TickdError } from "../core/errors.js";
import type { TaskGraph, TaskNode } from "../pipeline/task-graph.js";
import type { TaskContext } from "./context.js";
import { NO_DIMENSIONS, NIL_GROUP } from "./group.js";
import { isInfluxQLMethod } from "./influxql/index.js";
import { RuntimeNode } from "./node.js";
import { AlertNode } from "./nodes/alert-node.js";
import {
  DefaultNode,
  DeleteNode,
  FromNode,
  GroupByNode,
  LogNode,
  NoopNode,
  RootNode,
  WhereNode,
} from "./nodes/basic.js";
import { EvalNode } from "./nodes/eval-node.js";
import { InfluxQLNode } from "./nodes/influxql-node.js";
import { WindowNode } from "./nodes/window-node.js";

type NodeFactory = new (n: TaskNode, ctx: TaskContext) => RuntimeNode;

/** Node kinds the engine runs, by catalogue key. */
const FACTORIES: Readonly<Record<string, NodeFactory>> = {
  stream: class extends RootNode {
    constructor(n: TaskNode, ctx: TaskContext) {
      super(n.name, ctx);
    }
  },
  noop: class extends NoopNode {
    constructor(n: TaskNode, ctx: TaskContext) {
      super(n.name, ctx);
    }
  },
  from: FromNode,
  where: WhereNode,
  groupBy: GroupByNode,
  window: WindowNode,
  eval: EvalNode,
  default: DefaultNode,
  delete: DeleteNode,
  log: LogNode,
  alert: AlertNode,
};

export const ENGINE_NODE_KINDS: readonly string[] = [
  ...Object.keys(FACTORIES),
  "count sum mean median mode spread stddev first last min max percentile top bottom distinct derivative difference movingAverage cumulativeSum elapsed".split(
    " ",
  ),
].flat();

export class Task {
  readonly nodes: RuntimeNode[] = [];
  private readonly roots: RuntimeNode[] = [];
  private readonly dbrps: Set<string>;

  constructor(
    readonly graph: TaskGraph,
    ctx: TaskContext,
  ) {
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
      byId.set(n.id, rn);
      this.nodes.push(rn);
      if (n.parents.length === 0) this.roots.push(rn);
    }
    for (const n of graph.nodes) {
      const rn = byId.get(n.id)!;
      for (const c of n.children) {
        const child = byId.get(c);
        if (child !== undefined) rn.children.push(child);
      }
    }
    this.dbrps = new Set(graph.dbrps.map((d) => `${d.db}\u0000${d.rp}`));
  }

  /** True when points of this database and retention policy belong to the task. */
  wants(db: string, rp: string): boolean {
    return this.dbrps.size === 0 || this.dbrps.has(`${db}\u0000${rp}`);
  }

  write(db: string, rp: string, p: Point): void {
    if (!this.wants(db, rp)) return;
    const m = {
      name: p.name,
      db,
      rp,
      tags: p.tags,
      fields: p.fields,
      time: p.time,
      group: NIL_GROUP,
      dims: NO_DIMENSIONS,
    };
    for (const r of this.roots) {
      r.stats.collected++;
      r.point(m);
    }
  }

  /**
   * The wall-clock tick. With `idleFlush` (ns), windows whose end lies more than that in
   * the past close even though their group sent no new point, so a quiet series still
   * alerts. With `groupTtl` (ns), per-group state unseen for that long is dropped
   * (alert groups only when OK). Replays (tickctl test) never tick.
   */
  tick(now: number, opts: { idleFlush?: number; groupTtl?: number } = {}): { expired: number } {
    if (opts.idleFlush !== undefined) this.barrier(now - opts.idleFlush);
    let expired = 0;
    if (opts.groupTtl !== undefined) for (const n of this.nodes) expired += n.expire(now - opts.groupTtl);
    return { expired };
  }

  barrier(now: number): void {
    for (const r of this.roots) r.barrier(now);
  }
}

function factoryFor(n: TaskNode): NodeFactory | undefined {
  if (Object.hasOwn(FACTORIES, n.kind)) return FACTORIES[n.kind];
  if (isInfluxQLMethod(n.kind)) return InfluxQLNode;
  return undefined;
}
