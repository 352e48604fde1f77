/**
 * The engines of one owned input partition (cluster mode, DESIGN §11): a fresh instance of
 * every running stream task, so windows, groups and alert state are per partition, as the
 * series of a partition are. Alert state lives in a map restored from the changelog before
 * the first point and mirrored back to it through the partition's transaction buffer.
 *
 * States: built (restored map in hand) → running (sync() follows the task definitions:
 * a task started or redefined gets a new instance over the same state, a deleted task's
 * state is tombstoned) → stopped (partition revoked; instances stopped, nothing written).
 */
import type { AlertSink, AlertStatePersistence, EngineLogger } from "../engine/context.js";
import type { AlertStateSnapshot } from "../engine/alert-state.js";
import type { Task } from "../engine/task.js";
import { coerceError } from "../core/errors.js";
import type { Point } from "../core/types.js";
import type { TaskGraph } from "../pipeline/task-graph.js";
import type { InstanceContext } from "../server/task-manager.js";
import { alertStateKey, encodeAlertState } from "./changelog.js";
import { inEvent, inPartition, type PartitionWork } from "./context.js";
import { newNodeStateStats, PartitionNodeStates, type NodeStateStats } from "./node-state.js";
import { isClusterWide } from "./wide-tasks.js";

/** The task manager as the partition engines use it. */
export interface StreamTaskSource {
  /** Every running task (stream and batch). */
  clusterTasks(): Map<string, TaskGraph>;
  instantiate(id: string, ctx: InstanceContext): Task | undefined;
}

export interface AlertStateEntry {
  eventId: string;
  state: AlertStateSnapshot;
}

/** Key of {@link PartitionEngineDeps.alertStates}: task, node and group joined by NUL. */
export function stateMapKey(task: string, node: string, group: string): string {
  return `${task}\u0000${node}\u0000${group}`;
}

export interface PartitionEngineDeps {
  work: PartitionWork;
  source: StreamTaskSource;
  alerts: AlertSink;
  logger: EngineLogger;
  /** Restored from the changelog; the engine keeps it current. */
  alertStates: Map<string, AlertStateEntry>;
  /** Node group states restored from the changelog (src/cluster/node-state.ts); emptied as loaded. */
  nodeStates?: Map<string, unknown>;
  nodeStats?: NodeStateStats;
  /**
   * The cluster's leader partition (src/cluster/wide-tasks.ts): this engine also runs the
   * cluster-wide tasks (batch, stats, deadman), fed through writeWide.
   */
  leader?: boolean;
  /** Wraps a write (the daemon: one SQLite commit for history rows). */
  batch?: (fn: () => void) => void;
  groupTtl?: number;
}

const MAX_LOOPBACK_DEPTH = 16;

export class PartitionEngine {
  private readonly instances = new Map<string, { graph: TaskGraph; task: Task; wide: boolean }>();
  private readonly alerts: AlertSink;
  private loopDepth = 0;
  private stopped = false;
  private readonly nodes: PartitionNodeStates;

  constructor(private readonly d: PartitionEngineDeps) {
    this.nodes = new PartitionNodeStates(
      d.work,
      d.nodeStates ?? new Map(),
      d.logger,
      d.nodeStats ?? newNodeStateStats(),
    );
    const sink = d.alerts;
    this.alerts = {
      collect: (e, route) => inEvent(e, () => sink.collect(e, route)),
      ...(sink.restore !== undefined ? { restore: (t, id) => sink.restore!(t, id) } : {}),
    };
  }

  /** Brings the instances in line with the running stream tasks. */
  sync(): void {
    if (this.stopped) return;
    const wanted = new Map<string, TaskGraph>();
    for (const [id, g] of this.d.source.clusterTasks())
      if (!isClusterWide(g) ? g.type === "stream" : this.d.leader === true) wanted.set(id, g);
    for (const [id, inst] of [...this.instances]) {
      const g = wanted.get(id);
      if (g === inst.graph) continue;
      this.instances.delete(id);
      void this.stopTask(id, inst.task);
      if (g === undefined) this.forgetTask(id);
      // Deleted or redefined: its windows and functions start empty, as on one node.
      this.nodes.forget(id);
    }
    for (const [id, graph] of wanted) {
      if (this.instances.has(id)) continue;
      const task = this.d.source.instantiate(id, {
        alerts: this.alerts,
        alertStates: this.persistence(id),
        loopback: (db, rp, p) => this.loopback(db, rp, p),
        trackGroupState: true,
      });
      if (task === undefined) continue;
      this.nodes.load(id, task);
      this.instances.set(id, { graph, task, wide: isClusterWide(graph) });
    }
  }

  /** Points of one record, in order, through every instance that wants db/rp. */
  write(db: string, rp: string, points: readonly Point[]): void {
    if (this.stopped) return;
    inPartition(this.d.work, () => {
      const run = (): void => {
        for (const { task, wide } of this.instances.values()) if (!wide) task.writeAll(db, rp, points);
      };
      if (this.d.batch !== undefined) this.d.batch(run);
      else run();
    });
  }

  /** Points of any partition, for the cluster-wide tasks (leader partition only). */
  writeWide(db: string, rp: string, points: readonly Point[]): void {
    if (this.stopped || this.d.leader !== true) return;
    inPartition(this.d.work, () => {
      for (const { task, wide } of this.instances.values()) if (wide) task.writeAll(db, rp, points);
    });
  }

  /** The wall-clock tick (deadman, idle flush, expiry) of this partition's instances. */
  tick(now: bigint): void {
    if (this.stopped) return;
    inPartition(this.d.work, () => {
      for (const [id, { task }] of this.instances) {
        try {
          task.tick(now, this.d.groupTtl !== undefined ? { groupTtl: this.d.groupTtl } : {});
        } catch (e) {
          this.d.logger.log("error", `tick failed: ${coerceError(e).message}`, {
            task: id,
            partition: this.d.work.input.partition,
          });
        }
      }
    });
  }

  /** Buffers the node group states changed since the last call for the partition's next transaction. */
  checkpoint(): void {
    if (this.stopped) return;
    this.nodes.checkpoint([...this.instances].map(([id, i]) => [id, i.task] as [string, Task]));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const all = [...this.instances];
    this.instances.clear();
    await Promise.all(all.map(([id, i]) => this.stopTask(id, i.task)));
  }

  private loopback(db: string, rp: string, p: Point): void {
    if (this.loopDepth >= MAX_LOOPBACK_DEPTH)
      throw new Error(
        `more than ${MAX_LOOPBACK_DEPTH} nested loopback writes: tasks write to each other in a circle`,
      );
    this.loopDepth++;
    try {
      for (const { task } of this.instances.values()) task.write(db, rp, p);
    } finally {
      this.loopDepth--;
    }
  }

  private persistence(task: string): AlertStatePersistence {
    const { alertStates, work } = this.d;
    return {
      load: (node, group) => alertStates.get(stateMapKey(task, node, group)),
      save: (node, group, eventId, state) => {
        alertStates.set(stateMapKey(task, node, group), { eventId, state });
        if (!work.closed)
          work.putState(alertStateKey(work.input, task, node, group), encodeAlertState(eventId, state));
      },
      remove: (node, group) => {
        if (!alertStates.delete(stateMapKey(task, node, group))) return;
        if (!work.closed) work.putState(alertStateKey(work.input, task, node, group), null);
      },
    };
  }

  /** A deleted task: its groups' state goes from the changelog too. */
  private forgetTask(task: string): void {
    const { alertStates, work } = this.d;
    const prefix = `${task}\u0000`;
    for (const k of [...alertStates.keys()]) {
      if (!k.startsWith(prefix)) continue;
      // Node names hold no NUL; the group is everything after the second one.
      const rest = k.slice(prefix.length);
      const i = rest.indexOf("\u0000");
      alertStates.delete(k);
      if (!work.closed)
        work.putState(alertStateKey(work.input, task, rest.slice(0, i), rest.slice(i + 1)), null);
    }
  }

  private stopTask(id: string, task: Task): Promise<void> {
    return task.stop().catch((e: unknown) => {
      this.d.logger.log("error", `task instance did not stop cleanly: ${coerceError(e).message}`, {
        task: id,
        partition: this.d.work.input.partition,
      });
    });
  }
}
